package kernels_test

import (
	"math"
	"testing"

	"github.com/fisherflow/fisherflow/internal/testutil"
	"github.com/fisherflow/fisherflow/kernels"
)

func TestScaleNeg(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		testScaleNeg[float32](t)
		testScaleNeg[float64](t)
	})
}

func testScaleNeg[T kernels.Float](t *testing.T) {
	r := newRand(21)
	for _, n := range sizes() {
		for off := 0; off < 3; off++ {
			src := testutil.NewGuarded[T](n, off, 0)
			x := testutil.NewGuarded[T](n, off, 0)
			dst := testutil.NewGuarded[T](n, off, 0)
			for i := range x.S() {
				src.S()[i] = T(r.NormFloat64())
				x.S()[i] = T(r.NormFloat64())
			}
			if n > 4 {
				x.S()[0], x.S()[1], x.S()[2], x.S()[3] = T(math.NaN()), T(math.Copysign(0, -1)), T(math.Inf(-1)), 0
				src.S()[4] = T(math.NaN())
			}
			const s = 0.01
			kernels.ScaleNeg(dst.S(), src.S(), x.S(), s)
			for i, v := range x.S() {
				want := src.S()[i]
				if v < 0 {
					want *= s
				}
				if !sameFloat(float64(dst.S()[i]), float64(want)) {
					t.Fatalf("n=%d off=%d [%d]: ScaleNeg(%v, x=%v) = %v, want %v", n, off, i, src.S()[i], v, dst.S()[i], want)
				}
			}
			// dst may alias src (a backward pass in place) or x (a
			// forward pass in place).
			a := append([]T(nil), src.S()...)
			kernels.ScaleNeg(a, a, x.S(), s)
			b := append([]T(nil), x.S()...)
			kernels.ScaleNeg(b, b, b, s)
			for i := range a {
				if !sameFloat(float64(a[i]), float64(dst.S()[i])) {
					t.Fatalf("n=%d: aliased src differs at %d", n, i)
				}
				want := x.S()[i]
				if want < 0 {
					want *= s
				}
				if !sameFloat(float64(b[i]), float64(want)) {
					t.Fatalf("n=%d: in place [%d] = %v, want %v", n, i, b[i], want)
				}
			}
			for _, g := range []*testutil.Guarded[T]{src, x, dst} {
				if err := g.Check(); err != nil {
					t.Fatalf("n=%d off=%d: %v", n, off, err)
				}
			}
		}
	}
}

// TestAdamW checks every path against the generic one (the same bits)
// and the generic one against torch's formula (two divisions) within a
// few rounding errors, over several steps.
func TestAdamW(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		testAdamW[float32](t, kernels.Path())
		testAdamW[float64](t, kernels.Path())
	})
}

func testAdamW[T kernels.Float](t *testing.T, path string) {
	r := newRand(23)
	for _, n := range sizes() {
		for off := 0; off < 3; off++ {
			w := testutil.NewGuarded[T](n, off, 0)
			g := testutil.NewGuarded[T](n, off, 0)
			m := testutil.NewGuarded[float64](n, off, 0)
			v := testutil.NewGuarded[float64](n, off, 0)
			for i := range w.S() {
				w.S()[i] = T(r.NormFloat64())
			}
			if n > 2 {
				w.S()[1] = 0
			}
			wg := append([]T(nil), w.S()...)
			mg, vg := make([]float64, n), make([]float64, n)
			wt := make([]float64, n)
			for i := range wt {
				wt[i] = float64(w.S()[i])
			}
			mt, vt := make([]float64, n), make([]float64, n)
			const lr, wd, b1, b2, eps = 1e-3, 0.01, 0.9, 0.999, 1e-8
			for step := 1; step <= 3; step++ {
				for i := range g.S() {
					g.S()[i] = T(math.Ldexp(r.NormFloat64(), r.IntN(20)-10))
				}
				if n > 2 {
					g.S()[0] = 0
				}
				c := kernels.AdamWCoeffs{Beta1: b1, Beta2: b2, Eps: eps, Decay: 1 - lr*wd,
					Step: lr / (1 - math.Pow(b1, float64(step))), BiasCorr2: math.Sqrt(1 - math.Pow(b2, float64(step)))}
				kernels.AdamW(w.S(), g.S(), m.S(), v.S(), c)
				withPath("generic", func() { kernels.AdamW(wg, g.S(), mg, vg, c) })
				for i := range wt {
					gf := float64(g.S()[i])
					mt[i] = b1*mt[i] + (1-b1)*gf
					vt[i] = b2*vt[i] + (1-b2)*gf*gf
					wt[i] = wt[i]*c.Decay - c.Step*mt[i]/(math.Sqrt(vt[i])/c.BiasCorr2+eps)
				}
				for i := range wg {
					if w.S()[i] != wg[i] || m.S()[i] != mg[i] || v.S()[i] != vg[i] {
						t.Fatalf("%s n=%d off=%d step %d [%d]: w, m, v = %v, %v, %v; generic %v, %v, %v",
							path, n, off, step, i, w.S()[i], m.S()[i], v.S()[i], wg[i], mg[i], vg[i])
					}
					// Against torch's two divisions: the step's size is at
					// most lr/(1-b1^t) and off by a few ulps of it.
					if e := math.Abs(float64(wg[i]) - wt[i]); e > 4*unit[T]()*math.Abs(wt[i])+1e-14 {
						t.Fatalf("n=%d step %d [%d]: w = %v, torch's formula %v", n, step, i, wg[i], wt[i])
					}
					wt[i] = float64(wg[i]) // follow the rounded weights
				}
			}
			for _, gd := range []*testutil.Guarded[T]{w, g} {
				if err := gd.Check(); err != nil {
					t.Fatalf("n=%d off=%d: %v", n, off, err)
				}
			}
			for _, gd := range []*testutil.Guarded[float64]{m, v} {
				if err := gd.Check(); err != nil {
					t.Fatalf("n=%d off=%d: %v", n, off, err)
				}
			}
		}
	}
}
