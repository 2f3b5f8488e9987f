package kernels_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fisherflow/fisherflow/internal/shortrows"
	"github.com/fisherflow/fisherflow/internal/testutil"
	"github.com/fisherflow/fisherflow/kernels"
)

// The short-row kernels (rows of d = 2..8 across rows, on the SIMD paths)
// against the generic path: every d, every row count up to two blocks of
// 16 rows and a few more (so every tail length of every path's block),
// unaligned slices with guards, the special rows (zero rows, corners,
// identical rows, NaN), the rows that make a kernel stop and hand its
// block to the generic code (huge t or |v|, float64 rows that need
// rescaling), and dst aliasing an input. The bounds against exact
// references are TestSphereDist's, TestSlerp's, ... (which sweep d = 2..8
// too); here each path must agree with the generic one within the sum of
// the two paths' bounds.

// shortInputs are the inputs of one short-row case.
type shortInputs[T kernels.Float] struct {
	p, x, y, t, v []T
}

// shortCase returns the inputs for n rows of d, each slice starting one
// element into its array (unaligned), with special rows mixed in when
// special is set.
func shortCase[T kernels.Float](r *rand.Rand, n, d int, special bool) shortInputs[T] {
	off := func(s []T) []T { return append(make([]T, 1, len(s)+1), s...)[1:] }
	x, y := spherePairs[T](r, n, d)
	p := randSimplexRows[T](r, n, d)
	t := make([]T, n)
	v := make([]T, n*d)
	for i := range t {
		t[i] = T(r.Float64()*1.4 - 0.2)
	}
	for i := range v {
		v[i] = T(r.NormFloat64())
	}
	if special {
		for i := 0; i < n; i++ {
			row := func(s []T) []T { return s[i*d : (i+1)*d] }
			switch i % 11 {
			case 1: // zero rows
				clear(row(p))
				clear(row(v))
			case 2: // corners
				clear(row(p))
				row(p)[i%d] = 1
				clear(row(x))
				row(x)[i%d] = 1
				clear(row(y))
				row(y)[(i+1)%d] = 1
			case 5: // a sine argument beyond vm's reduction: Slerp and ExpMap stop
				t[i] = 1e12
				row(v)[0] = 1e12
			case 7: // NaN and Inf
				row(p)[0] = T(math.NaN())
				row(v)[d-1] = T(math.Inf(1))
			case 9: // tiny and huge rows: float64 ToSimplex rescales them
				for j := range row(p) {
					row(p)[j] *= T(math.Ldexp(1, 600*(1-2*(i%2))))
				}
			}
		}
	}
	return shortInputs[T]{p: off(p), x: off(x), y: off(y), t: off(t), v: off(v)}
}

// shortKernel is one kernel under test with its tolerance against the
// generic path for rows of d, given the output element, the generic one,
// and the row's |v| (ExpMap, ProjectTangent).
type shortKernel[T kernels.Float] struct {
	name    string
	perRow  bool // one output per row (SphereDist)
	run     func(dst []T, in shortInputs[T], d int)
	inPlace func(in shortInputs[T], d int) []T // the kernel with dst aliasing an input, nil if none
	tol     func(want, vn float64, d int) float64
}

