package kernels

import (
	"math"

	"github.com/fisherflow/fisherflow/internal/par"
)

// sinkhornParallelMin is the size of K from which the scaling iterations
// use several threads.
const sinkhornParallelMin = 1 << 15

// rowGroup is the number of rows of K whose u rowBlock computes (and
// over-relaxes) together: few enough that the rows are still in L1 when
// their part of K^T u is added.
const rowGroup = 8

// The phases of a sinkhornPass.
const (
	passKernel = iota // K = exp(-cost/reg), from the cost
	passRows          // the scaling iteration's pass over the rows of K
	passCols          // K^T u summed from the row blocks, and v from it
	passPlan          // K becomes diag(u) K diag(v)
)

// sinkhornPass is one scaling iteration over K, as a par.Worker. Its
// blocks of rows and of columns are fixed by n and m alone, and each keeps
// its own partial sums (of K^T u and of the marginal errors), summed in
// block order, so results do not depend on the number of threads or on
// which thread ran a block.
//
// Each phase deals the blocks to the threads in the same fixed shares
// (par.Each, one share per thread), so that a thread passes over the same
// rows of K at every iteration and finds them in its own core's cache.
// Every other pass takes a share's row blocks last to first, so that it
// starts on the rows the previous pass read last, which are the likeliest
// to be in cache still. Blocks keep their own sums, so neither the shares
// nor the order change any bit.
type sinkhornPass[T float32 | float64] struct {
	// The problem and its blocks, set by newSinkhornPass.
	o       *ops[T]
	k       []T   // K, n x m; diag(u) K diag(v) after passPlan
	a, b    []T   // the marginals
	blocks  []int // row block i is rows blocks[i]..blocks[i+1]-1
	cols    []int // column block j is columns cols[j]..cols[j+1]-1
	threads int
	phase   par.Phase

	// The iterations.
	u, v        []T // the scalings
	unew        []T // the u that passRows computes; update makes it current
	overrelaxer overrelaxer
	colErr      float64 // the columns' L1 marginal error after an over-relaxed update
	reverse     bool    // passRows takes the blocks of its shares last to first

	// passKernel: the cost, and -1/reg.
	cost   []T
	negInv T

	// passRows, per row block: ktu, the sum over the block's rows of
	// u_i K_i (passCols adds the blocks' sums up; passPlan uses it as
	// scratch); errs, the rows' part of the L1 marginal error (passPlan
	// sets it too); and rowScratch, two rowGroup slices per block, the
	// group's u and overrelax's scratch.
	ktu        [][]T
	errs       []float64
	rowScratch []T

	// passCols: the v of an over-relaxed update before relaxing, and
	// colScratch, overrelax's scratch there (and passPlan's zero vector,
	// cleared by plan); per column block, its columns' L1 marginal error.
	vnew, colScratch []T
	colErrs          []float64

	// passPlan, per row block: the column sums of its rows, and the
	// scratch of those sums.
	colSums, colDots []float64
}

// newSinkhornPass readies w's pass of T over the n x m kernel k
// (n = len(a), m = len(b)) with the Overrelax option overrelax, its
// buffers from w's arenas.
func newSinkhornPass[T float32 | float64](w *OTWork, o *ops[T], k, a, b []T, overrelax float64) *sinkhornPass[T] {
	n, m := len(a), len(b)
	nb := min(16, max(1, n/32))
	ncb := min(16, max(1, m/32))
	ft := floats[T](w)
	p := passOf[T](w)
	p.o, p.k, p.a, p.b, p.colErr, p.reverse = o, k, a, b, 0, false
	p.overrelaxer = newOverrelaxer(overrelax)
	p.u, p.v, p.unew = ft.take(n), ft.take(m), ft.take(n)
	p.vnew, p.colScratch = ft.take(m), ft.take(m)
	p.rowScratch = ft.take(2 * nb * rowGroup)
	p.errs, p.colErrs, p.threads = w.f64.take(nb), w.f64.take(ncb), 1
	p.colSums, p.colDots = w.f64.take(nb*m), w.f64.take(nb*m)
	if n*m >= sinkhornParallelMin {
		p.threads = min(kernelThreads(), nb)
	}
	p.blocks, p.cols = w.ints.take(nb+1), w.ints.take(ncb+1)
	for i := range p.blocks {
		p.blocks[i] = i * n / nb
	}
	for j := range p.cols {
		p.cols[j] = j * m / ncb
	}
	p.ktu = p.ktu[:0]
	for range nb {
		p.ktu = append(p.ktu, ft.take(m))
	}
	return p
}

// phaseRun runs one phase of the pass on its threads.
func (p *sinkhornPass[T]) phaseRun(phase int) {
	par.Each(p.threads, p, phase, &p.phase)
}

// kernel sets K = exp(-cost/reg), flushing its subnormal entries to zero,
// one row at a time while it is in L1.
func (p *sinkhornPass[T]) kernel(cost []T, reg float64) {
	p.cost, p.negInv = cost, T(-1/reg)
	p.phaseRun(passKernel)
	p.cost = nil
}

