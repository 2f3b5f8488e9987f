package kernels

import (
	"math"
	"testing"
)

// TestRelax checks the over-relaxation controller: OverrelaxAuto's factor
// from a geometric warm-up (rate k gives 2/(1+sqrt(1-k))), no factor from
// a warm-up that does not converge, and the guard that returns a factor
// to 1 when the error rises above ten times its smallest.
func TestRelax(t *testing.T) {
	r := newOverrelaxer(OverrelaxAuto)
	for i := 0; i <= overrelaxWarm; i++ {
		if r.w != 1 {
			t.Fatalf("factor %v before the warm-up ended (%d errors)", r.w, i)
		}
		r.observe(math.Pow(0.9, float64(i)))
	}
	if want := 2 / (1 + math.Sqrt(0.1)); math.Abs(r.w-want) > 1e-12 {
		t.Fatalf("auto factor %v, want %v", r.w, want)
	}
	r.observe(1e-3)
	if r.w == 1 {
		t.Fatal("guard fired on a falling error")
	}
	r.observe(0.2) // > 10 x the smallest (0.9^20 = 0.12 ... 1e-3)
	if r.w != 1 {
		t.Fatalf("guard did not fire: factor %v", r.w)
	}
	// The windows: over-relaxed errors falling at the rate Young's theory
	// gives w for a plain rate of 0.97 raise w to 0.97's factor; errors
	// falling at w - 1 (the rate above the optimal factor) leave it.
	r = newOverrelaxer(OverrelaxAuto)
	i := 0
	for ; i <= overrelaxWarm; i++ {
		r.observe(math.Pow(0.9, float64(i)))
	}
	w0, mu := r.w, math.Sqrt(0.97)
	sr := (w0*mu + math.Sqrt(w0*w0*mu*mu-4*(w0-1))) / 2
	e := math.Pow(0.9, overrelaxWarm)
	for ; i <= overrelaxWarm+overrelaxSkip+overrelaxWindow; i++ {
		e *= sr * sr
		if r.observe(e); i < overrelaxWarm+overrelaxSkip+overrelaxWindow && r.w != w0 {
			t.Fatalf("factor %v changed before a window ended (observation %d)", r.w, i)
		}
	}
	want := 2 / (1 + math.Sqrt(0.03))
	if math.Abs(r.w-want) > 1e-9 {
		t.Fatalf("factor %v after a window at plain rate 0.97, want %v", r.w, want)
	}
	for ; i <= overrelaxWarm+3*overrelaxSkip+3*overrelaxWindow; i++ {
		e *= want - 1
		r.observe(e)
	}
	if math.Abs(r.w-want) > 1e-9 {
		t.Fatalf("factor %v after windows at rate w - 1, want %v", r.w, want)
	}
	flat := newOverrelaxer(OverrelaxAuto)
	for i := 0; i <= overrelaxWarm+5; i++ {
		flat.observe(1)
	}
	if flat.w != 1 {
		t.Fatalf("factor %v from errors that do not fall", flat.w)
	}
	if fixed := newOverrelaxer(1.5); fixed.w != 1.5 {
		t.Fatalf("fixed factor %v", fixed.w)
	}
	if plain := newOverrelaxer(0); plain.w != 1 {
		t.Fatalf("Overrelax 0 gives factor %v", plain.w)
	}
	// The update old^(1-w) new^w, with zero scalings kept.
	upd, old := []float64{1, 3, 0, 2}, []float64{4, 0, 5, 2}
	overrelax(impl64(), 1.5, upd, old, make([]float64, 4))
	if want := 4 * math.Pow(0.25, 1.5); math.Abs(upd[0]-want) > 1e-15*want || upd[1] != 3 || upd[2] != 0 || upd[3] != 2 {
		t.Fatalf("overrelax: %v, want [%v 3 0 2]", upd, want)
	}
	same := []float32{1, 2}
	overrelax(impl32(), 1, same, []float32{3, 4}, make([]float32, 2))
	if same[0] != 1 || same[1] != 2 {
		t.Fatalf("overrelax with w = 1 changed %v", same)
	}
}