func shortKernels[T kernels.Float]() []shortKernel[T] {
	u := unit[T]()
	copyOf := func(s []T) []T { return append([]T(nil), s...) }
	return []shortKernel[T]{
		{name: "ToSphere", run: func(dst []T, in shortInputs[T], d int) { kernels.ToSphere(dst, in.p, d) },
			inPlace: func(in shortInputs[T], d int) []T { c := copyOf(in.p); kernels.ToSphere(c, c, d); return c },
			tol:     func(w, _ float64, d int) float64 { return 2 * (float64(d)/2 + 2) * u * math.Abs(w) }},
		{name: "ToSimplex", run: func(dst []T, in shortInputs[T], d int) { kernels.ToSimplex(dst, in.p, d) },
			inPlace: func(in shortInputs[T], d int) []T { c := copyOf(in.p); kernels.ToSimplex(c, c, d); return c },
			tol:     func(w, _ float64, d int) float64 { return 2 * (float64(d) + 2) * u * math.Abs(w) }},
		{name: "SphereDist", perRow: true, run: func(dst []T, in shortInputs[T], d int) { kernels.SphereDist(dst, in.x, in.y, d) },
			tol: func(w, _ float64, d int) float64 { return 2 * (float64(d) + 8) * u * math.Abs(w) }},
		{name: "Slerp", run: func(dst []T, in shortInputs[T], d int) { kernels.Slerp(dst, in.x, in.y, in.t, d) },
			inPlace: func(in shortInputs[T], d int) []T {
				c := copyOf(in.x)
				kernels.Slerp(c, c, in.y, in.t, d)
				return c
			},
			// t outside [0, 1] extrapolates: the bound grows with |t|.
			tol: func(_, _ float64, d int) float64 { return 2 * (float64(d) + 10) * u * 2 }},
		{name: "LogMap", run: func(dst []T, in shortInputs[T], d int) { kernels.LogMap(dst, in.x, in.y, d) },
			inPlace: func(in shortInputs[T], d int) []T { c := copyOf(in.y); kernels.LogMap(c, in.x, c, d); return c },
			tol:     func(_, _ float64, d int) float64 { return 2 * (float64(d) + 10) * u }},
		{name: "ExpMap", run: func(dst []T, in shortInputs[T], d int) { kernels.ExpMap(dst, in.x, in.v, d) },
			inPlace: func(in shortInputs[T], d int) []T { c := copyOf(in.v); kernels.ExpMap(c, in.x, c, d); return c },
			tol:     func(_, vn float64, d int) float64 { return 2 * (float64(d) + 6) * u * math.Max(1, vn) }},
		{name: "ProjectTangent", run: func(dst []T, in shortInputs[T], d int) { kernels.ProjectTangent(dst, in.x, in.v, d) },
			inPlace: func(in shortInputs[T], d int) []T { c := copyOf(in.v); kernels.ProjectTangent(c, in.x, c, d); return c },
			tol:     func(_, vn float64, d int) float64 { return 2 * (float64(d) + 3) * u * vn }},
	}
}

func TestShortRows(t *testing.T) {
	testShortRows[float32](t)
	testShortRows[float64](t)
}

func testShortRows[T kernels.Float](t *testing.T) {
	r := newRand(32)
	maxRows := 35
	if testing.Short() {
		maxRows = 19
	}
	for d := 2; d <= 8; d++ {
		for n := 0; n <= maxRows; n++ {
			in := shortCase[T](r, n, d, n%2 == 1)
			for _, k := range shortKernels[T]() {
				size := n * d
				if k.perRow {
					size = n
				}
				var want []T
				withPath("generic", func() {
					want = make([]T, size)
					k.run(want, in, d)
				})
				for _, path := range kernels.Paths() {
					withPath(path, func() {
						got := testutil.NewGuarded[T](size, 1, 0)
						k.run(got.S(), in, d)
						if err := got.Check(); err != nil {
							t.Fatalf("%s %s d=%d n=%d: %v", path, k.name, d, n, err)
						}
						name := fmt.Sprintf("%s %s %s d=%d n=%d", path, precName[T](), k.name, d, n)
						checkShort(t, name, k, got.S(), want, in.v, d)
						if k.inPlace != nil {
							checkShort(t, name+" in place", k, k.inPlace(in, d), want, in.v, d)
						}
					})
				}
			}
		}
	}
}

// checkShort compares got with the generic want element by element: NaN
// where want is NaN, otherwise within k's tolerance (which a NaN or Inf
// in got fails).
func checkShort[T kernels.Float](t *testing.T, name string, k shortKernel[T], got, want, v []T, d int) {
	t.Helper()
	tiny := 0x1p-1074
	if unit[T]() > 1e-10 {
		tiny = 0x1p-149
	}
	for i := range want {
		row := i / d
		if k.perRow {
			row = i
		}
		var vn float64
		if !k.perRow {
			// |v| scaled by its largest element, so that tiny rows
			// do not underflow to a zero tolerance.
			var m float64
			for _, f := range v[row*d : (row+1)*d] {
				m = max(m, math.Abs(float64(f)))
			}
			if m > 0 && !math.IsInf(m, 0) {
				for _, f := range v[row*d : (row+1)*d] {
					vn += (float64(f) / m) * (float64(f) / m)
				}
			}
			vn = m * math.Sqrt(vn)
		}
		w, g := float64(want[i]), float64(got[i])
		if w != w {
			if g == g {
				t.Fatalf("%s [%d]: %v, generic NaN", name, i, g)
			}
			continue
		}
		// Two units of T's smallest subnormal on top: results in the
		// subnormal range are rounded to it on every path, which no
		// relative bound covers.
		if !(math.Abs(g-w) <= k.tol(w, vn, d)+2*tiny) && g != w {
			t.Fatalf("%s [%d] (row %d): %v, generic %v", name, i, row, g, w)
		}
	}
}

