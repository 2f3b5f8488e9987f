package kernels

import "math"

// sinc returns sin(x)/x, with sinc(0) = 1. sin(x)/x is accurate to a few
// ULP for every x != 0 (for tiny x, sin(x) rounds to x and the ratio to 1),
// so no Taylor branch is needed.
func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(x) / x
}
