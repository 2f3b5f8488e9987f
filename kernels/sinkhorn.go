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
}

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
// plain error for an invalid Reg, MaxIter or Tol. It panics if len(cost) or
// len(plan) is not len(a)*len(b).
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
	if err != nil {
		return res, err
	}
	res.MarginalError = marginalError(plan, a, b, w.f64.take(m))
	return res, nil
}

func sinkhorn[T float32 | float64](w *OTWork, o *ops[T], plan, cost, a, b []T, opts SinkhornOptions) (SinkhornResult, error) {
	// plan first holds -cost/reg (and K = exp of it in the scaling form).
	o.axpy(T(-1/opts.Reg), cost, zeroed(plan))
	if opts.LogDomain {
		return sinkhornLog(w, o, plan, a, b, opts), nil
	}
	return sinkhornScaling(w, o, plan, a, b, opts)
}

// zeroed clears x and returns it.
func zeroed[T float32 | float64](x []T) []T {
	clear(x)
	return x
}

// sinkhornScaling runs u = a/(K v), v = b/(K^T u) with K = exp(-cost/reg)
// held in k, and leaves diag(u) K diag(v) in k. Each iteration makes one
// pass over K (sinkhornPass): row i gives (K v)_i, then u_i, then adds
// u_i K_i to K^T u while the row is in cache.
func sinkhornScaling[T float32 | float64](w *OTWork, o *ops[T], k, a, b []T, opts SinkhornOptions) (SinkhornResult, error) {
	m := len(b)
	o.exp(k, k)
	flushSubnormal(k)
	p := newSinkhornPass(w, o, k, a, m)
	fill(p.v, 1)
	var res SinkhornResult
	for it := 0; ; it++ {
		// The column marginals are exact after the v update; the row
		// marginals of diag(u) K diag(v) are u*(K v).
		if e := p.run(); it > 0 && e <= opts.Tol {
			res.Converged = true
			break
		}
		if it == opts.MaxIter {
			break
		}
		res.Iterations++
		p.update(b)
		if !allFinite(p.u) || !allFinite(p.v) {
			return res, fmt.Errorf("kernels.Sinkhorn: %w at iteration %d: cost/Reg spans more than exp can represent; use LogDomain or a larger Reg", ErrNumerical, res.Iterations)
		}
	}
	for i, ui := range p.u {
		row := k[i*m : (i+1)*m]
		for j, vj := range p.v {
			row[j] *= ui * vj
		}
	}
	return res, nil
}

// flushSubnormal sets the subnormal entries of x to zero. Subnormal
// entries of K carry fewer than 24 (float32) or 53 (float64) bits, and
// every multiplication by one takes a microcode assist on x86 (about 100
// cycles): with Reg 0.01 a float32 K of squared distances in the unit
// square is a fifth subnormal, which made the iterations 5x slower.
func flushSubnormal[T float32 | float64](x []T) {
	tiny := T(0x1p-126)
	if is64[T]() {
		tiny = T(0x1p-1022)
	}
	for i, v := range x {
		if v < tiny {
			x[i] = 0
		}
	}
}

// sinkhornParallelMin is the size of K from which the scaling iterations
// use several threads.
const sinkhornParallelMin = 1 << 15

// sinkhornPass is one scaling iteration over K, as a par.Worker over
// blocks of rows. The blocks are fixed by n alone and each keeps its own
// partial K^T u and marginal error, summed in block order, so results do
// not depend on the number of threads or on which thread ran a block.
type sinkhornPass[T float32 | float64] struct {
	o       *ops[T]
	k, a    []T
	m       int
	u, v    []T       // the scalings
	unew    []T       // the u this pass computes
	blocks  []int     // row ranges blocks[i]..blocks[i+1]
	ktu     [][]T     // per block: sum over its rows of u_i K_i
	errs    []float64 // per block: sum over its rows of |u_i (K v)_i - a_i|
	threads int
	phase   par.Phase
}

// newSinkhornPass readies w's pass of T over the n x m kernel k
// (n = len(a)), with its buffers from w's arenas.
func newSinkhornPass[T float32 | float64](w *OTWork, o *ops[T], k, a []T, m int) *sinkhornPass[T] {
	n := len(a)
	nb := min(16, max(1, n/32))
	ft := floats[T](w)
	p := passOf[T](w)
	p.o, p.k, p.a, p.m = o, k, a, m
	p.u, p.v, p.unew = ft.take(n), ft.take(m), ft.take(n)
	p.errs, p.threads = w.f64.take(nb), 1
	if n*m >= sinkhornParallelMin {
		p.threads = kernelThreads()
	}
	p.blocks = w.ints.take(nb + 1)
	for i := range p.blocks {
		p.blocks[i] = i * n / nb
	}
	p.ktu = p.ktu[:0]
	for range nb {
		p.ktu = append(p.ktu, ft.take(m))
	}
	return p
}

// run makes the pass and returns the L1 error of the row marginals of
// diag(u) K diag(v) for the u and v it started from.
func (p *sinkhornPass[T]) run() float64 {
	par.For(p.threads, len(p.blocks)-1, p, 0, &p.phase)
	var e float64
	for _, be := range p.errs {
		e += be
	}
	return e
}

// update makes the pass's u current and sets v = b / (K^T u).
func (p *sinkhornPass[T]) update(b []T) {
	p.u, p.unew = p.unew, p.u
	ktu := p.ktu[0]
	for _, part := range p.ktu[1:] {
		p.o.axpy(1, part, ktu)
	}
	for j, bj := range b {
		p.v[j] = safeDiv(bj, ktu[j])
	}
}

// Work runs blocks lo..hi.
func (p *sinkhornPass[T]) Work(_, _, lo, hi int) {
	m := p.m
	for blk := lo; blk < hi; blk++ {
		acc := p.ktu[blk]
		clear(acc)
		var e float64
		for i := p.blocks[blk]; i < p.blocks[blk+1]; i++ {
			row := p.k[i*m : (i+1)*m]
			kv := p.o.dot(row, p.v)
			e += math.Abs(float64(p.u[i])*float64(kv) - float64(p.a[i]))
			ui := safeDiv(p.a[i], kv)
			p.unew[i] = ui
			p.o.axpy(ui, row, acc)
		}
		p.errs[blk] = e
	}
}

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
		for {
			if pass.run() <= opts.Tol {
				res.Converged = true
				break
			}
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
