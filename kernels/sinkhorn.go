package kernels

import (
	"errors"
	"fmt"
	"math"

	"github.com/fisherflow/fisherflow/internal/par"
)

// SinkhornOptions configures Sinkhorn. The zero value of MaxIter and Tol
// selects their defaults; Reg must be set.
type SinkhornOptions struct {
	// Reg is the entropic regularisation epsilon > 0: the plan minimises
	// <plan, cost> - Reg*H(plan). Smaller values approach the exact
	// transport plan and need more iterations (and LogDomain once
	// cost/Reg exceeds the range of exp in T: about 87 for float32,
	// 708 for float64).
	Reg float64
	// MaxIter caps the number of iterations (one row and one column
	// scaling each); 0 means 1000.
	MaxIter int
	// Tol is the marginal error at which the iterations stop; 0 means 1e-9.
	Tol float64
	// LogDomain runs the stabilised iterations on the dual potentials,
	// which work for any Reg > 0: exact log-sum-exp iterations recentre
	// the potentials whenever the scalings of the stabilised kernel leave
	// a safe range, and scaling iterations run in between, so the cost is
	// that of the scaling form plus a few log-sum-exp passes.
	LogDomain bool
	// Overrelax, when not 0, over-relaxes the iterations: each update of
	// a scaling becomes u <- u^(1-w) (a / K v)^w (likewise v), which has
	// the same fixed point and, for w in (1, 2), reaches it in fewer
	// iterations (Thibault, Chizat, Dossal and Papadakis, "Overrelaxed
	// Sinkhorn-Knopp algorithm for regularized optimal transport", 2017).
	// A value in [1, 2) is w itself (1 is plain Sinkhorn); OverrelaxAuto
	// runs plain iterations first and sets w = 2/(1 + sqrt(1 - k)) from
	// the rate k at which their marginal error falls, the optimal factor
	// of the linearised iteration, then raises w as the rates of the
	// over-relaxed iterations show k growing (as it does while the plan
	// forms). Either way, an error that rises above ten times the
	// smallest seen returns the iterations to w = 1 for the rest of the
	// solve. 0 means plain Sinkhorn, as POT's ot.sinkhorn runs it.
	Overrelax float64
}

// OverrelaxAuto is the SinkhornOptions.Overrelax value that chooses the
// over-relaxation factor from the iterations' own rates. On the benchmark
// problems (points of the unit square, squared distances, Reg 0.01, a
// marginal error of 1e-6) it cuts the iterations from 154 to 47 (n = 512;
// the best fixed factor, 1.7, takes 36) and from 193 to 47 (n = 128).
// Each iteration costs a little more (vector Log and Exp of the n + m
// scalings).
const OverrelaxAuto = -1

// SinkhornResult reports how Sinkhorn ended.
type SinkhornResult struct {
	// Iterations is the number of iterations run.
	Iterations int
	// MarginalError is the L1 distance of the returned plan's marginals
	// from a and b: sum_i |sum_j plan_ij - a_i| + sum_j |sum_i plan_ij - b_j|.
	MarginalError float64
	// Converged reports that the iterations stopped because the marginal
	// error reached Tol, not because MaxIter ran out.
	Converged bool
}

// ErrNumerical is wrapped by the error Sinkhorn returns when its scaling
// iterations overflow or underflow, which happens when cost/Reg is too
// large for exp in T; LogDomain avoids it.
var ErrNumerical = errors.New("numerical overflow in Sinkhorn scaling")

// Sinkhorn computes the entropy-regularised optimal transport plan between
// the marginals a (n masses) and b (m masses) for the n x m row-major cost
// matrix, writing it to plan (n x m). The iterations stop when the L1
// marginal error falls to opts.Tol (checked every iteration at no extra
// cost) or after opts.MaxIter iterations; non-convergence is reported in the
// result, not as an error.
//
// It returns an error wrapping ErrMarginals if a or b has a negative or
// non-finite entry or no mass, or if their sums differ by more than a
// relative 1e-6 (float64) or 1e-4 (float32); ErrCost for a NaN or infinite
// cost; ErrNumerical if the scaling iterations leave the range of T; and a
// plain error for an invalid Reg, MaxIter, Tol or Overrelax. It panics if
// len(cost) or len(plan) is not len(a)*len(b).
func Sinkhorn[T Float](plan, cost, a, b []T, opts SinkhornOptions) (SinkhornResult, error) {
	return SinkhornWith(new(OTWork), plan, cost, a, b, opts)
}

