package kernels

import (
	"errors"
	"fmt"
	"math"
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
// over-relaxation factor from the iterations' own rates, as described
// there. Where plain iterations converge slowly (small Reg), it needs far
// fewer of them; each costs a little more (a vector Log and Exp of the
// n + m scalings). BENCHMARKS.md has the counts and times.
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
// matrix, writing it to plan (n x m); opts.LogDomain and opts.Overrelax
// choose how it iterates, not what it converges to.
//
// The iterations stop when the L1 marginal error (SinkhornResult)
// falls to opts.Tol, checked every iteration at no extra cost, or after
// opts.MaxIter iterations; non-convergence is reported in the result, not
// as an error. At convergence <plan, cost> exceeds the exact transport
// cost (EMD's) by at most Reg*sum(a)*log(n*m), up to a term of the order
// of the marginal error times the largest |cost|.
//
// It returns an error wrapping ErrMarginals if a or b has a negative or
// non-finite entry or no mass, or if their sums differ by more than a
// relative 1e-6 (float64) or 1e-4 (float32); ErrCost for a NaN or infinite
// cost; ErrNumerical if the scaling iterations (without LogDomain) leave
// the range of T; and a plain error for a Reg that is not positive and
// finite, a negative MaxIter or Tol, or an Overrelax that is not 0,
// OverrelaxAuto or in [1, 2). It panics if len(cost) or len(plan) is not
// len(a)*len(b).
func Sinkhorn[T Float](plan, cost, a, b []T, opts SinkhornOptions) (SinkhornResult, error) {
	return SinkhornWith(new(OTWork), plan, cost, a, b, opts)
}

// SinkhornWith is Sinkhorn with its scratch memory in w, so that repeated
// solves allocate nothing (see OTWork). Its results, bits included, and
// its errors are Sinkhorn's.
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
	if is64[T]() {
		return sinkhorn(w, impl64(), f64s(plan), f64s(cost), f64s(a), f64s(b), opts)
	}
	return sinkhorn(w, impl32(), f32s(plan), f32s(cost), f32s(a), f32s(b), opts)
}

// sinkhorn solves the validated problem with T's kernels o, in the log
// domain (sinkhornLog) or the scaling form (sinkhornScaling).
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

// sinkhornScaling runs u = a/(K v), v = b/(K^T u) with K = exp(-cost/reg)
// held in k, and leaves diag(u) K diag(v) in k, with its marginal error in
// the result. Each iteration makes one pass over K (sinkhornPass): row i
// gives (K v)_i, then u_i, then adds u_i K_i to K^T u while the row is in
// cache.
func sinkhornScaling[T float32 | float64](w *OTWork, o *ops[T], k, cost, a, b []T, opts SinkhornOptions) (SinkhornResult, error) {
	p := newSinkhornPass(w, o, k, a, b, opts.Overrelax)
	p.kernel(cost, opts.Reg)
	p.start()
	var res SinkhornResult
	for it := 0; ; it++ {
		// The error of the u and v before this pass: the rows' (u*(K v)
		// against a), and the columns' after an over-relaxed update (a
		// plain one makes them exact).
		e := p.run()
		if it > 0 && e <= opts.Tol {
			res.Converged = true
			break
		}
		p.overrelaxer.observe(e)
		if it == opts.MaxIter {
			break
		}
		res.Iterations++
		p.update()
		if !allFinite(p.u) || !allFinite(p.v) {
			return res, fmt.Errorf("kernels.Sinkhorn: %w at iteration %d: cost/Reg spans more than exp can represent; use LogDomain or a larger Reg", ErrNumerical, res.Iterations)
		}
	}
	res.MarginalError = p.plan()
	return res, nil
}

// allFinite reports whether every x is finite.
func allFinite[T float32 | float64](x []T) bool {
	for _, v := range x {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}
