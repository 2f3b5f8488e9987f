package kernels_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/fisherflow/fisherflow/internal/testutil"
	"github.com/fisherflow/fisherflow/kernels"
)

// longTests reports whether the exhaustive tests run in full
// (FISHERFLOW_LONG=1, as make test-long sets); otherwise they sample.
func longTests() bool { return os.Getenv("FISHERFLOW_LONG") != "" }

// vecMathFn is a function every path computes with the shared vector
// math (elementwise_exp.go, elementwise_trig.go and the generated assembly).
type vecMathFn struct {
	name string
	f32  func(dst, x []float32)
	f64  func(dst, x []float64)
	ref  func(x float64) float64 // float64 reference for the float32 test
	big  func(x float64) *big.Float
	// ulp is the bound in ULP, both precisions, when it is not 2.
	ulp float64
	// roughRef: ref may err by a float64 ULP or more, so the float64
	// test checks every value exactly rather than accept ref's bits.
	roughRef bool
}

// vecMathFns are the functions.
var vecMathFns = []vecMathFn{
	{"Exp", kernels.Exp[float32], kernels.Exp[float64], math.Exp,
		func(x float64) *big.Float { return testutil.Exp(testutil.Big(x)) }, 0, false},
	{"Sigmoid", kernels.Sigmoid[float32], kernels.Sigmoid[float64],
		func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, bigSigmoid, 3, true},
	{"Log", kernels.Log[float32], kernels.Log[float64], math.Log,
		func(x float64) *big.Float { return testutil.Log(testutil.Big(x)) }, 0, false},
	// math.Acos errs by up to 22 float64 ULP near 1: nothing at float32
	// precision.
	{"Acos", kernels.Acos[float32], kernels.Acos[float64], math.Acos, testutil.Acos, 0, false},
	{"Sin", kernels.Sin[float32], kernels.Sin[float64], math.Sin,
		func(x float64) *big.Float { s, _ := testutil.SinCos(x); return s }, 0, false},
	{"Cos", kernels.Cos[float32], kernels.Cos[float64], math.Cos,
		func(x float64) *big.Float { _, c := testutil.SinCos(x); return c }, 0, false},
}

// bound is the function's bound in ULP.
func (f vecMathFn) bound() float64 {
	if f.ulp != 0 {
		return f.ulp
	}
	return 2
}

// bigSigmoid is 1/(1 + e^-x) in big.Float.
func bigSigmoid(x float64) *big.Float {
	e := testutil.Exp(testutil.Big(-x))
	d := new(big.Float).SetPrec(e.Prec()).Add(e, testutil.Big(1))
	return new(big.Float).SetPrec(e.Prec()).Quo(testutil.Big(1), d)
}

// TestVecMathSameBits checks that every path returns the generic path's
// bits: random bit patterns (every exponent, subnormals, both signs),
// the ranges where results are normal, and the special values.
func TestVecMathSameBits(t *testing.T) {
	r := newRand(7)
	n := 1 << 16
	x64 := make([]float64, 0, n+16)
	x32 := make([]float32, 0, n+16)
	for i := 0; i < n; i++ {
		switch i % 5 {
		case 4:
			x64 = append(x64, 2*r.Float64()-1)
			x32 = append(x32, float32(2*r.Float64()-1))
		case 0:
			x64 = append(x64, math.Float64frombits(r.Uint64()))
			x32 = append(x32, math.Float32frombits(r.Uint32()))
		case 1:
			x64 = append(x64, -750+1460*r.Float64())
			x32 = append(x32, float32(-110+200*r.Float64()))
		case 2:
			x64 = append(x64, math.Ldexp(r.Float64(), -r.IntN(1100)))
			x32 = append(x32, float32(math.Ldexp(r.Float64(), -r.IntN(160))))
		default:
			x64 = append(x64, 1+(r.Float64()-0.5)*math.Ldexp(1, -r.IntN(50)))
			x32 = append(x32, float32(1+(r.Float64()-0.5)*math.Ldexp(1, -r.IntN(30))))
		}
	}
	for _, v := range []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), math.NaN(),
		0x1p-1074, 0x1p-1022, math.MaxFloat64, 709.78, 709.79, -745.13, -745.14, math.Sqrt2, 1 / math.Sqrt2} {
		x64 = append(x64, v)
		x32 = append(x32, float32(v))
	}
	for _, f := range vecMathFns {
		want64, want32 := make([]float64, len(x64)), make([]float32, len(x32))
		withPath("generic", func() { f.f64(want64, x64); f.f32(want32, x32) })
		forEachPath(t, func(t *testing.T) {
			got64, got32 := make([]float64, len(x64)), make([]float32, len(x32))
			f.f64(got64, x64)
			f.f32(got32, x32)
			for i := range x64 {
				if math.Float64bits(got64[i]) != math.Float64bits(want64[i]) && !(got64[i] != got64[i] && want64[i] != want64[i]) {
					t.Fatalf("%s(%v) = %v, generic %v", f.name, x64[i], got64[i], want64[i])
				}
				if math.Float32bits(got32[i]) != math.Float32bits(want32[i]) && !(got32[i] != got32[i] && want32[i] != want32[i]) {
					t.Fatalf("float32 %s(%v) = %v, generic %v", f.name, x32[i], got32[i], want32[i])
				}
			}
		})
	}
}

