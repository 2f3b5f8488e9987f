package testutil

import "runtime"

// Allocated returns the bytes f allocates on the heap (TotalAlloc), so
// that a fuzz target can check a reader allocates in proportion to its
// input rather than to what a corrupted length field asks for.
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
