package kernels_test

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/fisherflow/fisherflow/internal/testutil"
	"github.com/fisherflow/fisherflow/kernels"
)

// unaryFn describes one elementwise function for the table tests.
type unaryFn struct {
	name string
	f32  func(dst, x []float32)
	f64  func(dst, x []float64)
	// ref is the exact result; nil for inputs outside the domain.
	ref func(x float64) *big.Float
	// gen draws an input in the domain (r decides the range).
	gen func(r *rand.Rand) float64
	// bound in ULP; absAbove, when > 0, switches to an absolute bound
	// of 2u for |x| >= absAbove.
	bound    float64
	absAbove float64
}

func unaryFns() []unaryFn {
	sincos := func(i int) func(float64) *big.Float {
		return func(x float64) *big.Float {
			s, c := testutil.SinCos(x)
			return []*big.Float{s, c}[i]
		}
	}
	wide := func(r *rand.Rand) float64 {
		if r.IntN(2) == 0 {
			return (r.Float64() - 0.5) * 20
		}
		return randBits(r)
	}
	return []unaryFn{
		{"Sqrt", kernels.Sqrt[float32], kernels.Sqrt[float64],
			func(x float64) *big.Float { return testutil.Sqrt(testutil.Big(x)) },
			func(r *rand.Rand) float64 { return math.Abs(randBits(r)) }, 0.5, 0},
		{"Square", kernels.Square[float32], kernels.Square[float64],
			func(x float64) *big.Float { b := testutil.Big(x); return b.Mul(b, b) },
			func(r *rand.Rand) float64 { return math.Ldexp(r.Float64()-0.5, r.IntN(1000)-500) }, 0.5, 0},
		{"Acos", kernels.Acos[float32], kernels.Acos[float64], testutil.Acos,
			func(r *rand.Rand) float64 {
				switch r.IntN(3) {
				case 0:
					return 2*r.Float64() - 1
				case 1:
					return 1 - math.Ldexp(r.Float64(), -r.IntN(60))
				}
				return -1 + math.Ldexp(r.Float64(), -r.IntN(60))
			}, 2, 0},
		{"Sin", kernels.Sin[float32], kernels.Sin[float64], sincos(0), wide, 2, 0x1p29},
		{"Cos", kernels.Cos[float32], kernels.Cos[float64], sincos(1), wide, 2, 0x1p29},
		{"Exp", kernels.Exp[float32], kernels.Exp[float64],
			func(x float64) *big.Float { return testutil.Exp(testutil.Big(x)) },
			func(r *rand.Rand) float64 {
				if r.IntN(2) == 0 {
					return (r.Float64() - 0.5) * 2 * math.Ldexp(1, -r.IntN(40))
				}
				return -745.2 + r.Float64()*1455
			}, 2, 0},
		{"Sigmoid", kernels.Sigmoid[float32], kernels.Sigmoid[float64], bigSigmoid,
			func(r *rand.Rand) float64 {
				if r.IntN(2) == 0 {
					return (r.Float64() - 0.5) * 2 * math.Ldexp(1, -r.IntN(40))
				}
				return -746 + r.Float64()*790
			}, 3, 0},
		{"Log", kernels.Log[float32], kernels.Log[float64],
			func(x float64) *big.Float { return testutil.Log(testutil.Big(x)) },
			func(r *rand.Rand) float64 {
				if r.IntN(2) == 0 {
					return 1 + (r.Float64()-0.5)*math.Ldexp(1, -r.IntN(40))
				}
				return math.Abs(randBits(r))
			}, 2, 0},
	}
}