// TestRows4 checks the four-row dot and axpy of every path against four
// calls of the generic dot and axpy: all lengths to 70 (every tail), rows
// at odd offsets, a y longer than the rows, and guards after y that
// axpy4 must not touch.
func TestRows4(t *testing.T) {
	sinkhornKernelPaths(t, testRows4[float32], testRows4[float64])
}

func testRows4[T float32 | float64](t *testing.T, name string, o *ops[T]) {
	u := 4 * 0x1p-24 // four roundings of float32, or of float64:
	if is64[T]() {
		u = 4 * 0x1p-53
	}
	for n := 0; n <= 70; n++ {
		buf := make([]T, 4*(n+1)+1)
		for i := range buf {
			buf[i] = T(math.Sin(float64(3*i+n)) + 0.5)
		}
		var x [4][]T
		for j := range x {
			x[j] = buf[1+j*(n+1):][:n] // unaligned, distinct rows
		}
		y := make([]T, n+3)
		for i := range y {
			y[i] = T(math.Cos(float64(i)))
		}
		r0, r1, r2, r3 := o.dot4(x[0], x[1], x[2], x[3], y)
		for j, got := range []T{r0, r1, r2, r3} {
			var abs float64
			for i := range n {
				abs += math.Abs(float64(x[j][i]) * float64(y[i]))
			}
			want := dotGeneric(x[j], y[:n])
			if math.Abs(float64(got)-float64(want)) > float64(n+1)*u*abs {
				t.Fatalf("%s %T n=%d: dot4 row %d = %v, dot %v", name, got, n, j, got, want)
			}
		}
		a := [4]T{0.5, -1.25, 2, 0.75}
		got, want := append([]T(nil), y...), append([]T(nil), y...)
		o.axpy4(a[0], a[1], a[2], a[3], x[0], x[1], x[2], x[3], got)
		for j := range x {
			axpyGeneric(a[j], x[j], want[:n])
		}
		for i := range got {
			var abs float64
			if i < n {
				abs = math.Abs(float64(y[i]))
				for j := range x {
					abs += math.Abs(float64(a[j]) * float64(x[j][i]))
				}
			}
			if math.Abs(float64(got[i])-float64(want[i])) > u*abs {
				t.Fatalf("%s %T n=%d: axpy4 y[%d] = %v, four axpy %v", name, got[i], n, i, got[i], want[i])
			}
		}
	}
}

// TestRelaxVecPaths checks each path's over-relaxation (the fused relax
// kernel where the path has one) against overrelax's composition of the
// generic Log and Exp: the same bits, all lengths to 130 (every tail),
// unaligned slices, zero scalings on either side kept, and a guard after
// the output that must not change.
func TestRelaxVecPaths(t *testing.T) {
	sinkhornKernelPaths(t, testOverrelax[float32], testOverrelax[float64])
}

func testOverrelax[T float32 | float64](t *testing.T, name string, o *ops[T]) {
	g := genericOps[T]()
	if g.relax != nil {
		t.Fatal("the generic path has a relax kernel: the test has no reference")
	}
	for _, w := range []float64{1.5, 1.9, 0.7} {
		for n := 0; n <= 130; n++ {
			nw, old := make([]T, n+2), make([]T, n+1)
			for i := range nw {
				nw[i] = T(math.Exp(3 * math.Sin(float64(7*i+n))))
			}
			for i := range old {
				old[i] = T(math.Exp(2 * math.Cos(float64(5*i+n))))
			}
			if n > 3 {
				nw[1+n/3], old[1+n/2] = 0, 0
			}
			guard, want := nw[n+1], append([]T(nil), nw[1:n+1]...)
			overrelax(g, w, want, old[1:], make([]T, n))
			got := nw[1 : n+1]
			overrelax(o, w, got, old[1:], make([]T, n))
			for i := range got {
				if math.Float64bits(float64(got[i])) != math.Float64bits(float64(want[i])) {
					t.Fatalf("%s %T w=%v n=%d: [%d] = %v, generic %v (old %v)", name, got[i], w, n, i, got[i], want[i], old[1+i])
				}
			}
			if n > 3 && got[n/3] != 0 {
				t.Fatalf("%s %T n=%d: a zero scaling changed", name, got[0], n)
			}
			if nw[n+1] != guard {
				t.Fatalf("%s %T n=%d: guard written", name, got[0], n)
			}
		}
	}
}

