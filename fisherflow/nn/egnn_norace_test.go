//go:build !race

package nn

// egnnRace reports a -race build, whose instrumentation allocates.
const egnnRace = false
