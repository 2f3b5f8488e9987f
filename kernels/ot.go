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

// massSum returns the sum of the masses v (marginal name of function fn),
// or an error wrapping ErrMarginals if v is empty, has a negative or
// non-finite mass, or no mass at all.
func massSum[T Float](fn, name string, v []T) (float64, error) {
	if len(v) == 0 {
		return 0, fmt.Errorf("kernels.%s: %w: %s is empty", fn, ErrMarginals, name)
	}
	var sum float64
	for i, x := range v {
		f := float64(x)
		if !(f >= 0 && f <= math.MaxFloat64) {
			return 0, fmt.Errorf("kernels.%s: %w: %s[%d] = %v is not a finite non-negative mass", fn, ErrMarginals, name, i, f)
		}
		sum += f
	}
	if !(sum > 0) {
		return 0, fmt.Errorf("kernels.%s: %w: %s has no mass", fn, ErrMarginals, name)
	}
	return sum, nil
}

// validateOT checks the marginals and the cost matrix and returns the sums
// of a and b.
func validateOT[T Float](fn string, cost, a, b []T) (sa, sb float64, err error) {
	if sa, err = massSum(fn, "a", a); err != nil {
		return 0, 0, err
	}
	if sb, err = massSum(fn, "b", b); err != nil {
		return 0, 0, err
	}
	if math.Abs(sa-sb) > marginalSumTol[T]()*max(sa, sb) {
		return 0, 0, fmt.Errorf("kernels.%s: %w: sum(a) = %.17g != sum(b) = %.17g", fn, ErrMarginals, sa, sb)
	}
	if sumSquaresFinite(cost) {
		return sa, sb, nil
	}
	for i, c := range cost {
		if f := float64(c); math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, 0, fmt.Errorf("kernels.%s: %w: cost[%d,%d] = %v", fn, ErrCost, i/len(b), i%len(b), f)
		}
	}
	return sa, sb, nil
}

// sumSquaresFinite reports whether the sum of squares of x, by the vector
// Dot, is finite: then every x is finite (a NaN or an infinity makes the
// sum NaN or +Inf whatever the order of the additions). A false answer
// may also mean that the squares overflowed; the caller then checks x
// element by element. It is the fast test of the cost matrix, since the
// vector Dot runs far faster than a loop that tests each element.
func sumSquaresFinite[T Float](x []T) bool {
	var s float64
	if is64[T]() {
		s = impl64().dot(f64s(x), f64s(x))
	} else {
		s = float64(impl32().dot(f32s(x), f32s(x)))
	}
	return !math.IsNaN(s) && !math.IsInf(s, 0)
}

// marginalError returns sum_i |rowsum_i - a_i| + sum_j |colsum_j - b_j| of
// an n x m plan, in float64, with col (len(b), zeroed) as scratch.
func marginalError[T Float](plan, a, b []T, col []float64) float64 {
	m := len(b)
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

// zeroed clears x and returns it.
func zeroed[T float32 | float64](x []T) []T {
	clear(x)
	return x
}
