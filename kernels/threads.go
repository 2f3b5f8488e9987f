package kernels

import (
	"runtime"
	"sync/atomic"
)

// threads is the number of goroutines a Gemm, convolution, ColumnSums or
// Sinkhorn call may use; 0 means GOMAXPROCS. It is configuration read by
// every call, like the active path.
var threads atomic.Int64

// SetThreads sets the number of goroutines Gemm, the convolutions,
// ColumnSums and Sinkhorn use per call (n <= 0 restores the default, GOMAXPROCS) and returns the previous
// setting. Results do not depend on it.
//
// The extra goroutines come from a pool that starts on first use and
// stays. After a call, its workers keep polling for the next one for up
// to half a millisecond (yielding to any other runnable goroutine), so
// that the calls of a training step do not each pay for waking them; a
// program that makes one call now and then pays at most that half
// millisecond of a core per call. SetThreads(1) runs everything on the
// calling goroutine.
func SetThreads(n int) int {
	return int(threads.Swap(int64(max(n, 0))))
}

// kernelThreads returns the number of goroutines a call may use.
func kernelThreads() int {
	if n := int(threads.Load()); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}
