package kernels

// composeGemm sets o's Gemm and convolutions to the blocked algorithm
// around p's micro-kernel, if p has one.
func composeGemm[T float32 | float64](o *ops[T], p *prims[T]) {
	if p.gemm.fn != nil {
		bg := newBlocked(p.gemm, p.scale)
		o.gemm, o.gemmMK, o.conv = bg.gemm, p.gemm, bg.conv
	}
}

// microKernel is a register-blocked GEMM kernel: fn adds alpha * Ap * Bp to
// the mr x nr tile at c, for a packed mr x kc panel Ap and a packed kc x nr
// panel Bp.
type microKernel[T float32 | float64] struct {
	mr, nr int
	fn     func(kc int, a, b, c *T, ldc int, alpha T)
	// set, if not nil, stores alpha * Ap * Bp in the tile instead of
	// adding it: with beta = 0 the first kc slice uses it, and C is
	// neither cleared beforehand nor read.
	set func(kc int, a, b, c *T, ldc int, alpha T)
	// packT, if set, copies the transpose of the tl x n block at src (row
	// stride lds) to dst (row stride ldd), for n a multiple of tl: the
	// packing of a transposed B, whose panels' columns are contiguous.
	packT func(n int, src *T, lds int, dst *T, ldd int)
	tl    int
	// packN, if set, copies n rows of nr elements at src (row stride
	// lds) to dst contiguously: the packing of a whole panel of B.
	packN func(n int, src *T, lds int, dst *T)
	// packA6, if set (mr = 6), packs six rows of A stored by rows (row
	// stride lds) into a panel, for n steps, n a multiple of 16.
	packA6 func(n int, src *T, lds int, dst *T)
	// packA6T, if set (mr = 6), packs n steps of six columns of a
	// transposed A (row stride lds), whose six values of a step are
	// contiguous, into a panel.
	packA6T func(n int, src *T, lds int, dst *T)
	// packA6T8, if set (mr = 6), packs eight consecutive panels of a
	// transposed A as packA6T would, panel j at dst[6*n*j:], reading
	// each step's 48 values together.
	packA6T8 func(n int, src *T, lds int, dst *T)

	// pairs marks a bfloat16 kernel (GemmBF16): its panels hold, per pair
	// of k steps, one 32-bit word of two bfloat16 per row or column (step
	// 2q in the low half), packed by packAPairs and packBPairs, and fn's
	// kc counts pairs.
	pairs bool
	// toBF16 is the path's ToBF16, which the pair packing rounds with.
	toBF16 func(dst []uint16, src []float32)
	// packNBF16, if set, packs n pairs of rows of nr values of B stored
	// by rows into a panel of words (see packBPairs).
	packNBF16 func(n int, src *T, lds int, dst *T)
	// packN48BF16, if set, is packNBF16 for rows of 48 values: eight
	// panels of a transposed A (with packA6T8).
	packN48BF16 func(n int, src *T, lds int, dst *T)
	// packA6BF16, if set, packs n pairs of steps (a multiple of 16) of
	// six rows of A stored by rows into a panel of words.
	packA6BF16 func(n int, src *T, lds int, dst *T)
}