// SinkhornWith is Sinkhorn with its scratch memory in w, so that repeated
// solves allocate nothing (see OTWork).
func SinkhornWith[T Float](w *OTWork, plan, cost, a, b []T, opts SinkhornOptions) (SinkhornResult, error) {
	n, m := len(a), len(b)
	checkOTLengths("Sinkhorn", len(plan), len(cost), n, m)
	if !(opts.Reg > 0 && opts.Reg <= math.MaxFloat64) {
		return SinkhornResult{}, fmt.Errorf("kernels.Sinkhorn: Reg = %v must be positive and finite", opts.Reg)
	}
	if opts.MaxIter < 0 || !(opts.Tol >= 0) {
		return SinkhornResult{}, fmt.Errorf("kernels.Sinkhorn: MaxIter = %d and Tol = %v must not be negative", opts.MaxIter, opts.Tol)
	}
	if w := opts.Overrelax; w != 0 && w != OverrelaxAuto && !(w >= 1 && w < 2) {
		return SinkhornResult{}, fmt.Errorf("kernels.Sinkhorn: Overrelax = %v must be 0, OverrelaxAuto or in [1, 2)", w)
	}
	if opts.MaxIter == 0 {
		opts.MaxIter = 1000
	}
	if opts.Tol == 0 {
		opts.Tol = 1e-9
	}
	if _, _, err := validateOT("Sinkhorn", cost, a, b); err != nil {
		return SinkhornResult{}, err
	}
	w.begin()
	var res SinkhornResult
	var err error
	if is64[T]() {
		res, err = sinkhorn(w, impl64(), f64s(plan), f64s(cost), f64s(a), f64s(b), opts)
	} else {
		res, err = sinkhorn(w, impl32(), f32s(plan), f32s(cost), f32s(a), f32s(b), opts)
	}
	return res, err
}

func sinkhorn[T float32 | float64](w *OTWork, o *ops[T], plan, cost, a, b []T, opts SinkhornOptions) (SinkhornResult, error) {
	if opts.LogDomain {
		// plan first holds -cost/reg.
		o.axpy(T(-1/opts.Reg), cost, zeroed(plan))
		res := sinkhornLog(w, o, plan, a, b, opts)
		res.MarginalError = marginalError(plan, a, b, w.f64.take(len(b)))
		return res, nil
	}
	return sinkhornScaling(w, o, plan, cost, a, b, opts)
}

// zeroed clears x and returns it.
func zeroed[T float32 | float64](x []T) []T {
	clear(x)
	return x
}

// sinkhornScaling runs u = a/(K v), v = b/(K^T u) with K = exp(-cost/reg)
// held in k, and leaves diag(u) K diag(v) in k, with its marginal error in
// the result. Each iteration makes one pass over K (sinkhornPass): row i
// gives (K v)_i, then u_i, then adds u_i K_i to K^T u while the row is in
// cache.
func sinkhornScaling[T float32 | float64](w *OTWork, o *ops[T], k, cost, a, b []T, opts SinkhornOptions) (SinkhornResult, error) {
	m := len(b)
	p := newSinkhornPass(w, o, k, a, m)
	p.kernel(cost, opts.Reg)
	p.relax = newRelax(opts.Overrelax)
	fill(p.v, 1)
	fill(p.u, 1)
	var res SinkhornResult
	for it := 0; ; it++ {
		// The column marginals are exact after the v update; the row
		// marginals of diag(u) K diag(v) are u*(K v).
		e := p.run()
		if it > 0 && e <= opts.Tol {
			res.Converged = true
			break
		}
		p.relax.observe(e)
		if it == opts.MaxIter {
			break
		}
		res.Iterations++
		p.update(b)
		if !allFinite(p.u) || !allFinite(p.v) {
			return res, fmt.Errorf("kernels.Sinkhorn: %w at iteration %d: cost/Reg spans more than exp can represent; use LogDomain or a larger Reg", ErrNumerical, res.Iterations)
		}
	}
	res.MarginalError = p.plan(b)
	return res, nil
}