// TestVecMathFloat32All checks every float32 input (every 61st one
// unless FISHERFLOW_LONG is set) of the active path against the float64
// math package, whose error is negligible at float32 precision: the
// bound is 2 ULP (3 for Sigmoid), and the worst error seen is logged.
func TestVecMathFloat32All(t *testing.T) {
	stride := uint64(61)
	if testing.Short() {
		stride = 1021
	}
	if longTests() {
		stride = 1
	}
	for _, f := range vecMathFns {
		workers := runtime.GOMAXPROCS(0)
		worst := make([]float64, workers)
		worstX := make([]float32, workers)
		var wg sync.WaitGroup
		const chunk = 1 << 12
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				x := make([]float32, chunk)
				y := make([]float32, chunk)
				for start := uint64(w) * chunk * stride; start < 1<<32; start += uint64(workers) * chunk * stride {
					m := 0
					for b := start; m < chunk && b < 1<<32; b += stride {
						x[m] = math.Float32frombits(uint32(b))
						m++
					}
					f.f32(y[:m], x[:m])
					for i := 0; i < m; i++ {
						e := ulp32Err(y[i], f.ref(float64(x[i])))
						if e > worst[w] {
							worst[w], worstX[w] = e, x[i]
						}
					}
				}
			}(w)
		}
		wg.Wait()
		max, at := 0.0, float32(0)
		for w := range worst {
			if worst[w] > max {
				max, at = worst[w], worstX[w]
			}
		}
		t.Logf("float32 %s on %s, every %d-th input: worst %.3f ULP at %v", f.name, kernels.Path(), stride, max, at)
		if bound := f.bound(); max > bound {
			t.Errorf("float32 %s(%v): %.3f ULP > %g", f.name, at, max, bound)
		}
	}
}

// ulp32Err returns the error of got against the float64 ref in float32
// ULP (of the binade of ref; subnormal spacing below 2^-126); special
// values must match exactly or give +Inf.
func ulp32Err(got float32, ref float64) float64 {
	g := float64(got)
	if math.IsNaN(ref) || math.IsInf(ref, 0) || math.Abs(ref) > math.MaxFloat32 {
		r32 := float32(ref)
		if g == float64(r32) || g != g && ref != ref {
			return 0
		}
		if math.IsInf(g, 0) && math.Abs(ref) > math.MaxFloat32 {
			return 0 // overflow, as float32(ref) rounds
		}
		return math.Inf(1)
	}
	if g != g || math.IsInf(g, 0) {
		return math.Inf(1)
	}
	_, e := math.Frexp(ref)
	u := math.Ldexp(1, max(e-24, -149))
	return math.Abs(g-ref) / u
}