// checkULP reports an error when got is outside the bound of f at x.
func (f unaryFn) check(got, x float64, u float64, ulp func(float64, *big.Float) float64) error {
	if x == 0 && (f.name == "Log") {
		return nil
	}
	ref := f.ref(x)
	if f.absAbove > 0 && math.Abs(x) >= f.absAbove {
		d := new(big.Float).Sub(testutil.Big(got), ref)
		if e, _ := d.Abs(d).Float64(); e > 2*u {
			return fmt.Errorf("%s(%v) = %v: absolute error %g > 2u", f.name, x, got, e)
		}
		return nil
	}
	if e := ulp(got, ref); e > f.bound {
		return fmt.Errorf("%s(%v) = %v, want %s: %.3f ULP > %v", f.name, x, got, ref.Text('g', 20), e, f.bound)
	}
	return nil
}

func TestElementwiseAccuracy(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	forEachPath(t, func(t *testing.T) {
		for fi, f := range unaryFns() {
			r := newRand(uint64(fi))
			x64 := make([]float64, n)
			x32 := make([]float32, n)
			for i := range x64 {
				x64[i] = f.gen(r)
				v := float32(f.gen(r))
				if math.IsInf(float64(v), 0) {
					v = float32(math.Copysign(math.MaxFloat32, float64(v)))
				}
				if f.name == "Log" || f.name == "Sqrt" {
					v = float32(math.Abs(float64(v)))
				}
				x32[i] = v
			}
			d64 := make([]float64, n)
			d32 := make([]float32, n)
			f.f64(d64, x64)
			f.f32(d32, x32)
			fails := 0
			for i := range x64 {
				if err := f.check(d64[i], x64[i], 0x1p-53, testutil.ULP64); err != nil && fails < 5 {
					t.Errorf("float64 %v", err)
					fails++
				}
				if err := f.check(float64(d32[i]), float64(x32[i]), 0x1p-24, func(g float64, ref *big.Float) float64 {
					return testutil.ULP32(float32(g), ref)
				}); err != nil && fails < 5 {
					t.Errorf("float32 %v", err)
					fails++
				}
			}
		}
		// Atan2 over random pairs, including both-tiny and huge ratios.
		r := newRand(99)
		for i := 0; i < n; i++ {
			y, x := randBits(r), randBits(r)
			if i%2 == 0 {
				y, x = r.Float64()-0.5, r.Float64()-0.5
			}
			d := []float64{0}
			kernels.Atan2(d, []float64{y}, []float64{x})
			ref := testutil.Atan2(testutil.Big(y), testutil.Big(x))
			if e := testutil.ULP64(d[0], ref); e > 2 {
				t.Fatalf("Atan2(%v, %v) = %v, want %s: %.2f ULP", y, x, d[0], ref.Text('g', 20), e)
			}
			y32, x32 := float32(y), float32(x)
			if y32 == 0 || x32 == 0 || math.IsInf(float64(y32*x32), 0) {
				continue
			}
			d32 := []float32{0}
			kernels.Atan2(d32, []float32{y32}, []float32{x32})
			ref = testutil.Atan2(testutil.Big(float64(y32)), testutil.Big(float64(x32)))
			if e := testutil.ULP32(d32[0], ref); e > 2 {
				t.Fatalf("float32 Atan2(%v, %v) = %v: %.2f ULP", y32, x32, d32[0], e)
			}
		}
	})
}