// start sets u = v = 1, the scalings the iterations start from, and
// counts their column marginals as exact: they are after the log domain's
// exact step, and the scaling form does not test its first pass.
func (p *sinkhornPass[T]) start() {
	fill(p.u, 1)
	fill(p.v, 1)
	p.colErr = 0
}

// run makes the pass and returns the L1 marginal error of diag(u) K
// diag(v) for the u and v it started from: that of its rows, plus that of
// its columns when the last update was over-relaxed (a plain update makes
// them exact).
func (p *sinkhornPass[T]) run() float64 {
	p.phaseRun(passRows)
	p.reverse = !p.reverse
	return p.addRowErr(p.colErr)
}

// addRowErr returns e plus the rows' L1 marginal error that the last
// passRows or passPlan summed per block, added to e one block at a time.
func (p *sinkhornPass[T]) addRowErr(e float64) float64 {
	for _, be := range p.errs {
		e += be
	}
	return e
}

// update makes the pass's u current and sets v = b / (K^T u),
// over-relaxed.
func (p *sinkhornPass[T]) update() {
	p.u, p.unew = p.unew, p.u
	p.phaseRun(passCols)
	p.colErr = 0
	if p.overrelaxer.w != 1 {
		// Over-relaxed, v no longer makes the column marginals exact:
		// keep their error for the next pass's.
		for _, e := range p.colErrs {
			p.colErr += e
		}
	}
}

// plan turns K into diag(u) K diag(v) and returns the plan's L1 marginal
// error against a and b.
func (p *sinkhornPass[T]) plan() float64 {
	nb, m := len(p.blocks)-1, len(p.b)
	clear(p.colScratch)
	p.phaseRun(passPlan)
	e := p.addRowErr(0)
	for j, bj := range p.b {
		var c float64
		for blk := range nb {
			c += p.colSums[blk*m+j]
		}
		e += math.Abs(c - float64(bj))
	}
	return e
}

// Work runs the blocks of the shares lo..hi of a phase.
func (p *sinkhornPass[T]) Work(phase, _, lo, hi int) {
	if phase == passCols {
		c0, c1 := par.Share(lo, hi, p.threads, len(p.cols)-1)
		p.colBlocks(c0, c1)
		return
	}
	b0, b1 := par.Share(lo, hi, p.threads, len(p.blocks)-1)
	if phase == passRows && p.reverse {
		for blk := b1 - 1; blk >= b0; blk-- {
			p.rowBlock(blk)
		}
		return
	}
	for blk := b0; blk < b1; blk++ {
		switch phase {
		case passKernel:
			p.kernelBlock(blk)
		case passRows:
			p.rowBlock(blk)
		case passPlan:
			p.planBlock(blk)
		}
	}
}

// kernelBlock sets the rows of block blk of K from the cost.
func (p *sinkhornPass[T]) kernelBlock(blk int) {
	m := len(p.b)
	for i := p.blocks[blk]; i < p.blocks[blk+1]; i++ {
		gibbsRow(p.o, p.k[i*m:(i+1)*m], p.cost[i*m:(i+1)*m], p.negInv)
	}
}

// gibbsRow sets dst = exp(a*x), with the subnormal results flushed to
// zero: o's gibbs kernel, or the Scale, Exp and flush it stands for.
func gibbsRow[T float32 | float64](o *ops[T], dst, x []T, a T) {
	if o.gibbs != nil {
		o.gibbs(dst, x, a)
		return
	}
	copy(dst, x)
	o.scale(a, dst)
	o.exp(dst, dst)
	flushSubnormal(dst)
}

// flushSubnormal sets the subnormal entries of x to zero: they carry
// fewer than 24 (float32) or 53 (float64) bits, and arithmetic on them
// takes a microcode assist on x86, which would slow every pass over K.
func flushSubnormal[T float32 | float64](x []T) {
	tiny := T(minNormalOf[T]())
	for i, v := range x {
		if v < tiny {
			x[i] = 0
		}
	}
}

// rowBlock makes the pass over the rows of block blk, rowGroup rows at a
// time, four per kernel call: their products with v, their u (over-relaxed
// together by one overrelax), then their part of K^T u while the rows are
// still in cache.
func (p *sinkhornPass[T]) rowBlock(blk int) {
	m := len(p.b)
	acc := p.ktu[blk]
	clear(acc)
	ur := p.rowScratch[2*blk*rowGroup : (2*blk+1)*rowGroup]
	tmp := p.rowScratch[(2*blk+1)*rowGroup : (2*blk+2)*rowGroup]
	var e float64
	for i0 := p.blocks[blk]; i0 < p.blocks[blk+1]; i0 += rowGroup {
		i1 := min(i0+rowGroup, p.blocks[blk+1])
		u := ur[:i1-i0]
		i := i0
		for ; i+4 <= i1; i += 4 {
			e += p.dot4(i, u[i-i0:i-i0+4])
		}
		for ; i < i1; i++ {
			e += p.setU(i, p.o.dot(p.k[i*m:(i+1)*m], p.v), &u[i-i0])
		}
		overrelax(p.o, p.overrelaxer.w, u, p.u[i0:i1], tmp[:len(u)])
		copy(p.unew[i0:i1], u)
		for i = i0; i+4 <= i1; i += 4 {
			p.axpy4(i, u[i-i0:i-i0+4], acc)
		}
		for ; i < i1; i++ {
			p.o.axpy(u[i-i0], p.k[i*m:(i+1)*m], acc)
		}
	}
	p.errs[blk] = e
}