// TestGibbsPaths checks each path's Gibbs kernel row (the fused gibbs
// kernel where the path has one) against the generic Scale, Exp and
// flush: the same bits, all lengths to 130, in place too, costs whose
// exponentials overflow, are subnormal (flushed) or underflow, NaN, and a
// guard after the output.
func TestGibbsPaths(t *testing.T) {
	sinkhornKernelPaths(t, testGibbs[float32], testGibbs[float64])
}

func testGibbs[T float32 | float64](t *testing.T, name string, o *ops[T]) {
	g := genericOps[T]()
	if g.gibbs != nil {
		t.Fatal("the generic path has a gibbs kernel: the test has no reference")
	}
	lim := 745.0 // e^-x is subnormal from x = 708 to 745 in float64
	if !is64[T]() {
		lim = 104 // and from 87.3 to 103.9 in float32
	}
	special := []float64{0, -1, math.Inf(1), math.NaN(), lim, lim * 0.96, lim * 0.9, lim * 0.8, -lim}
	for _, a := range []float64{-100, -1, 1} {
		for n := 0; n <= 130; n++ {
			x := make([]T, n)
			for i := range x {
				x[i] = T(lim / math.Abs(a) * (0.5 + 0.5*math.Sin(float64(3*i+n))))
				if i%5 == 0 {
					x[i] = T(special[(i/5+n)%len(special)] / math.Abs(a))
				}
			}
			dst := make([]T, n+1)
			guard := T(-7)
			dst[n] = guard
			want := make([]T, n)
			gibbsRow(g, want, x, T(a))
			gibbsRow(o, dst[:n], x, T(a))
			for i := range want {
				got, ref := float64(dst[i]), float64(want[i])
				if math.Float64bits(got) != math.Float64bits(ref) && !(math.IsNaN(got) && math.IsNaN(ref)) {
					t.Fatalf("%s %T a=%v n=%d: [%d] = %v, generic %v (x %v)", name, dst[i], a, n, i, dst[i], want[i], x[i])
				}
				if v := float64(dst[i]); v > 0 && v < minNormalOf[T]() {
					t.Fatalf("%s %T: subnormal %v not flushed", name, dst[i], v)
				}
			}
			if dst[n] != guard {
				t.Fatalf("%s %T n=%d: guard written", name, dst[0], n)
			}
			inPlace := append([]T(nil), x...) // dst aliasing x
			gibbsRow(o, inPlace, inPlace, T(a))
			for i := range want {
				if math.Float64bits(float64(inPlace[i])) != math.Float64bits(float64(dst[i])) && !math.IsNaN(float64(dst[i])) {
					t.Fatalf("%s %T a=%v n=%d: in place [%d] = %v, not %v", name, dst[i], a, n, i, inPlace[i], dst[i])
				}
			}
		}
	}
}

// sinkhornKernelPaths runs the float32 and float64 tests of a Sinkhorn
// kernel on every path this machine supports.
func sinkhornKernelPaths(t *testing.T, f32 func(*testing.T, string, *ops[float32]), f64 func(*testing.T, string, *ops[float64])) {
	for _, p := range supportedPaths() {
		f32(t, p.name, p.f32)
		f64(t, p.name, p.f64)
	}
}