// flushSubnormal sets the subnormal entries of x to zero. Subnormal
// entries of K carry fewer than 24 (float32) or 53 (float64) bits, and
// every multiplication by one takes a microcode assist on x86 (about 100
// cycles): with Reg 0.01 a float32 K of squared distances in the unit
// square is a fifth subnormal, which made the iterations 5x slower.
func flushSubnormal[T float32 | float64](x []T) {
	tiny := T(minNormalOf[T]())
	for i, v := range x {
		if v < tiny {
			x[i] = 0
		}
	}
}

// sinkhornParallelMin is the size of K from which the scaling iterations
// use several threads.
const sinkhornParallelMin = 1 << 15

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
// (par.Each, one share per thread), so that a thread passes
// over the same rows of K at every iteration: a float32 K of 512 x 512
// (1 MB) then stays in the two cores' L2 caches, half in each, where with
// the blocks dealt to whichever thread is free it streamed from memory at
// every pass (two threads ran no faster than one). Every other pass takes
// a share's row blocks last to first, so that it starts on the rows the
// previous pass read last, which are still in L2: a float64 K of 512 x 512
// (2 MB, twice the L2 of this machine) streams from L3 at about 90 GB/s,
// and the reversal made one thread's iterations 10-15% faster. Blocks keep
// their own sums, so the order of the blocks changes no bits.
type sinkhornPass[T float32 | float64] struct {
	o       *ops[T]
	k, a, b []T
	m       int
	u, v    []T       // the scalings
	unew    []T       // the u this pass computes
	vnew    []T       // the v of an over-relaxed update, before relaxing
	tmp     []T       // scratch of update
	rows    []T       // per block: the u of relaxRows rows and scratch for relaxVec
	blocks  []int     // row ranges blocks[i]..blocks[i+1]
	cols    []int     // column ranges cols[j]..cols[j+1]
	ktu     [][]T     // per row block: sum over its rows of u_i K_i
	errs    []float64 // per row block: sum over its rows of |u_i (K v)_i - a_i|
	colErrs []float64 // per column block: its columns' L1 marginal error
	colSums []float64 // passPlan: per row block, the column sums of its rows
	colDots []float64 // passPlan: per row block, scratch of the column sums
	cost    []T       // passKernel: the cost, and -1/reg
	negInv  T
	threads int
	phase   par.Phase
	relax   relax   // the over-relaxation of the updates
	colErr  float64 // the column marginals' L1 error after an over-relaxed update
	reverse bool    // passRows takes the blocks of its shares last to first
}

