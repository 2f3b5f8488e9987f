package kernels

import "math"

// acos returns arccos(x) without the cancellation of pi/2 - asin(x) near
// |x| = 1: for |x| > 1/2 it uses acos(x) = 2*asin(sqrt((1-|x|)/2)), where
// 1-|x| is exact (Sterbenz) and the asin argument is at most 1/2.
func acos(x float64) float64 {
	a := math.Abs(x)
	if !(a > 0.5) { // also NaN
		return math.Pi/2 - math.Asin(x)
	}
	r := 2 * math.Asin(math.Sqrt((1-a)*0.5))
	if x < 0 {
		return math.Pi - r
	}
	return r
}

// sinc returns sin(x)/x, with sinc(0) = 1. sin(x)/x is accurate to a few
// ULP for every x != 0 (for tiny x, sin(x) rounds to x and the ratio to 1),
// so no Taylor branch is needed.
func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(x) / x
}

// atan2 is math.Atan2 with the quadrant taken from the sign of y rather
// than from the sign of atan(y/x): math.Atan2(-8.7e-282, -1.7e159) returns
// +pi because y/x underflows to +0.
func atan2(y, x float64) float64 {
	if x != x || y != y || x == 0 || y == 0 || math.IsInf(x, 0) || math.IsInf(y, 0) {
		return math.Atan2(y, x) // special values are right there
	}
	q := math.Atan(y / x)
	if x > 0 {
		return q
	}
	if math.Signbit(y) {
		return q - math.Pi
	}
	return q + math.Pi
}