// TestVecMathFloat64 checks 10^7 random float64 inputs (10^5 unless
// FISHERFLOW_LONG is set) on the active path: where the result has the
// bits of the math package's (whose error is below 1 ULP) it is as good;
// where it differs, it is checked against the exact value (2 ULP, 3 for
// Sigmoid).
func TestVecMathFloat64(t *testing.T) {
	n := 100_000
	if longTests() {
		n = 10_000_000
	}
	r := newRand(11)
	gens := map[string]func() float64{
		// math.Exp on amd64 overflows from 709.5 on; the accuracy test
		// covers the top of the range against exact values.
		"Exp": func() float64 {
			if r.IntN(4) == 0 {
				return math.Ldexp(r.Float64()-0.5, -r.IntN(60))
			}
			return -745.2 + r.Float64()*(709.4+745.2)
		},
		"Acos": func() float64 {
			switch r.IntN(3) {
			case 0:
				return 2*r.Float64() - 1
			case 1:
				return math.Copysign(1-math.Ldexp(r.Float64(), -r.IntN(60)), r.Float64()-0.5)
			}
			return math.Copysign(math.Ldexp(r.Float64(), -r.IntN(1074)), r.Float64()-0.5)
		},
		// Sigmoid is 1 in float64 from x = 37 on and underflows below
		// -745.
		"Sigmoid": func() float64 {
			if r.IntN(4) == 0 {
				return math.Ldexp(r.Float64()-0.5, -r.IntN(60))
			}
			return -746 + r.Float64()*(40+746)
		},
		"Sin": trigArg(r),
		"Cos": trigArg(r),
		"Log": func() float64 {
			if r.IntN(4) == 0 {
				return 1 + math.Ldexp(r.Float64()-0.5, -r.IntN(60))
			}
			return math.Abs(randBits(r))
		},
	}
	for _, f := range vecMathFns {
		x := make([]float64, 1<<14)
		y := make([]float64, len(x))
		same, checked, worst := 0, 0, 0.0
		for done := 0; done < n; done += len(x) {
			for i := range x {
				x[i] = gens[f.name]()
			}
			f.f64(y, x)
			for i, v := range x {
				subnormal := v != 0 && math.Abs(v) < 0x1p-1022 // math.Log is wrong there
				if !subnormal && !f.roughRef && y[i] == f.ref(v) {
					same++
					continue
				}
				checked++
				e := testutil.ULP64(y[i], f.big(v))
				worst = max(worst, e)
				if e > f.bound() {
					t.Fatalf("%s(%v) = %v: %.3f ULP > %g", f.name, v, y[i], e, f.bound())
				}
			}
		}
		t.Logf("float64 %s on %s, %d inputs: %d as math's, %d checked exactly, worst of those %.3f ULP",
			f.name, kernels.Path(), n, same, checked, worst)
	}
}

// Atan2 has two arguments: its tests are its own. Every path returns the
// generic path's bits on random pairs of every magnitude and the special
// values.
func TestAtan2SameBits(t *testing.T) {
	r := newRand(17)
	sp := []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), math.NaN(), 0x1p-1074, 0x1p-1022, math.MaxFloat64}
	var y64, x64 []float64
	var y32, x32 []float32
	for i := 0; i < 1<<15; i++ {
		y, x := atan2Pair(r)
		if i < len(sp)*len(sp) {
			y, x = sp[i/len(sp)], sp[i%len(sp)]
		}
		y64, x64 = append(y64, y), append(x64, x)
		y32, x32 = append(y32, float32(y)), append(x32, float32(x))
	}
	want64, want32 := make([]float64, len(x64)), make([]float32, len(x32))
	withPath("generic", func() { kernels.Atan2(want64, y64, x64); kernels.Atan2(want32, y32, x32) })
	forEachPath(t, func(t *testing.T) {
		got64, got32 := make([]float64, len(x64)), make([]float32, len(x32))
		kernels.Atan2(got64, y64, x64)
		kernels.Atan2(got32, y32, x32)
		for i := range x64 {
			if math.Float64bits(got64[i]) != math.Float64bits(want64[i]) {
				t.Fatalf("Atan2(%v, %v) = %v, generic %v", y64[i], x64[i], got64[i], want64[i])
			}
			if math.Float32bits(got32[i]) != math.Float32bits(want32[i]) {
				t.Fatalf("float32 Atan2(%v, %v) = %v, generic %v", y32[i], x32[i], got32[i], want32[i])
			}
		}
	})
}

// atan2Pair draws y, x: random bit patterns, ratios near 1 and far from
// it, and both signs.
func atan2Pair(r *rand.Rand) (y, x float64) {
	switch r.IntN(3) {
	case 0:
		return randBits(r), randBits(r)
	case 1:
		x = (r.Float64() - 0.5) * math.Ldexp(1, r.IntN(40)-20)
		return x * (1 + (r.Float64()-0.5)*math.Ldexp(1, -r.IntN(50))), x
	}
	return (r.Float64() - 0.5) * math.Ldexp(1, r.IntN(200)-100), (r.Float64() - 0.5) * math.Ldexp(1, r.IntN(200)-100)
}

