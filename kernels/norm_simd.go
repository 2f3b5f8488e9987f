package kernels

// normPrims are a SIMD path's normalisation kernels (Moments,
// AddColumnMoments, ScaleShift), if it has them: each runs over whole
// vectors and returns how many elements are left for the generic loop.
type normPrims[T float32 | float64] struct {
	moments    func(x []T, shift float64) (s1, s2 float64, rest int)
	colMoments func(sum, dot []float64, a, b []T, shift float64) (rest int)
	scaleShift func(dst, a, s, b []T, t, c T) (rest int)
}

// composeNorm sets o's normalisation kernels to p's, each finished by the
// generic loop.
func composeNorm[T float32 | float64](o *ops[T], p *prims[T]) {
	if moments := p.moments; moments != nil {
		o.moments = func(x []T, shift float64) (float64, float64) {
			s1, s2, rest := moments(x, shift)
			t1, t2 := momentsGeneric(x[len(x)-rest:], shift)
			return s1 + t1, s2 + t2
		}
	}
	if colMoments := p.colMoments; colMoments != nil {
		o.colMoments = func(sum, dot []float64, a, b []T, shift float64) {
			n := len(a) - colMoments(sum, dot, a, b, shift)
			colMomentsGeneric(sum[n:], dot[n:], a[n:], b[n:], shift)
		}
	}
	if scaleShift := p.scaleShift; scaleShift != nil {
		o.scaleShift = func(dst, a, s, b []T, t, c T) {
			n := len(dst) - scaleShift(dst, a, s, b, t, c)
			scaleShiftGeneric(dst[n:], a[n:], s[n:], b[n:], t, c)
		}
	}
}
