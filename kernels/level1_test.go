package kernels_test

import (
	"math"
	"math/big"
	"testing"

	"github.com/fisherflow/fisherflow/internal/testutil"
	"github.com/fisherflow/fisherflow/kernels"
)

// exactDot returns sum x[i]*y[i] and sum |x[i]*y[i]| at 2048 bits, which
// is exact for the moderate exponents used here.
func exactDot[T kernels.Float](x, y []T) (s, abs *big.Float) {
	s, abs = new(big.Float).SetPrec(2048), new(big.Float).SetPrec(2048)
	for i := range x {
		p := new(big.Float).SetPrec(2048).Mul(big.NewFloat(float64(x[i])), big.NewFloat(float64(y[i])))
		s.Add(s, p)
		abs.Add(abs, p.Abs(p))
	}
	return s, abs
}

// withinSumBound checks |got - exact| <= n*u/(1-n*u) * abs.
func withinSumBound(got float64, exact, abs *big.Float, n int, u float64) (float64, bool) {
	d := new(big.Float).Sub(big.NewFloat(got), exact)
	e, _ := d.Abs(d).Float64()
	nu := float64(n) * u
	lim, _ := new(big.Float).Mul(abs, big.NewFloat(nu/(1-nu))).Float64()
	return e, e <= lim
}

func TestLevel1(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		testLevel1[float32](t)
		testLevel1[float64](t)
	})
}

func testLevel1[T kernels.Float](t *testing.T) {
	r := newRand(11)
	u := unit[T]()
	for _, n := range sizes() {
		for off := 0; off < 3; off++ {
			x := testutil.NewGuarded[T](n, off, 0)
			y := testutil.NewGuarded[T](n, off, 0)
			for i := range x.S() {
				x.S()[i] = T(math.Ldexp(r.Float64()-0.5, r.IntN(20)-10))
				y.S()[i] = T(r.Float64() - 0.5)
			}
			ex, abs := exactDot(x.S(), y.S())
			if e, ok := withinSumBound(float64(kernels.Dot(x.S(), y.S())), ex, abs, n, u); !ok {
				t.Fatalf("Dot n=%d: error %g beyond bound", n, e)
			}
			ones := make([]T, n)
			for i := range ones {
				ones[i] = 1
			}
			ex, abs = exactDot(x.S(), ones)
			if e, ok := withinSumBound(float64(kernels.Sum(x.S())), ex, abs, n, u); !ok {
				t.Fatalf("Sum n=%d: error %g beyond bound", n, e)
			}
			// Norm2: relative error <= (n/2+2)u.
			ex, _ = exactDot(x.S(), x.S())
			want := new(big.Float).SetPrec(2048).Sqrt(ex)
			got := kernels.Norm2(x.S())
			if n > 0 {
				d := new(big.Float).Quo(new(big.Float).Sub(big.NewFloat(float64(got)), want), want)
				if e, _ := d.Abs(d).Float64(); e > (float64(n)/2+2)*u {
					t.Fatalf("Norm2 n=%d: relative error %g", n, e)
				}
			} else if got != 0 {
				t.Fatalf("Norm2 of empty = %v", got)
			}
			// Axpy: each element within 2u(|alpha x| + |y|); x and y
			// may be the same slice.
			alpha := T(r.Float64()*4 - 2)
			y0 := append([]T(nil), y.S()...)
			kernels.Axpy(alpha, x.S(), y.S())
			for i := range y0 {
				exact := float64(y0[i]) + float64(alpha)*float64(x.S()[i])
				lim := 2 * u * (math.Abs(float64(alpha)*float64(x.S()[i])) + math.Abs(float64(y0[i])))
				if math.Abs(float64(y.S()[i])-exact) > lim*1.0000001 {
					t.Fatalf("Axpy n=%d [%d]: got %v want %v", n, i, y.S()[i], exact)
				}
			}
			xc := append([]T(nil), x.S()...)
			kernels.Axpy(2, xc, xc)
			for i := range xc {
				if xc[i] != 3*x.S()[i] {
					t.Fatalf("Axpy aliased [%d] = %v, want %v", i, xc[i], 3*x.S()[i])
				}
			}
			// Scale: correctly rounded, so equal to T's own product.
			x0 := append([]T(nil), x.S()...)
			kernels.Scale(alpha, x.S())
			for i := range x0 {
				if want := alpha * x0[i]; x.S()[i] != want {
					t.Fatalf("Scale [%d] = %v, want %v", i, x.S()[i], want)
				}
			}
			for _, g := range []*testutil.Guarded[T]{x, y} {
				if err := g.Check(); err != nil {
					t.Fatalf("n=%d off=%d: %v", n, off, err)
				}
			}
		}
	}
}

func TestNorm2Range(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	forEachPath(t, func(t *testing.T) {
		for _, c := range []struct {
			x    []float64
			want float64
		}{
			{[]float64{3e300, 4e300}, 5e300},
			{[]float64{3e-300, 4e-300}, 5e-300},
			{[]float64{3 * 0x1p-1074, 4 * 0x1p-1074}, 5 * 0x1p-1074},
			{[]float64{1e308, 1e308}, math.Sqrt2 * 1e308},
			{[]float64{1e308, 1e308, 1e308, 1e308}, inf},
			{[]float64{1, nan, inf}, inf},
			{[]float64{1, nan}, nan},
			{[]float64{-inf}, inf},
			{[]float64{0, 0}, 0},
			{[]float64{0x1p-1074, 1e300}, 1e300},
		} {
			got := kernels.Norm2(c.x)
			if !sameFloat(got, c.want) && math.Abs(got-c.want) > 2e-16*c.want {
				t.Errorf("Norm2(%v) = %v, want %v", c.x, got, c.want)
			}
		}
		// float32: [2e38, 2e38] has a representable norm; squares would
		// overflow float32.
		if got := kernels.Norm2([]float32{2e38, 2e38}); math.Abs(float64(got)-2.8284271e38) > 1e31 {
			t.Errorf("float32 Norm2 = %v", got)
		}
		if got := kernels.Norm2([]float32{3e38, 3e38}); !math.IsInf(float64(got), 1) {
			t.Errorf("float32 Norm2 beyond range = %v, want +Inf", got)
		}
		if got := kernels.Norm2([]float32{1e-45, 1e-45}); got == 0 {
			t.Errorf("float32 Norm2 of subnormals = 0")
		}
	})
}