// TestAtan2Accuracy checks 20,000 random pairs (10^6 with
// FISHERFLOW_LONG; the 256-bit reference is slow) against the exact value: float64 within 2 ULP, and
// the float32 function, on the same pairs rounded to float32, within 2
// float32 ULP. For float32 it also runs every y of every 61st bit
// pattern (every one with FISHERFLOW_LONG) against x = 1, -1 and 0.75.
func TestAtan2Accuracy(t *testing.T) {
	n := 20_000 // the exact reference costs about 0.2 ms a pair
	if testing.Short() {
		n = 4096
	}
	if longTests() {
		n = 1_000_000 // about 200 s
	}
	r := newRand(19)
	const chunk = 1 << 12
	y, x, d := make([]float64, chunk), make([]float64, chunk), make([]float64, chunk)
	y32, x32, d32 := make([]float32, chunk), make([]float32, chunk), make([]float32, chunk)
	worst, worst32 := 0.0, 0.0
	for done := 0; done < n; done += chunk {
		for i := range x {
			y[i], x[i] = atan2Pair(r)
			y32[i], x32[i] = float32(y[i]), float32(x[i])
		}
		kernels.Atan2(d, y, x)
		kernels.Atan2(d32, y32, x32)
		for i := range x {
			if math.IsNaN(y[i]) || math.IsNaN(x[i]) || math.IsInf(y[i], 0) || math.IsInf(x[i], 0) || y[i] == 0 && x[i] == 0 {
				continue // the special values are TestElementwiseSpecialValues'
			}
			e := testutil.ULP64(d[i], testutil.Atan2(testutil.Big(y[i]), testutil.Big(x[i])))
			worst = max(worst, e)
			if e > 2 {
				t.Fatalf("Atan2(%v, %v) = %v: %.3f ULP > 2", y[i], x[i], d[i], e)
			}
			if y32[i] == 0 || x32[i] == 0 || math.IsInf(float64(y32[i]), 0) || math.IsInf(float64(x32[i]), 0) {
				continue
			}
			e = testutil.ULP32(d32[i], testutil.Atan2(testutil.Big(float64(y32[i])), testutil.Big(float64(x32[i]))))
			worst32 = max(worst32, e)
			if e > 2 {
				t.Fatalf("float32 Atan2(%v, %v) = %v: %.3f ULP > 2", y32[i], x32[i], d32[i], e)
			}
		}
	}
	t.Logf("Atan2 on %s, %d random pairs: worst %.3f ULP (float64), %.3f ULP (float32)", kernels.Path(), n, worst, worst32)

	stride := uint64(61)
	if testing.Short() {
		stride = 1021
	}
	if longTests() {
		stride = 1
	}
	for _, xv := range []float32{1, -1, 0.75} {
		worst := 0.0
		for start := uint64(0); start < 1<<32; start += chunk * stride {
			m := 0
			for b := start; m < chunk && b < 1<<32; b += stride {
				y32[m], x32[m] = math.Float32frombits(uint32(b)), xv
				m++
			}
			kernels.Atan2(d32[:m], y32[:m], x32[:m])
			for i := 0; i < m; i++ {
				e := ulp32Err(d32[i], math.Atan2(float64(y32[i]), float64(xv)))
				if e > worst {
					worst = e
				}
				if e > 2 {
					t.Fatalf("float32 Atan2(%v, %v) = %v: %.3f ULP > 2", y32[i], xv, d32[i], e)
				}
			}
		}
		t.Logf("float32 Atan2(y, %v) on %s, every %d-th y: worst %.3f ULP", xv, kernels.Path(), stride, worst)
	}
}

// trigArg draws arguments for Sin and Cos: small ones, every magnitude up
// to 2^31 (beyond the SIMD kernels' 2^30), and the nearest doubles to
// multiples of pi/2, where the reduced argument is smallest.
func trigArg(r *rand.Rand) func() float64 {
	return func() float64 {
		switch r.IntN(4) {
		case 0:
			return (r.Float64() - 0.5) * 20
		case 1:
			return math.Copysign(math.Ldexp(r.Float64(), r.IntN(1100)-1069), r.Float64()-0.5)
		case 2:
			k := float64(r.IntN(1 << 20))
			return math.Nextafter(k*math.Pi/2, math.Inf(r.IntN(2)*2-1))
		}
		return (r.Float64() - 0.5) * 0x1p32
	}
}

// TestVecMathNoAllocs checks that no path allocates, tails included (the
// NEON kernels run the last partial block on a padded copy on the stack).
func TestVecMathNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("-race instrumentation allocates")
	}
	forEachPath(t, func(t *testing.T) {
		for _, n := range []int{1, 13, 64} {
			x32, d32 := make([]float32, n), make([]float32, n)
			x64, d64 := make([]float64, n), make([]float64, n)
			a := testing.AllocsPerRun(10, func() {
				for _, f := range vecMathFns {
					f.f32(d32, x32)
					f.f64(d64, x64)
				}
				kernels.Atan2(d32, x32, x32)
				kernels.Atan2(d64, x64, x64)
			})
			if a != 0 {
				t.Errorf("n=%d: %v allocations per run", n, a)
			}
		}
	})
}
