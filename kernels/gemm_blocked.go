package kernels

import (
	"sync"
	"unsafe"

	"github.com/fisherflow/fisherflow/internal/cpu"
	"github.com/fisherflow/fisherflow/internal/par"
)

// blocking holds the cache blocking of one micro-kernel shape, and the
// work per thread below which a call uses fewer threads
// (gemmFlopsPerThread; tests set 1 to run every size threaded).
type blocking struct{ kc, mc, nc, flopsPerThread int }

// blockingFor derives kc, mc and nc from the cache sizes the CPU reports.
// The micro-kernels broadcast A and load B as vectors, so the small
// mr x kc panel of A is the one that stays in L1 while the kc x nr panels
// of B stream past it: kc fills half of L1d with the A panel, the
// kc x nc block of B fills half of L2, and the mc x kc block of A half of
// L3 (shared by the threads). A size the CPU does not report takes a
// default: 32 KiB, 256 KiB, and 8 MiB for the L3, which virtual machines
// often hide; a smaller L3 default halves the float64 blocks of A, so a
// large float64 product packs B twice as often.
func blockingFor(mr, nr, size int) blocking {
	c := cpu.Describe().Caches
	l1, l2, l3 := c.L1D, c.L2, c.L3
	if l1 <= 0 {
		l1 = 32 << 10
	}
	if l2 <= 0 {
		l2 = 256 << 10
	}
	if l3 <= 0 {
		l3 = 8 << 20
	}
	// At most 512 steps, or 1024 of bfloat16 (size 2, GemmBF16), whose
	// panels take the bytes of 512 float32: fewer slices of k, each of
	// which reads and writes C once more.
	kcMax := 512
	if size == 2 {
		kcMax = 1024
	}
	kc := min(max(l1/2/(mr*size)/8*8, 64), kcMax)
	nc := min(max(l2/2/(kc*size)/nr*nr, nr), 8192/nr*nr)
	mc := min(max(l3/2/(kc*size)/mr*mr, mr), 8192/mr*mr)
	return blocking{kc: kc, mc: mc, nc: nc, flopsPerThread: gemmFlopsPerThread}
}

// gemmFlopsPerThread is the work (2mnk) below which another thread costs
// more than it brings (the barriers between the phases of a block, even
// with spinning workers): a 64^3 product gains nothing from a second
// thread, a 128^3 one does.
const gemmFlopsPerThread = 1 << 21

// ownBPanels is the number of B panels per thread from which the threads
// take columns of their own (gemmCall.ownB). With fewer, each A panel
// would meet only a few B panels per load, and the threads do better
// sharing the B block and keeping A panels of their own (the promoter
// convolution's and the MLP's products, 4 and 8 panels, run faster so).
const ownBPanels = 8

// gemmSmall is the size (m*n*k) below which packing costs more than it
// saves and the generic loops are used.
const gemmSmall = 8 * 8 * 8

// blocked is a GEMM built on a micro-kernel in the BLIS/GotoBLAS
// structure: for each kc-deep slice and mc-high block of A, A is packed
// once into mr-high panels; for each nc-wide block of B, B is packed into
// nr-wide panels, and the micro-kernel runs over every (panel of A, panel
// of B) pair, the A panel staying in L1 while the B panels stream from L2
// (see blockingFor and run). Edge tiles run the same kernel into a scratch
// tile (the panels are zero-padded), so no size falls back to slow code.
// The convolutions (conv) are the same products with an operand gathered
// from the sequences while it is packed (convGather).
type blocked[T float32 | float64] struct {
	mk    microKernel[T]
	scale func(alpha T, x []T)
	bl    blocking
	pool  sync.Pool // *gemmBuffers[T]
}

// newBlocked returns the blocked GEMM of a micro-kernel with the
// blocking derived from the caches.
func newBlocked[T float32 | float64](mk microKernel[T], scale func(alpha T, x []T)) *blocked[T] {
	var size T
	return newBlockedWith(mk, scale, blockingFor(mk.mr, mk.nr, int(unsafe.Sizeof(size))))
}

// newBlockedWith is newBlocked with the blocking given (tests use tiny
// blocks to cross every block boundary).
func newBlockedWith[T float32 | float64](mk microKernel[T], scale func(alpha T, x []T), bl blocking) *blocked[T] {
	return &blocked[T]{mk: mk, scale: scale, bl: bl, pool: sync.Pool{New: func() any { return new(gemmBuffers[T]) }}}
}

