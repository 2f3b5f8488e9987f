package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulps32 is |got - want| in units of the float32 spacing at want (the
// spacing of the smallest normal below it).
func ulps32(got float32, want float64) float64 {
	a := math.Abs(want)
	if a < math.SmallestNonzeroFloat32 {
		a = math.SmallestNonzeroFloat32
	}
	w := float32(a)
	ulp := float64(math.Nextafter32(w, float32(math.Inf(1))) - w)
	if ulp < 0x1p-149 {
		ulp = 0x1p-149
	}
	return math.Abs(float64(got)-want) / ulp
}

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
