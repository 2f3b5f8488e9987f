package kernels

// level1Prims are a SIMD path's level-1 kernels, with the update steps
// (ScaleNeg, AdamW) and ColumnSums, which are built from them.
type level1Prims[T float32 | float64] struct {
	dot   func(x, y []T) T
	axpy  func(alpha T, x, y []T)
	scale func(alpha T, x []T)
	sum   func(x []T) T
	// dot4 and axpy4, if set, are the four-row dot and axpy (otherwise
	// composed from dot and axpy); their callers check the lengths.
	dot4  func(x0, x1, x2, x3, y []T) (r0, r1, r2, r3 T)
	axpy4 func(a0, a1, a2, a3 T, x0, x1, x2, x3, y []T)
	// sumSq accumulates in float64 for both precisions.
	sumSq func(x []T) float64
	// scaleNeg and adamW, if set, are the leaky-ReLU scaling and the
	// AdamW step; adamW does whole vectors only and returns how many
	// elements it left.
	scaleNeg func(dst, src, x []T, s T)
	adamW    func(w, g []T, m, v []float64, b1, c1, b2, c2, decay, sb, eb float64) (rest int)
}

// composeLevel1 sets o's level-1 kernels, ColumnSums and update steps to
// p's.
func composeLevel1[T float32 | float64](o *ops[T], p *prims[T]) {
	o.dot, o.axpy, o.scale, o.sum = p.dot, p.axpy, p.scale, p.sum
	o.dot4, o.axpy4 = dot4Of(p.dot), axpy4Of(p.axpy)
	o.colSums = newColSums(p.axpy)
	if p.dot4 != nil {
		o.dot4, o.axpy4 = p.dot4, p.axpy4
	}
	sumSq := p.sumSq
	o.norm2 = func(x []T) T { return norm2Finish(x, sumSq(x)) }
	if p.scaleNeg != nil {
		o.scaleNeg = p.scaleNeg
	}
	if adamW := p.adamW; adamW != nil {
		o.adamW = func(w, g []T, m, v []float64, c [7]float64) {
			n := len(w) - adamW(w, g, m, v, c[0], c[1], c[2], c[3], c[4], c[5], c[6])
			adamWGeneric(w[n:], g[n:], m[n:], v[n:], c)
		}
	}
}
