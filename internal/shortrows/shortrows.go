// Package shortrows holds the switch that turns off the kernels' short-row
// paths (the sphere kernels on rows of d <= 8 across rows), so that tests
// and benchmarks can measure a SIMD path with and without them in one run.
// It is not part of the public API.
package shortrows

import "sync/atomic"

// Off, when set, makes the SIMD paths run rows of d <= 8 by the generic
// loops, as before the short-row kernels.
var Off atomic.Bool
