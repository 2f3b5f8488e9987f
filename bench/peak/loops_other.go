//go:build purego || !amd64

package peak

// loops is empty where no FMA probe is generated yet.
func loops() []loop { return nil }

// triadLoop is the Go triad where no loop is generated.
func triadLoop() func(a, b, c []float64, s float64) { return triadGo }