// TestShortRowsOff checks the switch that benchmarks use to measure a
// path without its short-row kernels: off, rows of d <= 8 give the
// generic results exactly.
func TestShortRowsOff(t *testing.T) {
	in := shortCase[float64](newRand(33), 21, 4, true)
	want := make([]float64, 21*4)
	withPath("generic", func() { kernels.Slerp(want, in.x, in.y, in.t, 4) })
	shortrows.Off.Store(true)
	defer shortrows.Off.Store(false)
	got := make([]float64, len(want))
	kernels.Slerp(got, in.x, in.y, in.t, 4)
	for i := range got {
		if !sameFloat(got[i], want[i]) {
			t.Fatalf("short rows off: [%d] %v, generic %v", i, got[i], want[i])
		}
	}
}

func FuzzShortRows(f *testing.F) {
	f.Add(uint8(4), bytesOf(0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.25, 0.25, 1, 0, 0, 0, 0.7, 0.1, 0.1, 0.1))
	f.Add(uint8(3), bytesOf(1, 0, 0, 0.2, 0.3, 0.5, 1e-300, 1, 2, 0, 0, 0, 1e300, 3, 1e12, -1))
	f.Fuzz(func(t *testing.T, db uint8, data []byte) {
		d := int(db%7) + 2
		fuzzShort(t, d, floatsFrom(data))
		fuzzShort(t, d, float32sFrom(data))
	})
}

// fuzzShort runs every short-row kernel on rows taken from raw (p as
// it is, v clipped to [-10, 10], x and y through ToSphere, t folded into
// [-0.25, 1.25]) and compares every path with the generic one.
func fuzzShort[T kernels.Float](t *testing.T, d int, raw []T) {
	n := len(raw) / d
	if n == 0 {
		return
	}
	in := shortInputs[T]{p: raw[:n*d], v: make([]T, n*d), t: make([]T, n)}
	abs := make([]T, n*d)
	for i, f := range raw[:n*d] {
		abs[i] = T(math.Abs(float64(f)))
		in.v[i] = T(math.Max(-10, math.Min(10, float64(f)))) // NaN stays NaN
	}
	withPath("generic", func() {
		in.x = make([]T, n*d)
		kernels.ToSphere(in.x, abs, d)
	})
	in.y = append(in.x[d:], in.x[:d]...)
	for i := range in.t {
		in.t[i] = T(math.Mod(math.Abs(float64(raw[(i*d+1)%len(raw)])), 1.5) - 0.25)
	}
	for _, k := range shortKernels[T]() {
		size := n * d
		if k.perRow {
			size = n
		}
		want := make([]T, size)
		withPath("generic", func() { k.run(want, in, d) })
		for _, path := range kernels.Paths() {
			withPath(path, func() {
				got := make([]T, size)
				k.run(got, in, d)
				name := fmt.Sprintf("%s %s %s d=%d n=%d", path, precName[T](), k.name, d, n)
				checkShort(t, name, k, got, want, in.v, d)
			})
		}
	}
}

// TestShortRowsAllocs checks that the short-row kernels allocate nothing
// once warm, tails (padded copies from a pool) included: the trainers
// call them every step.
func TestShortRowsAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	in := shortCase[float64](newRand(34), 37, 4, false)
	dst := make([]float64, 37*4)
	forEachPath(t, func(t *testing.T) {
		run := func() {
			kernels.Slerp(dst, in.x, in.y, in.t, 4)
			kernels.ToSphere(dst, in.p, 4)
			kernels.SphereDist(dst[:37], in.x, in.y, 4)
		}
		if a := testing.AllocsPerRun(10, run); a > 0 {
			t.Errorf("%v allocations a call", a)
		}
	})
}