// setU sets *u = a_i / (K v)_i from kv = (K v)_i and returns row i's part
// of the row marginals' error, |u_i (K v)_i - a_i| for the u the pass
// started from.
func (p *sinkhornPass[T]) setU(i int, kv T, u *T) float64 {
	*u = safeDiv(p.a[i], kv)
	return math.Abs(float64(p.u[i])*float64(kv) - float64(p.a[i]))
}

// dot4 is setU for rows i..i+3 of K, into u[0:4].
func (p *sinkhornPass[T]) dot4(i int, u []T) float64 {
	m := len(p.b)
	k := p.k[i*m : (i+4)*m]
	var kv [4]T
	kv[0], kv[1], kv[2], kv[3] = p.o.dot4(k[:m], k[m:2*m], k[2*m:3*m], k[3*m:], p.v[:m])
	var e float64
	for j, x := range kv {
		e += p.setU(i+j, x, &u[j])
	}
	return e
}

// axpy4 adds u[j] times row i+j of K, j = 0..3, to acc.
func (p *sinkhornPass[T]) axpy4(i int, u, acc []T) {
	m := len(p.b)
	k := p.k[i*m : (i+4)*m]
	p.o.axpy4(u[0], u[1], u[2], u[3], k[:m], k[m:2*m], k[2*m:3*m], k[3*m:], acc[:m])
}

// colBlocks sums K^T u over the row blocks for the columns of blocks
// c0..c1-1 (in block order, into the first block's partial) and sets
// their v = b / (K^T u), over-relaxed, with each column block's marginal
// error. The sums and the update run over the blocks' columns together
// (one kernel call per row block and one over-relaxation, not one per column
// block); each column's arithmetic, and each block's error sum, are those
// of a block at a time.
func (p *sinkhornPass[T]) colBlocks(c0, c1 int) {
	j0, j1 := p.cols[c0], p.cols[c1]
	ktu := p.ktu[0][j0:j1]
	for _, part := range p.ktu[1:] {
		p.o.axpy(1, part[j0:j1], ktu)
	}
	b, v := p.b[j0:j1], p.v[j0:j1]
	clear(p.colErrs[c0:c1])
	if p.overrelaxer.w == 1 {
		for j, bj := range b {
			v[j] = safeDiv(bj, ktu[j])
		}
		return
	}
	vnew := p.vnew[j0:j1]
	for j, bj := range b {
		vnew[j] = safeDiv(bj, ktu[j])
	}
	overrelax(p.o, p.overrelaxer.w, vnew, v, p.colScratch[j0:j1])
	copy(v, vnew)
	for cb := c0; cb < c1; cb++ {
		var e float64
		for j := p.cols[cb]; j < p.cols[cb+1]; j++ {
			e += math.Abs(float64(p.v[j])*float64(p.ktu[0][j]) - float64(p.b[j]))
		}
		p.colErrs[cb] = e
	}
}

// planBlock scales the rows of block blk into the plan, keeping their row
// errors (in errs) and their column sums (in colSums), with the vector
// kernels: u_i v (rounded, as u_i*v_j), the row times it (rounded once),
// the row's sum and its addition to the column sums in float64.
func (p *sinkhornPass[T]) planBlock(blk int) {
	m := len(p.b)
	col, dots := p.colSums[blk*m:(blk+1)*m], p.colDots[blk*m:(blk+1)*m]
	clear(col)
	clear(dots)
	uv, zero := p.ktu[blk][:m], p.colScratch[:m] // scratch; plan cleared colScratch
	var e float64
	for i := p.blocks[blk]; i < p.blocks[blk+1]; i++ {
		row := p.k[i*m : (i+1)*m]
		copy(uv, p.v[:m])
		p.o.scale(p.u[i], uv)
		p.o.scaleShift(row, row, uv, zero, 0, 0)
		r, _ := p.o.moments(row, 0)
		p.o.colMoments(col, dots, row, row, 0)
		e += math.Abs(r - float64(p.a[i]))
	}
	p.errs[blk] = e
}

// safeDiv returns x/y, and 0 when x is 0: a row or column without mass
// stays empty even if its kernel row underflowed to zero.
func safeDiv[T float32 | float64](x, y T) T {
	if x == 0 {
		return 0
	}
	return x / y
}
