//go:build unix

package fisherflow

import (
	"runtime"
	"syscall"
)

// peakRSS returns the peak resident memory of the process in bytes (0 if
// unknown): getrusage's ru_maxrss, in KiB on Linux and bytes on macOS.
func peakRSS() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return float64(ru.Maxrss)
	}
	return float64(ru.Maxrss) * 1024
}
