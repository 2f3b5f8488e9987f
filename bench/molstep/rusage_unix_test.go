//go:build unix

package molstep

import (
	"syscall"
	"time"
)

// cpuTime returns the user and system time of the process so far (all
// threads), 0 if unknown.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
