package kernels

import (
	"math"
)

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
	pass := newSinkhornPass(w, o, kt, a, b, opts.Overrelax)
	vOld := floats[T](w).take(m)
	bound := absorbBound[T]()
	var res SinkhornResult
	for !res.Converged && res.Iterations < opts.MaxIter {
		ls.step()
		res.Iterations++
		ls.kernel(kt)
		flushSubnormal(kt)
		pass.start() // the exact step leaves the columns exact
		for {
			e := pass.run()
			if e <= opts.Tol {
				res.Converged = true
				break
			}
			pass.overrelaxer.observe(e)
			if res.Iterations == opts.MaxIter {
				break
			}
			copy(vOld, pass.v)
			pass.update()
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

// newLogStep readies w's log-domain step of T for p = -cost/reg and the
// marginals a and b, with log a and log b taken and zero potentials.
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
