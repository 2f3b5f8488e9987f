package kernels

// packA packs panels lo..hi of the mb x kb block of op(A) at (ic, pc) into
// mr-high panels: panel ip holds kb steps of mr values, zero-padded. Full
// panels of the 6-row kernels take unrolled paths without calls (a copy of
// 6 values per step through memmove, or an array assignment, which the
// generic code also compiles to memmove, cost a third of a transposed
// GEMM).
func (g *gemmCall[T]) packA(dst []T, ic, pc, mb, kb, lo, hi int) {
	if g.mk.pairs {
		g.packAPairs(f32s(dst), ic, pc, mb, kb, lo, hi)
		return
	}
	g.packAFloat(dst, ic, pc, mb, kb, lo, hi)
}

// packAFloat is packA into panels of T (every micro-kernel's but the
// bfloat16 ones, which also use it for a panel to convert).
func (g *gemmCall[T]) packAFloat(dst []T, ic, pc, mb, kb, lo, hi int) {
	if g.ga.ch > 0 {
		g.packAGather(dst, ic, pc, mb, kb, lo, hi)
		return
	}
	mr := g.mk.mr
	if g.transA && mr == 6 && g.mk.packA6T8 != nil {
		// Eight whole panels at a time (see packA6T8).
		for ; lo+8 <= hi && (lo+8)*6 <= mb; lo += 8 {
			g.mk.packA6T8(kb, &g.a[pc*g.lda+ic+lo*6], g.lda, &dst[lo*6*kb])
		}
	}
	for ip := lo; ip < hi; ip++ {
		pan := dst[ip*mr*kb : (ip+1)*mr*kb]
		rows := min(mr, mb-ip*mr)
		i0 := ic + ip*mr
		switch {
		case g.transA && mr == 6 && rows == 6:
			// op(A)[i,p] = a[p*lda+i]: each step is 6 contiguous values.
			if g.mk.packA6T != nil {
				g.mk.packA6T(kb, &g.a[pc*g.lda+i0], g.lda, &pan[0])
				continue
			}
			for p := 0; p < kb; p++ {
				o := (pc+p)*g.lda + i0
				src := g.a[o : o+6 : o+6]
				d := pan[p*6 : p*6+6 : p*6+6]
				d[0], d[1], d[2], d[3], d[4], d[5] = src[0], src[1], src[2], src[3], src[4], src[5]
			}
		case g.transA:
			for p := 0; p < kb; p++ {
				src := g.a[(pc+p)*g.lda+i0 : (pc+p)*g.lda+i0+rows]
				d := pan[p*mr : p*mr+mr]
				copy(d, src)
				clear(d[rows:])
			}
		case mr == 6 && rows == 6:
			g.packRows6(pan, g.a, i0*g.lda+pc, g.lda, kb)
		default:
			for r := 0; r < rows; r++ {
				src := g.a[(i0+r)*g.lda+pc : (i0+r)*g.lda+pc+kb]
				for p, v := range src {
					pan[p*mr+r] = v
				}
			}
			for r := rows; r < mr; r++ {
				for p := 0; p < kb; p++ {
					pan[p*mr+r] = 0
				}
			}
		}
	}
}

// packRows6 packs n steps of the six rows of a at o (row stride lda)
// into d, interleaved step by step: sixteen steps at a time by packA6,
// the rest by the loop.
func (g *gemmCall[T]) packRows6(d, a []T, o, lda, n int) {
	p0 := 0
	if g.mk.packA6 != nil && n >= 16 {
		p0 = n / 16 * 16
		g.mk.packA6(p0, &a[o], lda, &d[0])
	}
	r0 := a[o:][:n]
	r1 := a[o+lda:][:n]
	r2 := a[o+2*lda:][:n]
	r3 := a[o+3*lda:][:n]
	r4 := a[o+4*lda:][:n]
	r5 := a[o+5*lda:][:n]
	for p := p0; p < n; p++ {
		d := d[p*6 : p*6+6 : p*6+6]
		d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
	}
}

// packB packs panels lo..hi of the kb x nb block of op(B) at (pc, jc) into
// nr-wide panels: panel jp holds kb steps of nr values, zero-padded.
func (g *gemmCall[T]) packB(dst []T, pc, jc, kb, nb, lo, hi int) {
	if g.mk.pairs {
		g.packBPairs(f32s(dst), pc, jc, kb, nb, lo, hi)
		return
	}
	g.packBFloat(dst, pc, jc, kb, nb, lo, hi)
}

// packBFloat is packB into panels of T (see packAFloat).
func (g *gemmCall[T]) packBFloat(dst []T, pc, jc, kb, nb, lo, hi int) {
	if g.gb.ch > 0 {
		g.packBGather(dst, pc, jc, kb, nb, lo, hi)
		return
	}
	nr := g.mk.nr
	// With a bias row (a convolution's bias), the slice's last step may
	// be that row rather than B's.
	steps := kb
	if g.bias != nil {
		steps = min(kb, g.k-1-pc)
	}
	for jp := lo; jp < hi; jp++ {
		pan := dst[jp*nr*kb : (jp+1)*nr*kb]
		cols := min(nr, nb-jp*nr)
		j0 := jc + jp*nr
		if !g.transB {
			if cols == nr && g.mk.packN != nil {
				if steps > 0 {
					g.mk.packN(steps, &g.b[pc*g.ldb+j0], g.ldb, &pan[0])
				}
				g.packBias(pan, j0, cols, steps)
				continue
			}
			for p := 0; p < steps; p++ {
				src := g.b[(pc+p)*g.ldb+j0 : (pc+p)*g.ldb+j0+cols]
				d := pan[p*nr : p*nr+nr]
				copy(d, src)
				clear(d[cols:])
			}
			g.packBias(pan, j0, cols, steps)
			continue
		}
		// op(B)[p,j] = b[j*ldb+p]: columns of the panel are contiguous.
		// Whole tl x tl blocks go through the micro-kernel's transposing
		// copy; the remaining steps and columns through the loops below.
		p1, j1 := 0, 0
		if tl := g.mk.tl; g.mk.packT != nil && steps >= tl && cols >= tl {
			p1, j1 = steps/tl*tl, cols/tl*tl
			for j := 0; j < j1; j += tl {
				g.mk.packT(p1, &g.b[(j0+j)*g.ldb+pc], g.ldb, &pan[j], nr)
			}
			for j := 0; j < j1; j++ {
				src := g.b[(j0+j)*g.ldb+pc:][p1:steps]
				for p, v := range src {
					pan[(p1+p)*nr+j] = v
				}
			}
		}
		// Transpose in strips of packStrip steps, so that the writes of a
		// strip (packStrip lines of the panel) stay in L1 while every
		// column passes.
		const packStrip = 128
		for p0 := 0; p0 < steps; p0 += packStrip {
			n := min(packStrip, steps-p0)
			strip := pan[p0*nr : (p0+n)*nr]
			for j := j1; j < cols; j++ {
				src := g.b[(j0+j)*g.ldb+pc+p0:][:n]
				for p, v := range src {
					strip[p*nr+j] = v
				}
			}
			for p := 0; p < n; p++ {
				clear(strip[p*nr+cols : (p+1)*nr])
			}
		}
		g.packBias(pan, j0, cols, steps)
	}
}
