package kernels

// composeGemm sets o's Gemm and convolutions to the blocked algorithm
// around p's micro-kernel, if p has one.
func composeGemm[T float32 | float64](o *ops[T], p *prims[T]) {
	if p.gemm.fn != nil {
		bg := newBlocked(p.gemm, p.scale)
		o.gemm, o.gemmMK, o.conv = bg.gemm, p.gemm, bg.conv
	}
}
