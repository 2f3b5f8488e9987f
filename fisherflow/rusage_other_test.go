//go:build !unix

package fisherflow

// peakRSS is unknown here.
func peakRSS() float64 { return 0 }
