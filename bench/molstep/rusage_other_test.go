//go:build !unix

package molstep

import "time"

// cpuTime is unknown here.
func cpuTime() time.Duration { return 0 }
