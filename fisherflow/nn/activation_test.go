package nn

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/fisherflow/fisherflow/internal/testutil"
)

// ulps32 is |got - want| in float32 ULPs of want.
func ulps32(got float32, want float64) float64 { return testutil.ULP32(got, big.NewFloat(want)) }

// The float32 GELU (Numerical Recipes' erfc with kernels.Exp) against the
// exact x Phi(x) in float64 (math.Erfc): forward within 3 float32 ULP, and
// the derivative Phi(x) + x phi(x) within 2^-22 absolute (it lies in
// [-0.17, 1.13]; for x < 0 it is a difference of Phi and |x| phi, so a
// relative bound would not hold), over a grid of [-20, 20], random values
// and the special ones.
func TestGELUFloat32(t *testing.T) {
	xs := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1e-30, -1e-30, 0x1p-149, 5, -5, 10, -10, 30, -30, 1e30, -1e30,
		float32(math.Inf(1)), float32(math.NaN())}
	for i := -200000; i <= 200000; i++ {
		xs = append(xs, float32(i)/10000)
	}
	r := rand.New(rand.NewPCG(21, 22))
	for range 100000 {
		xs = append(xs, float32(r.NormFloat64()*4))
	}
	y, dx, ones := make([]float32, len(xs)), make([]float32, len(xs)), make([]float32, len(xs))
	for i := range ones {
		ones[i] = 1
	}
	g := &GELU[float32]{}
	g.Forward(y, xs)
	g.Backward(dx, ones, xs)
	worst, worstD := 0.0, 0.0
	for i, v := range xs {
		f := float64(v)
		want := 0.5 * f * math.Erfc(-f/math.Sqrt2)
		if math.IsInf(f, 1) {
			want = f
		}
		dwant := 0.5*math.Erfc(-f/math.Sqrt2) + f*math.Exp(-0.5*f*f)/math.Sqrt(2*math.Pi)
		if math.IsInf(f, 1) {
			dwant = 1
		}
		if math.IsNaN(f) {
			if !math.IsNaN(float64(y[i])) || !math.IsNaN(float64(dx[i])) {
				t.Errorf("GELU(NaN) = %v, derivative %v", y[i], dx[i])
			}
			continue
		}
		if u := ulps32(y[i], want); u > worst {
			worst = u
			if u > 3 {
				t.Errorf("GELU(%v) = %v, want %v (%.1f ULP)", v, y[i], want, u)
			}
		}
		if d := math.Abs(float64(dx[i]) - dwant); d > worstD {
			worstD = d
			if d > 0x1p-22 {
				t.Errorf("GELU'(%v) = %v, want %v (off by %.3g)", v, dx[i], dwant, d)
			}
		}
	}
	t.Logf("worst: forward %.2f ULP, derivative %.3g absolute", worst, worstD)
}

// The float32 SiLU (kernels.Sigmoid in float32) against x/(1 + e^-x) in
// float64: within 4 float32 ULP over a grid of [-100, 100] and the
// special values for x > -87, where sigmoid(x) is a normal float32
// (below, it is subnormal and keeps fewer digits: there the test asks
// for 2^-140 absolute), never NaN for finite x.
func TestSiLUFloat32(t *testing.T) {
	xs := []float32{0, float32(math.Copysign(0, -1)), 1e-30, -1e-30, 1e30, -1e30, float32(math.Inf(1))}
	for i := -1000000; i <= 1000000; i++ {
		xs = append(xs, float32(i)/10000)
	}
	y := make([]float32, len(xs))
	s := &SiLU[float32]{}
	s.Forward(y, xs)
	worst := 0.0
	for i, v := range xs {
		f := float64(v)
		want := f / (1 + math.Exp(-f))
		if math.IsInf(f, 1) {
			if y[i] != v {
				t.Fatalf("SiLU(+Inf) = %v", y[i])
			}
			continue
		}
		if f < -87 {
			if math.Abs(float64(y[i])-want) > 0x1p-140 {
				t.Fatalf("SiLU(%v) = %v, want %v", v, y[i], want)
			}
			continue
		}
		u := ulps32(y[i], want)
		if u > 4 || math.IsNaN(float64(y[i])) {
			t.Fatalf("SiLU(%v) = %v, want %v (%.1f ULP)", v, y[i], want, u)
		}
		worst = max(worst, u)
	}
	t.Logf("worst %.2f ULP", worst)
}
