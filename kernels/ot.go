package kernels

import (
	"errors"
	"fmt"
	"math"
)

// ErrMarginals is wrapped by the errors that Sinkhorn and EMD return for
// marginals that are negative, not finite, empty of mass, or of unequal
// sums.
var ErrMarginals = errors.New("invalid marginals")

// ErrCost is wrapped by the errors returned for a cost matrix with an
// entry that is NaN or infinite.
var ErrCost = errors.New("invalid cost matrix")

// checkOTLengths panics unless cost and plan hold len(a) x len(b) matrices.
func checkOTLengths(fn string, plan, cost, n, m int) {
	if cost != n*m {
		panicf("%s: len(cost)=%d != len(a)*len(b)=%d*%d", fn, cost, n, m)
	}
	if plan != n*m {
		panicf("%s: len(plan)=%d != len(a)*len(b)=%d*%d", fn, plan, n, m)
	}
}

// marginalSumTol is the relative difference allowed between the sums of
// the two marginals: rounding in the caller's normalisation, not more.
func marginalSumTol[T Float]() float64 {
	if is64[T]() {
		return 1e-6
	}
	return 1e-4
}

// validateOT checks the marginals and the cost matrix and returns the sums
// of a and b.
func validateOT[T Float](fn string, cost, a, b []T) (sa, sb float64, err error) {
	for _, side := range []struct {
		name string
		v    []T
		sum  *float64
	}{{"a", a, &sa}, {"b", b, &sb}} {
		if len(side.v) == 0 {
			return 0, 0, fmt.Errorf("kernels.%s: %w: %s is empty", fn, ErrMarginals, side.name)
		}
		for i, v := range side.v {
			f := float64(v)
			if !(f >= 0 && f <= math.MaxFloat64) {
				return 0, 0, fmt.Errorf("kernels.%s: %w: %s[%d] = %v is not a finite non-negative mass", fn, ErrMarginals, side.name, i, f)
			}
			*side.sum += f
		}
		if !(*side.sum > 0) {
			return 0, 0, fmt.Errorf("kernels.%s: %w: %s has no mass", fn, ErrMarginals, side.name)
		}
	}
	if math.Abs(sa-sb) > marginalSumTol[T]()*max(sa, sb) {
		return 0, 0, fmt.Errorf("kernels.%s: %w: sum(a) = %.17g != sum(b) = %.17g", fn, ErrMarginals, sa, sb)
	}
	for i, c := range cost {
		if f := float64(c); math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, 0, fmt.Errorf("kernels.%s: %w: cost[%d,%d] = %v", fn, ErrCost, i/len(b), i%len(b), f)
		}
	}
	return sa, sb, nil
}

// marginalError returns sum_i |rowsum_i - a_i| + sum_j |colsum_j - b_j| of
// an n x m plan, in float64.
func marginalError[T Float](plan, a, b []T) float64 {
	m := len(b)
	col := make([]float64, m)
	var e float64
	for i, ai := range a {
		var r float64
		for j, v := range plan[i*m : (i+1)*m] {
			r += float64(v)
			col[j] += float64(v)
		}
		e += math.Abs(r - float64(ai))
	}
	for j, bj := range b {
		e += math.Abs(col[j] - float64(bj))
	}
	return e
}