// newSinkhornPass readies w's pass of T over the n x m kernel k
// (n = len(a)), with its buffers from w's arenas.
func newSinkhornPass[T float32 | float64](w *OTWork, o *ops[T], k, a []T, m int) *sinkhornPass[T] {
	n := len(a)
	nb := min(16, max(1, n/32))
	ncb := min(16, max(1, m/32))
	ft := floats[T](w)
	p := passOf[T](w)
	p.o, p.k, p.a, p.b, p.m, p.colErr, p.reverse = o, k, a, nil, m, 0, false
	p.u, p.v, p.unew = ft.take(n), ft.take(m), ft.take(n)
	p.vnew, p.tmp = ft.take(m), ft.take(m)
	p.rows = ft.take(2 * nb * relaxRows)
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

// run makes the pass and returns the L1 marginal error of diag(u) K
// diag(v) for the u and v it started from: that of its rows, plus that of
// its columns when the last update was over-relaxed (a plain update makes
// them exact).
func (p *sinkhornPass[T]) run() float64 {
	p.phaseRun(passRows)
	p.reverse = !p.reverse
	e := p.colErr
	for _, be := range p.errs {
		e += be
	}
	return e
}

// update makes the pass's u current and sets v = b / (K^T u),
// over-relaxed.
func (p *sinkhornPass[T]) update(b []T) {
	p.u, p.unew = p.unew, p.u
	p.b = b
	p.phaseRun(passCols)
	p.colErr = 0
	if p.relax.w != 1 {
		// Over-relaxed, v no longer makes the column marginals exact:
		// keep their error for the next pass's.
		for _, e := range p.colErrs {
			p.colErr += e
		}
	}
}

// plan turns K into diag(u) K diag(v) and returns the plan's L1 marginal
// error against a and b.
func (p *sinkhornPass[T]) plan(b []T) float64 {
	nb, m := len(p.blocks)-1, p.m
	clear(p.tmp)
	p.phaseRun(passPlan)
	var e float64
	for _, be := range p.errs {
		e += be
	}
	for j, bj := range b {
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
	m := p.m
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

// rowBlock makes the pass over the rows of block blk, relaxRows rows at a
// time, four per kernel call: their products with v, their u (over-relaxed
// together by vector Log and Exp; a plain pass leaves them), then their
// part of K^T u while the rows are still in cache.
func (p *sinkhornPass[T]) rowBlock(blk int) {
	m := p.m
	acc := p.ktu[blk]
	clear(acc)
	ur := p.rows[2*blk*relaxRows : (2*blk+1)*relaxRows]
	tmp := p.rows[(2*blk+1)*relaxRows : (2*blk+2)*relaxRows]
	var e float64
	for i0 := p.blocks[blk]; i0 < p.blocks[blk+1]; i0 += relaxRows {
		i1 := min(i0+relaxRows, p.blocks[blk+1])
		u := ur[:i1-i0]
		i := i0
		for ; i+4 <= i1; i += 4 {
			e += p.dot4(i, u[i-i0:i-i0+4])
		}
		for ; i < i1; i++ {
			e += p.setU(i, p.o.dot(p.k[i*m:(i+1)*m], p.v), &u[i-i0])
		}
		relaxVec(p.o, p.relax.w, u, p.u[i0:i1], tmp[:len(u)])
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
	m := p.m
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
	m := p.m
	k := p.k[i*m : (i+4)*m]
	p.o.axpy4(u[0], u[1], u[2], u[3], k[:m], k[m:2*m], k[2*m:3*m], k[3*m:], acc[:m])
}

// colBlocks sums K^T u over the row blocks for the columns of blocks
// c0..c1-1 (in block order, into the first block's partial) and sets
// their v = b / (K^T u), over-relaxed, with each column block's marginal
// error. The sums and the update run over the blocks' columns together
// (one kernel call per row block and one relaxation, not one per column
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
	if p.relax.w == 1 {
		for j, bj := range b {
			v[j] = safeDiv(bj, ktu[j])
		}
		return
	}
	vnew := p.vnew[j0:j1]
	for j, bj := range b {
		vnew[j] = safeDiv(bj, ktu[j])
	}
	relaxVec(p.o, p.relax.w, vnew, v, p.tmp[j0:j1])
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
	m := p.m
	col, dots := p.colSums[blk*m:(blk+1)*m], p.colDots[blk*m:(blk+1)*m]
	clear(col)
	clear(dots)
	uv, zero := p.ktu[blk][:m], p.tmp[:m] // scratch; plan cleared tmp
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

// relaxRows is the number of rows of K whose u rowBlock computes (and
// over-relaxes) together: 8 rows of 512 float64 fill two thirds of L1.
const relaxRows = 8

// sinkhornLog runs the iterations on the dual potentials f and g (in
// units of reg), stabilised as in Schmitzer's "Stabilized sparse scaling
// algorithms for entropy regularized transport problems" (2019): an exact
// log-domain iteration, f_i = log a_i - LSE_j(g_j + p_ij) then g_j =
// log b_j - LSE_i(f_i + p_ij), recentres the potentials; then scaling
// iterations run on the stabilised kernel exp(p_ij + f_i + g_j), whose
// entries are at most about 1, until their scalings u, v leave
// [e^-B, e^B] (B = absorbBound); then log u and log v are absorbed into f
// and g and the next exact iteration recentres. In exact arithmetic this
// is the log-domain sequence; in floating point it works for any Reg, at
// about the cost of the scaling iterations. p holds -cost/reg on entry;
// it leaves exp(f_i + g_j + p_ij) in p.
func sinkhornLog[T float32 | float64](w *OTWork, o *ops[T], p, a, b []T, opts SinkhornOptions) SinkhornResult {
	n, m := len(a), len(b)
	ls := newLogStep(w, o, p, a, b)
	kt := floats[T](w).take(n * m)
	pass := newSinkhornPass(w, o, kt, a, m)
	pass.relax = newRelax(opts.Overrelax)
	vOld := floats[T](w).take(m)
	bound := absorbBound[T]()
	var res SinkhornResult
	for !res.Converged && res.Iterations < opts.MaxIter {
		ls.step()
		res.Iterations++
		ls.kernel(kt)
		flushSubnormal(kt)
		fill(pass.u, 1)
		fill(pass.v, 1)
		pass.colErr = 0 // the exact step leaves the columns exact
		for {
			e := pass.run()
			if e <= opts.Tol {
				res.Converged = true
				break
			}
			pass.relax.observe(e)
			if res.Iterations == opts.MaxIter {
				break
			}
			copy(vOld, pass.v)
			pass.update(b)
			if !inRange(pass.u, bound) || !inRange(pass.v, bound) {
				// Undo this update and recentre from the last
				// scalings in range.
				pass.u, pass.unew = pass.unew, pass.u
				copy(pass.v, vOld)
				break
			}
			res.Iterations++
		}
		ls.absorb(ls.f, pass.u, a)
		ls.absorb(ls.g, pass.v, b)
	}
	ls.kernel(p)
	return res
}

// absorbBound is B of sinkhornLog: the scalings stay within e^±B, so that
// their products with the kernel's entries stay far from overflow.
func absorbBound[T float32 | float64]() float64 {
	if is64[T]() {
		return 150
	}
	return 20
}

// inRange reports whether every x is finite and zero or within
// [e^-bound, e^bound].
func inRange[T float32 | float64](x []T, bound float64) bool {
	lo, hi := math.Exp(-bound), math.Exp(bound)
	for _, v := range x {
		if f := float64(v); f != 0 && !(f >= lo && f <= hi) {
			return false
		}
	}
	return true
}

// logStep holds the exact log-domain iteration of sinkhornLog.
type logStep[T float32 | float64] struct {
	o                   *ops[T]
	p                   []T // -cost/reg
	m                   int
	la, lb, f, g        []T
	colMax, colSum, tmp []T
}

func newLogStep[T float32 | float64](w *OTWork, o *ops[T], p, a, b []T) *logStep[T] {
	n, m := len(a), len(b)
	ft := floats[T](w)
	s := logStepOf[T](w)
	*s = logStep[T]{o: o, p: p, m: m, la: ft.take(n), lb: ft.take(m), f: ft.take(n), g: ft.take(m),
		colMax: ft.take(m), colSum: ft.take(m), tmp: ft.take(m)}
	o.log(s.la, a)
	o.log(s.lb, b)
	return s
}

// step sets f_i = log a_i - LSE_j(g_j + p_ij), then g_j = log b_j -
// LSE_i(f_i + p_ij).
func (s *logStep[T]) step() {
	o, p, m := s.o, s.p, s.m
	f, g := s.f, s.g
	for i := range f {
		f[i] = s.la[i] - logSumExpShifted(o, p[i*m:(i+1)*m], g, s.tmp)
	}
	// Column log-sum-exp, one row at a time: first the maxima, then the
	// shifted sums.
	colMax, colSum, tmp := s.colMax, s.colSum, s.tmp
	fill(colMax, T(math.Inf(-1)))
	for i, fi := range f {
		for j, v := range p[i*m : (i+1)*m] {
			colMax[j] = max(colMax[j], fi+v)
		}
	}
	clear(colSum)
	for i, fi := range f {
		row := p[i*m : (i+1)*m]
		for j := range tmp {
			tmp[j] = fi + row[j] - colMax[j]
		}
		o.exp(tmp, tmp)
		for j, t := range tmp {
			if !math.IsInf(float64(colMax[j]), -1) {
				colSum[j] += t
			}
		}
	}
	for j := range g {
		if math.IsInf(float64(colMax[j]), -1) {
			g[j] = colMax[j]
			continue
		}
		g[j] = s.lb[j] - (colMax[j] + T(math.Log(float64(colSum[j]))))
	}
}

// kernel writes exp(p_ij + f_i + g_j) to k (which may be p).
func (s *logStep[T]) kernel(k []T) {
	m := s.m
	for i, fi := range s.f {
		row, out := s.p[i*m:(i+1)*m], k[i*m:(i+1)*m]
		for j, gj := range s.g {
			out[j] = row[j] + fi + gj
		}
		s.o.exp(out, out)
	}
}

// absorb adds log x to the potential pot where the mass w is positive
// (a row or column without mass keeps its potential; its scaling is 0).
func (s *logStep[T]) absorb(pot, x, w []T) {
	for i, xi := range x {
		if w[i] > 0 {
			pot[i] += T(math.Log(float64(xi)))
		}
	}
}

// logSumExpShifted returns log sum_j exp(g_j + p_j), using tmp (len(g)) as
// scratch. Terms of -Inf contribute nothing; if all are -Inf it returns
// -Inf.
func logSumExpShifted[T float32 | float64](o *ops[T], p, g, tmp []T) T {
	mx := T(math.Inf(-1))
	for j, v := range p {
		mx = max(mx, g[j]+v)
	}
	if math.IsInf(float64(mx), -1) {
		return mx
	}
	for j, v := range p {
		tmp[j] = g[j] + v - mx
	}
	o.exp(tmp, tmp)
	return mx + T(math.Log(float64(o.sum(tmp))))
}

// relax is the over-relaxation of Sinkhorn's updates
// (SinkhornOptions.Overrelax): the factor w of the next update, and what
// chooses and guards it.
//
// OverrelaxAuto starts from plain iterations, whose marginal error falls
// at a rate k; the linearised iteration's optimal factor is then
// 2/(1 + sqrt(1 - k)) (Thibault et al.; Young's theory of successive
// over-relaxation, which applies because the iteration alternates between
// u and v). But k grows as the plan forms (on the benchmark problem with
// 400 points, Reg 0.01, the Rayleigh quotient of successive updates of
// log u rose from 0.90 at the tenth iteration to 0.95 near the fixed
// point; 0.97 with Reg 0.003), so a factor from the warm-up alone is too
// small (67 iterations at 512 points where the best fixed factor takes
// 36). The controller therefore keeps measuring: over every window of
// relaxWindow over-relaxed iterations it takes the rate r of the error
// and, by Young's relation between the
// rates of plain and over-relaxed iterations, (r + w - 1)^2 = r w^2 k,
// the plain rate k it implies, and raises w to that k's optimal factor
// when it is larger. A window starts relaxSkip iterations after w
// changed, past the change's transient. Above the optimal factor the
// over-relaxed rate is w - 1, which implies the k of w itself, so w
// settles rather than climbs.
type relax struct {
	w     float64
	auto  bool
	ref   float64 // the error at the start of the window (auto)
	start int     // the observation that starts the window, which ends relaxWindow later (auto)
	seen  int     // errors observed
	best  float64 // the smallest error observed
}

// The controller's iteration counts. In a sweep of 32 problems (100 and
// 400 points of the unit square, squared distances, uniform and random
// marginals, Reg 0.003 to 0.1, a marginal error of 1e-6), warm-ups of 8
// to 12, windows of 6 to 10 and skips of 4 or 6 took 1479 to 1611
// iterations in total (skips of 2: up to 1664), these the fewest; the best
// fixed factor of each problem, chosen afterwards, took 1281, and the
// warm-up's factor alone (20 plain iterations, no windows) 2444. The
// largest factor, relaxMax, matters only on the slowest problems (the
// sweep's totals were the same with 1.9, 1.95 and 1.98): on fisherflow's
// OT couplings (batches of 512, Reg 0.05), whose plain iterations often
// stop at 1000 short of 1e-6, the windows raise w to the cap within 100
// iterations, and 1.95 left fewer of them unconverged than 1.9.
const (
	relaxWarm   = 8    // plain iterations; the rate of their second half sets w
	relaxWindow = 6    // over-relaxed iterations per measured rate
	relaxSkip   = 4    // iterations after a change of w before a window
	relaxMax    = 1.95 // the largest factor
)

// newRelax returns the relax of an Overrelax option.
func newRelax(opt float64) relax {
	r := relax{w: 1, best: math.Inf(1)}
	switch {
	case opt == OverrelaxAuto:
		r.auto = true
	case opt > 1:
		r.w = opt
	}
	return r
}

// optimalRelax is the optimal factor of iterations whose plain rate is k
// (0 < k < 1), at most relaxMax.
func optimalRelax(k float64) float64 {
	return min(2/(1+math.Sqrt(1-k)), relaxMax)
}

// observe takes the marginal error before the next update: it sets and
// raises w from the errors' rates (auto), and returns w to 1 for good
// when the error has risen above ten times the smallest.
func (r *relax) observe(e float64) {
	i := r.seen
	r.seen++
	r.best = min(r.best, e)
	if r.w != 1 && !(e <= 10*r.best) {
		r.w, r.auto = 1, false
		return
	}
	if !r.auto {
		return
	}
	switch {
	case i == relaxWarm/2:
		r.ref = e
	case i == relaxWarm:
		k := math.Pow(e/r.ref, 1/float64(relaxWarm-relaxWarm/2))
		if !(k > 0 && k < 1) {
			// Not converging: stay plain, and stop choosing.
			r.auto = false
			return
		}
		r.w = optimalRelax(k)
		r.start = i + relaxSkip
	case i < relaxWarm || i < r.start: // the warm-up, or w's transient
	case i == r.start:
		r.ref = e
	case i == r.start+relaxWindow:
		rate := math.Pow(e/r.ref, 1/float64(relaxWindow))
		r.ref, r.start = e, i // the next window, unless w changes
		if !(rate > 0 && rate < 1) {
			return
		}
		// Young: sqrt(k) = (rate + w - 1) / (w sqrt(rate)).
		mu := (rate + r.w - 1) / (r.w * math.Sqrt(rate))
		if w := optimalRelax(mu * mu); mu < 1 && w > r.w {
			r.w, r.start = w, i+relaxSkip
		}
	}
}

// relaxVec over-relaxes the updates new of the scalings old in place
// with the factor w: new = old^(1-w) new^w = old exp(w log(new/old)), by
// o's relax kernel where it has one, else through the vector Log and Exp
// of o with tmp (len(new)) as scratch (the same bits either way). Where
// either is 0 (a row or column without mass keeps a zero scaling) new
// stays; w = 1 changes nothing.
func relaxVec[T float32 | float64](o *ops[T], w float64, new, old, tmp []T) {
	if w == 1 {
		return
	}
	if o.relax != nil {
		o.relax(new, old, T(w))
		return
	}
	for j, v := range new {
		tmp[j] = 1
		if v != 0 && old[j] != 0 {
			tmp[j] = v / old[j]
		}
	}
	o.log(tmp, tmp)
	o.scale(T(w), tmp)
	o.exp(tmp, tmp)
	for j, v := range new {
		if v != 0 && old[j] != 0 {
			new[j] = old[j] * tmp[j]
		}
	}
}

// safeDiv returns x/y, and 0 when x is 0: a row or column without mass
// stays empty even if its kernel row underflowed to zero.
func safeDiv[T float32 | float64](x, y T) T {
	if x == 0 {
		return 0
	}
	return x / y
}

func allFinite[T float32 | float64](x []T) bool {
	for _, v := range x {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}
