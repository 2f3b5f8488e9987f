package kernels

import "math"

// sinc returns sin(x)/x, with sinc(0) = 1. sin(x)/x is accurate to a few
// ULP for every x != 0 (for tiny x, sin(x) rounds to x and the ratio to 1),
// so no Taylor branch is needed.
func sinc(x float64) float64 { return sincOf(math.Sin(x), x) }

// sincOf returns sin(x)/x from s = sin(x), and 1 at x = 0: sinc, for
// callers that computed the sine already (the SIMD sphere kernels, a block
// of rows at a time).
func sincOf(s, x float64) float64 {
	if x == 0 {
		return 1
	}
	return s / x
}
