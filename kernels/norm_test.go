package kernels_test

import (
	"math"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

// TestNormPrimitives runs Moments, AddColumnMoments and ScaleShift on
// every path over sizes 0..70 and larger ones, at offsets 0 and 1 into
// their buffers (unaligned), with guard values after each output:
// Moments within its stated bound of a compensated sum,
// AddColumnMoments exactly as one FMA per element, ScaleShift exactly as
// two FMAs in float64 and within the rounding of its two sums in
// float32.
func TestNormPrimitives(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		testNorm[float32](t)
		testNorm[float64](t)
	})
}

func testNorm[T kernels.Float](t *testing.T) {
	r := newRand(23)
	u := unit[T]()
	const guard = -7.25
	for _, n := range sizes() {
		for _, off := range []int{0, 1} {
			rnd := func(m int, scale, mean float64) []T {
				v := make([]T, off+m+2)
				for i := range v {
					v[i] = T(mean + scale*(r.Float64()*2-1))
				}
				return v[off : off+m]
			}
			// Moments, around a mean far from 0 and a shift near it.
			x := rnd(n, 1, 100)
			shift := 99.5
			s1, s2 := kernels.Moments(x, shift)
			var w1, w2, c1, c2, abs1, abs2 float64
			for _, v := range x {
				d := float64(v) - shift
				w1, c1 = twoSumAcc(w1, c1, d)
				w2, c2 = twoSumAcc(w2, c2, d*d)
				abs1 += math.Abs(d)
				abs2 += d * d
			}
			nu := float64(n) * 0x1p-53
			if math.Abs(s1-(w1+c1)) > 2*nu*abs1+1e-300 || math.Abs(s2-(w2+c2)) > 3*nu*abs2+1e-300 {
				t.Fatalf("Moments n=%d off=%d: (%v, %v), want (%v, %v)", n, off, s1, s2, w1+c1, w2+c2)
			}

			// AddColumnMoments: one FMA per element after the subtraction.
			a, b := rnd(n, 1, 0), rnd(n, 2, 1)
			sumBuf, dotBuf := make([]float64, off+n+1), make([]float64, off+n+1)
			for i := range sumBuf {
				sumBuf[i], dotBuf[i] = r.Float64(), r.Float64()
			}
			sumBuf[off+n], dotBuf[off+n] = guard, guard
			sum, dot := sumBuf[off:off+n], dotBuf[off:off+n]
			want1, want2 := append([]float64(nil), sum...), append([]float64(nil), dot...)
			kernels.AddColumnMoments(sum, dot, a, b, 0.75)
			for i := range a {
				w1 := want1[i] + float64(a[i])
				w2 := math.FMA(float64(a[i]), float64(b[i])-0.75, want2[i])
				if sum[i] != w1 || dot[i] != w2 {
					t.Fatalf("AddColumnMoments n=%d off=%d [%d]: (%v, %v), want (%v, %v)", n, off, i, sum[i], dot[i], w1, w2)
				}
			}
			if sumBuf[off+n] != guard || dotBuf[off+n] != guard {
				t.Fatalf("AddColumnMoments n=%d off=%d wrote past the slices", n, off)
			}

			// ScaleShift, into a buffer with a guard, and in place.
			s := rnd(n, 2, 0)
			tt, cc := T(0.3), T(-1.7)
			dstBuf := make([]T, off+n+1)
			dstBuf[off+n] = guard
			dst := dstBuf[off : off+n]
			for pass := 0; pass < 2; pass++ {
				aa := a
				if pass == 1 { // dst is a
					copy(dst, a)
					aa = dst
				}
				want := make([]float64, n)
				inner := make([]float64, n)
				for i := range want {
					inner[i] = math.FMA(float64(b[i]), float64(tt), float64(cc))
					want[i] = math.FMA(float64(a[i]), float64(s[i]), inner[i])
				}
				kernels.ScaleShift(dst, aa, s, b, tt, cc)
				for i, v := range dst {
					// float32: each sum rounded once (the generic path's
					// double rounding adds at most 2^-53 of the inner sum).
					bound := 1.01 * u * (math.Abs(inner[i]) + math.Abs(want[i]))
					if u == 0x1p-53 {
						// float64: exactly the two FMAs.
						bound = 0
					}
					if d := math.Abs(float64(v) - want[i]); d > bound || v != v {
						t.Fatalf("ScaleShift n=%d off=%d pass %d [%d] = %v, want %v (bound %g)", n, off, pass, i, v, want[i], bound)
					}
				}
				if dstBuf[off+n] != guard {
					t.Fatalf("ScaleShift n=%d off=%d wrote past dst", n, off)
				}
			}
		}
	}
}

// twoSumAcc adds d to the compensated sum (s, c).
func twoSumAcc(s, c, d float64) (float64, float64) {
	t := s + d
	bb := t - s
	c += (s - (t - bb)) + (d - bb)
	return t, c
}

// TestNormPanics checks the length checks.
func TestNormPanics(t *testing.T) {
	x := make([]float32, 4)
	f := make([]float64, 4)
	for name, fn := range map[string]func(){
		"AddColumnMoments": func() { kernels.AddColumnMoments(f, f[:3], x, x, 0) },
		"ScaleShift":       func() { kernels.ScaleShift(x, x, x[:3], x, 1, 0) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			fn()
		}()
	}
}
