//go:build !race

package fisherflow

// raceEnabled reports a -race build, whose instrumentation allocates.
const raceEnabled = false