func TestElementwiseSpecialValues(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	negZero := math.Copysign(0, -1)
	cases := []struct {
		fn   string
		x    float64
		want float64
	}{
		{"Sqrt", negZero, negZero}, {"Sqrt", inf, inf}, {"Sqrt", -1, nan}, {"Sqrt", nan, nan}, {"Sqrt", 0x1p-1074, 0x1p-537},
		{"Square", -inf, inf}, {"Square", nan, nan}, {"Square", 1e200, inf},
		{"Acos", 1, 0}, {"Acos", -1, math.Pi}, {"Acos", 0, math.Pi / 2}, {"Acos", 1.0000001, nan}, {"Acos", -inf, nan}, {"Acos", nan, nan},
		{"Sin", 0, 0}, {"Sin", negZero, negZero}, {"Sin", inf, nan}, {"Sin", -inf, nan}, {"Sin", nan, nan},
		{"Cos", 0, 1}, {"Cos", inf, nan}, {"Cos", nan, nan},
		{"Exp", 0, 1}, {"Exp", -inf, 0}, {"Exp", inf, inf}, {"Exp", 710, inf}, {"Exp", -746, 0}, {"Exp", nan, nan},
		{"Sigmoid", 0, 0.5}, {"Sigmoid", negZero, 0.5}, {"Sigmoid", inf, 1}, {"Sigmoid", -inf, 0}, {"Sigmoid", 40, 1},
		{"Sigmoid", -800, 0}, {"Sigmoid", nan, nan},
		{"Log", 1, 0}, {"Log", 0, -inf}, {"Log", negZero, -inf}, {"Log", -1, nan}, {"Log", inf, inf}, {"Log", nan, nan},
		{"Log", 0x1p-1074, -1074 * math.Ln2},
	}
	fns := map[string]unaryFn{}
	for _, f := range unaryFns() {
		fns[f.name] = f
	}
	forEachPath(t, func(t *testing.T) {
		for _, c := range cases {
			f := fns[c.fn]
			d := []float64{0}
			f.f64(d, []float64{c.x})
			if !sameFloat(d[0], c.want) || math.Signbit(d[0]) != math.Signbit(c.want) && c.want == 0 {
				t.Errorf("%s(%v) = %v, want %v", c.fn, c.x, d[0], c.want)
			}
			if float64(float32(c.x)) != c.x && !math.IsNaN(c.x) || c.fn == "Exp" && math.Abs(c.x) > 88 && !math.IsInf(c.x, 0) || c.x == 0x1p-1074 || c.x == 1e200 {
				continue // not a float32 special case
			}
			d32 := []float32{0}
			f.f32(d32, []float32{float32(c.x)})
			want32 := float32(c.want)
			if !sameFloat(float64(d32[0]), float64(want32)) {
				t.Errorf("float32 %s(%v) = %v, want %v", c.fn, c.x, d32[0], want32)
			}
		}
		// Near the overflow threshold, where math.Exp on amd64 overflows.
		d64 := []float64{0}
		kernels.Exp(d64, []float64{709.5})
		if e := testutil.ULP64(d64[0], testutil.Exp(testutil.Big(709.5))); e > 2 {
			t.Errorf("Exp(709.5) = %v (%.2f ULP)", d64[0], e)
		}
		// float32 range ends.
		d := []float32{0}
		kernels.Exp(d, []float32{89})
		if !math.IsInf(float64(d[0]), 1) {
			t.Errorf("float32 Exp(89) = %v, want +Inf", d[0])
		}
		kernels.Log(d, []float32{0x1p-149})
		if e := testutil.ULP32(d[0], testutil.Log(testutil.Big(0x1p-149))); e > 2 {
			t.Errorf("float32 Log(2^-149) = %v (%.2f ULP)", d[0], e)
		}
		// Atan2 follows math.Atan2 on every special pair, and fixes its
		// quadrant when y/x underflows.
		sp := []float64{0, negZero, 1, -1, inf, -inf, nan, 0x1p-1074, -0x1p-1074, 1e308}
		for _, y := range sp {
			for _, x := range sp {
				got := []float64{0}
				kernels.Atan2(got, []float64{y}, []float64{x})
				want := math.Atan2(y, x)
				if !sameFloat(got[0], want) || math.Signbit(got[0]) != math.Signbit(want) {
					t.Errorf("Atan2(%v, %v) = %v, want %v", y, x, got[0], want)
				}
			}
		}
		got := []float64{0}
		kernels.Atan2(got, []float64{-8.741375584182316e-282}, []float64{-1.6593766721304374e+159})
		if got[0] != -math.Pi {
			t.Errorf("Atan2(-tiny, -huge) = %v, want -pi", got[0])
		}
	})
}