// gemm is Gemm on checked arguments.
func (bg *blocked[T]) gemm(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m*n*k <= gemmSmall {
		gemmGeneric(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	bg.exec(gemmCall[T]{transA: transA, transB: transB, m: m, n: n, k: k,
		alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}, beta)
}

// exec runs the product described by call (its operands, sizes and
// alpha) with beta, on pooled buffers.
func (bg *blocked[T]) exec(call gemmCall[T], beta T) {
	mk := bg.mk
	call.set = beta == 0 && mk.set != nil && call.alpha != 0 && call.k != 0
	if !call.set {
		scaleC(beta, call.c, call.m, call.n, call.ldc, bg.scale)
		if call.alpha == 0 || call.k == 0 {
			return
		}
	}
	buf := bg.pool.Get().(*gemmBuffers[T])
	call.mk, call.bl, call.buf = mk, bg.bl, buf
	call.threads = min(kernelThreads(), max(1, 2*call.m*call.n*call.k/max(bg.bl.flopsPerThread, 1)))
	if call.w != nil {
		buf.w = swapWeights(buf.w, call.w, call.wShape)
		call.b = buf.w
	}
	buf.call = call
	buf.call.run()
	buf.call = gemmCall[T]{} // drop the caller's slices
	bg.pool.Put(buf)
}

// gemmBuffers are the packing buffers and the state of one call, reused
// through a pool so that a call allocates nothing in steady state.
type gemmBuffers[T float32 | float64] struct {
	a, b  []T
	w     []T      // a convolution's weights rearranged (gemmCall.w)
	askip []uint64 // per A panel of the block, its taps of padding (packAGather)
	own   [][]T    // one block of B per thread (gemmCall.ownB)
	tiles [][]T    // one scratch tile per thread
	call  gemmCall[T]
	phase par.Phase
}

func grow[T float32 | float64](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// gemmCall is one product: its operands, sizes and threads, and the
// block being worked on.
type gemmCall[T float32 | float64] struct {
	mk             microKernel[T]
	bl             blocking
	transA, transB bool
	m, n, k        int
	alpha          T
	a              []T
	lda            int
	b              []T
	ldb            int
	c              []T
	ldc            int
	threads        int
	set            bool // beta = 0: the first kc slice stores into C (microKernel.set)
	// ownB: each thread packs and uses blocks of B of its own (columns
	// of C of its own) instead of sharing each block (see run).
	ownB bool
	buf  *gemmBuffers[T]
	// The block being worked on.
	pc, ic, jc, kb, mb, nb int

	// A convolution's operands, if the call is one (conv_blocked.go).
	convState[T]
}

// The phases of a block that the threads share.
const (
	phasePackA = iota
	phasePackB
	phaseMacro
	phaseOwnB   // ownB: one thread's share of the B panels, packed and multiplied
	phasePanels // narrow: A panels, each packed and multiplied by one thread
)

// Work runs one thread's share lo..hi of a phase of the current block.
// Without ownB, the A phases (packing and multiplying) run over the
// threads' fixed shares of the A panels, lo..hi of g.threads (see run).
func (g *gemmCall[T]) Work(phase, id, lo, hi int) {
	switch phase {
	case phasePackA:
		if !g.ownB {
			lo, hi = g.aShare(lo, hi)
		}
		g.packA(g.buf.a, g.ic, g.pc, g.mb, g.kb, lo, hi)
	case phasePackB:
		g.packB(g.buf.b, g.pc, g.jc, g.kb, g.nb, lo, hi)
	case phaseMacro:
		lo, hi = g.aShare(lo, hi)
		g.macro(g.buf.a, g.buf.b, g.ic, g.jc, g.mb, g.nb, g.kb, lo, hi, g.buf.tiles[id])
	case phasePanels:
		// Panels lo..hi of all of A, against the one block of B.
		mr, pan := g.mk.mr, g.buf.own[id]
		for ip := lo; ip < hi; ip++ {
			ic := ip * mr
			mb := min(mr, g.m-ic)
			g.packA(pan, ic, g.pc, mb, g.kb, 0, 1)
			g.macro(pan, g.buf.b, ic, 0, mb, g.n, g.kb, 0, 1, g.buf.tiles[id])
		}
	case phaseOwnB:
		// Shares lo..hi of g.threads: their share of the B panels, nc
		// columns at a time.
		nr := g.mk.nr
		npa := ceilDiv(g.mb, g.mk.mr)
		p0, p1 := par.Share(lo, hi, g.threads, ceilDiv(g.n, nr))
		end := min(p1*nr, g.n)
		for jc := p0 * nr; jc < end; jc += g.bl.nc {
			nb := min(g.bl.nc, end-jc)
			g.packB(g.buf.own[id], g.pc, jc, g.kb, nb, 0, ceilDiv(nb, nr))
			g.macro(g.buf.a, g.buf.own[id], g.ic, jc, g.mb, nb, g.kb, 0, npa, g.buf.tiles[id])
		}
	}
}

// aShare returns the A panels of the block in the thread shares lo..hi.
func (g *gemmCall[T]) aShare(lo, hi int) (int, int) {
	return par.Share(lo, hi, g.threads, ceilDiv(g.mb, g.mk.mr))
}

func (g *gemmCall[T]) run() {
	buf := g.buf
	mr, nr := g.mk.mr, g.mk.nr
	kc, mc, nc := g.bl.kc, g.bl.mc, g.bl.nc
	// Blocks of A of equal height (a multiple of mr): a last block of a
	// few rows would cost a whole packing of B for little work.
	mc = ceilTo(ceilDiv(g.m, ceilDiv(g.m, mc)), mr)
	if g.ga.ch > 0 {
		if n := ceilDiv(g.m, mr); cap(buf.askip) < n {
			buf.askip = make([]uint64, n)
		}
	}
	bsize := ceilTo(min(nc, g.n), nr) * kc // a block of B
	// With several threads and enough columns, each thread takes its own
	// contiguous share of the B panels and packs them, nc columns at a
	// time, into a block of its own, which stays in its core's L2, and
	// runs every A panel against it: no block of B is shared between
	// cores. Otherwise the threads share each block of B and split the A
	// panels.
	g.ownB = g.threads > 1 && ceilDiv(g.n, nr) >= ownBPanels*g.threads
	narrow := !g.ownB && g.n <= nc
	if !g.ownB {
		buf.b = grow(buf.b, bsize)
	}
	if !narrow {
		buf.a = grow(buf.a, mc*kc)
	}
	for len(buf.tiles) < g.threads {
		buf.tiles = append(buf.tiles, nil)
		buf.own = append(buf.own, nil)
	}
	for t := range buf.tiles {
		buf.tiles[t] = grow(buf.tiles[t], mr*nr)
		switch {
		case g.ownB:
			buf.own[t] = grow(buf.own[t], bsize)
		case narrow: // a panel of A per thread
			buf.own[t] = grow(buf.own[t], mr*kc)
		}
	}
	if narrow {
		// All of B's columns fit one block: each kc slice packs B once,
		// and the threads take the A panels in turn, each packing one
		// into a buffer of its own and running it against the whole
		// block, so that no block of A goes through L3 and B is not
		// packed again for each block of A (the convolutions' products
		// have several).
		for g.pc = 0; g.pc < g.k; g.pc += kc {
			g.kb = min(kc, g.k-g.pc)
			g.ic, g.mb, g.jc, g.nb = 0, g.m, 0, g.n
			par.For(g.threads, ceilDiv(g.n, nr), g, phasePackB, &buf.phase)
			par.For(g.threads, ceilDiv(g.m, mr), g, phasePanels, &buf.phase)
		}
		return
	}
	// A (the mc x kc block in L3) is packed once per kc slice; B is packed
	// in kc x nc blocks that fit L2, either one per thread (ownB) or
	// shared by the threads, which then split the A panels between them
	// in fixed shares: each thread packs the A panels it multiplies, so
	// they stay in its core's caches. (Dealt to whichever thread was free,
	// as the other phases are, half the panels a thread packed went to the
	// other core, and packing A, whose buffer the other core had just
	// read, took twice the time.)
	for g.pc = 0; g.pc < g.k; g.pc += kc {
		g.kb = min(kc, g.k-g.pc)
		for g.ic = 0; g.ic < g.m; g.ic += mc {
			g.mb = min(mc, g.m-g.ic)
			if g.ownB {
				par.For(g.threads, ceilDiv(g.mb, mr), g, phasePackA, &buf.phase)
				par.Each(g.threads, g, phaseOwnB, &buf.phase)
				continue
			}
			par.Each(g.threads, g, phasePackA, &buf.phase)
			for g.jc = 0; g.jc < g.n; g.jc += nc {
				g.nb = min(nc, g.n-g.jc)
				par.For(g.threads, ceilDiv(g.nb, nr), g, phasePackB, &buf.phase)
				par.Each(g.threads, g, phaseMacro, &buf.phase)
			}
		}
	}
}

// macro runs the micro-kernel over A panels lo..hi and every B panel of
// the block: each A panel stays in L1 while the B panels stream from L2.
func (g *gemmCall[T]) macro(ap, bp []T, ic, jc, mb, nb, kb, lo, hi int, tile []T) {
	mr, nr := g.mk.mr, g.mk.nr
	fn, set := g.mk.fn, g.set && g.pc == 0
	full := fn // the kernel of whole tiles
	if set {
		full = g.mk.set
	}
	kw := g.depth(kb)
	for ip := lo; ip < hi; ip++ {
		rows := min(mr, mb-ip*mr)
		a0 := ip * mr * kw
		var skip uint64 // a gathered A's taps of padding (packAGather)
		if g.ga.ch > 0 && !g.mk.pairs {
			skip = g.buf.askip[ic/mr+ip]
		}
		for jp := 0; jp*nr < nb; jp++ {
			cols := min(nr, nb-jp*nr)
			b0 := jp * nr * kw
			ci := (ic+ip*mr)*g.ldc + jc + jp*nr
			if rows == mr && cols == nr {
				if skip == 0 {
					full(kw, &ap[a0], &bp[b0], &g.c[ci], g.ldc, g.alpha)
				} else {
					g.kernelRuns(skip, set, ap[a0:], bp[b0:], g.c[ci:], g.ldc, mr)
				}
				continue
			}
			if g.mk.pairs {
				g.edgeTile(fn, set, ap[a0:], bp[b0:], ci, rows, cols, kw, tile)
				continue
			}
			clear(tile)
			if skip == 0 {
				fn(kw, &ap[a0], &bp[b0], &tile[0], nr, g.alpha)
			} else {
				g.kernelRuns(skip, false, ap[a0:], bp[b0:], tile, nr, mr)
			}
			for r := 0; r < rows; r++ {
				dst := g.c[ci+r*g.ldc : ci+r*g.ldc+cols]
				src := tile[r*nr : r*nr+cols]
				if set {
					copy(dst, src)
					continue
				}
				for j, v := range src {
					dst[j] += v
				}
			}
		}
	}
}

// edgeTile runs the micro-kernel on a partial tile of C at ci through the
// scratch tile, which takes C's values first, so that each element of C
// gets the same fused update as in a whole tile (GemmBF16 gives the same
// bits wherever an element lies); with set, the storing kernel runs.
func (g *gemmCall[T]) edgeTile(fn func(kc int, a, b, c *T, ldc int, alpha T), set bool, ap, bp []T, ci, rows, cols, kw int, tile []T) {
	mr, nr := g.mk.mr, g.mk.nr
	clear(tile)
	if set {
		fn = g.mk.set
	} else {
		for r := 0; r < rows; r++ {
			copy(tile[r*nr:r*nr+cols], g.c[ci+r*g.ldc:][:cols])
		}
	}
	fn(kw, &ap[0], &bp[0], &tile[0], nr, g.alpha)
	for r := 0; r < min(rows, mr); r++ {
		copy(g.c[ci+r*g.ldc:][:cols], tile[r*nr:r*nr+cols])
	}
}

// kernelRuns runs the micro-kernel over the steps of the slice that are
// not in the taps marked in skip (bit t: the slice's t-th tap, all
// padding for this A panel), one call per run of steps, into the tile at
// c: the first call stores (set) or adds, the others add; with set and
// nothing to run, the tile's rows are cleared.
func (g *gemmCall[T]) kernelRuns(skip uint64, set bool, apan, bpan, c []T, ldc, rows int) {
	mr, nr, ch, kb := g.mk.mr, g.mk.nr, g.ga.ch, g.kb
	first := g.pc / ch // the slice's first tap
	q0 := -1           // start of the run in progress
	run := func(q0, q1 int) {
		k := g.mk.fn
		if set {
			k, set = g.mk.set, false
		}
		k(q1-q0, &apan[q0*mr], &bpan[q0*nr], &c[0], ldc, g.alpha)
	}
	for q := 0; q < kb; {
		t := (g.pc + q) / ch
		end := min(kb, (t+1)*ch-g.pc)
		if t-first < 64 && skip&(1<<(t-first)) != 0 {
			if q0 >= 0 {
				run(q0, q)
				q0 = -1
			}
		} else if q0 < 0 {
			q0 = q
		}
		q = end
	}
	if q0 >= 0 {
		run(q0, kb)
	}
	if set { // nothing ran
		for r := 0; r < rows; r++ {
			clear(c[r*ldc : r*ldc+nr])
		}
	}
}

// depth returns the panels' depth for kb steps: kb, or with pairs
// (bfloat16) the number of pairs of steps.
func (g *gemmCall[T]) depth(kb int) int {
	if g.mk.pairs {
		return (kb + 1) / 2
	}
	return kb
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
func ceilTo(a, b int) int  { return ceilDiv(a, b) * b }
