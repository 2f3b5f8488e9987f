//go:build race

package kernels_test

// raceEnabled reports a -race build, whose instrumentation allocates.
const raceEnabled = true