// elementwiseCases applies every elementwise function of T to x (and y for
// Atan2), returning the outputs in order.
func elementwiseAll[T kernels.Float](dst, x, y []T) []func() {
	return []func(){
		func() { kernels.Sqrt(dst, x) }, func() { kernels.Square(dst, x) },
		func() { kernels.Acos(dst, x) }, func() { kernels.Sin(dst, x) },
		func() { kernels.Cos(dst, x) }, func() { kernels.Exp(dst, x) },
		func() { kernels.Log(dst, x) }, func() { kernels.Atan2(dst, y, x) },
		func() { kernels.Sigmoid(dst, x) },
	}
}

// TestElementwisePaths runs every size, unaligned starts, guards and
// aliasing on each path, against the generic path.
func TestElementwisePaths(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		testElementwisePaths[float32](t, kernels.Path())
		testElementwisePaths[float64](t, kernels.Path())
	})
}

func testElementwisePaths[T kernels.Float](t *testing.T, path string) {
	r := newRand(3)
	for _, n := range sizes() {
		for off := 0; off < 3; off++ {
			x := testutil.NewGuarded[T](n, off, 0)
			y := testutil.NewGuarded[T](n, off, 0)
			for i := range x.S() {
				x.S()[i] = T(4 * (r.Float64() - 0.5))
				y.S()[i] = T(r.Float64() - 0.5)
			}
			if n > 3 {
				x.S()[0], x.S()[1], x.S()[2] = T(math.NaN()), T(math.Inf(1)), 0
			}
			if n > 5 {
				// Beyond the SIMD sin and cos kernels' reduction (2^30),
				// which leave these to the generic code.
				x.S()[4], x.S()[n-1] = 1e10, -3e9
			}
			want := make([]T, n)
			dst := testutil.NewGuarded[T](n, off, 0)
			for k := range elementwiseAll(want, x.S(), y.S()) {
				withPath("generic", elementwiseAll(want, x.S(), y.S())[k])
				elementwiseAll(dst.S(), x.S(), y.S())[k]()
				if err := dst.Check(); err != nil {
					t.Fatalf("fn %d n=%d off=%d: %v", k, n, off, err)
				}
				for i := range want {
					// The same bits on every path (as FuzzElementwise).
					if !closeULP(dst.S()[i], want[i], 0) {
						t.Fatalf("%s fn %d n=%d off=%d [%d]: got %v, generic %v", path, k, n, off, i, dst.S()[i], want[i])
					}
				}
				// In place: dst aliases x.
				xc := append([]T(nil), x.S()...)
				elementwiseAll(xc, xc, y.S())[k]()
				for i := range want {
					if !sameFloat(float64(xc[i]), float64(dst.S()[i])) {
						t.Fatalf("%s fn %d n=%d: aliased result differs at %d", path, k, n, i)
					}
				}
				if err := x.Check(); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// closeULP reports whether a and b are within k representable values of
// each other (NaN matches NaN, infinities must be equal).
func closeULP[T kernels.Float](a, b T, k uint64) bool {
	fa, fb := float64(a), float64(b)
	if sameFloat(fa, fb) {
		return true
	}
	if math.IsNaN(fa) || math.IsNaN(fb) || math.IsInf(fa, 0) || math.IsInf(fb, 0) {
		return false
	}
	var ia, ib int64
	if unit[T]() == 0x1p-24 {
		ia, ib = ord32(float32(fa)), ord32(float32(fb))
	} else {
		ia, ib = ord64(fa), ord64(fb)
	}
	d := ia - ib
	if d < 0 {
		d = -d
	}
	return uint64(d) <= k
}

// ord maps floats to integers that are ordered like the floats and
// adjacent for adjacent floats.
func ord64(x float64) int64 {
	b := int64(math.Float64bits(x))
	if b < 0 {
		b = math.MinInt64 - b
	}
	return b
}

func ord32(x float32) int64 {
	b := int64(int32(math.Float32bits(x)))
	if b < 0 {
		b = math.MinInt32 - b
	}
	return b
}
