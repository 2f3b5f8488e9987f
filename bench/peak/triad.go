package peak

import (
	"sync"
	"time"
)

// TriadLen is the length of each triad array: 3 x 64 MiB of float64, far
// beyond the last-level cache of the machines this runs on.
const TriadLen = 1 << 23

// Bandwidth is a measured memory bandwidth in GB/s (10^9 bytes per
// second, counting the bytes read and written, as STREAM does).
type Bandwidth struct {
	Threads int
	GBps    float64
}

// Triad measures the STREAM triad a[i] = b[i] + s*c[i] on three arrays of
// TriadLen float64 (24 bytes per element) with the best vector loop this
// CPU supports, on 1 and on threads goroutines (each on its own part of
// the arrays), for about d each, and returns the best of three tries.
func Triad(threads int, d time.Duration) []Bandwidth {
	a, b, c := make([]float64, TriadLen), make([]float64, TriadLen), make([]float64, TriadLen)
	for i := range b {
		b[i], c[i] = 1, 2
	}
	fn := triadLoop()
	var out []Bandwidth
	for _, t := range []int{1, threads} {
		best := 0.0
		for try := 0; try < 3; try++ {
			best = max(best, triadRate(fn, a, b, c, t, d/3))
		}
		out = append(out, Bandwidth{Threads: t, GBps: best})
		if threads == 1 {
			break
		}
	}
	return out
}

// TriadOn measures the one-thread triad on the caller's arrays (a is
// written; b and c, at least as long, are read) and returns its mean rate
// over about d in GB/s: a benchmark of a streaming kernel calls it beside
// its timed loop, so that its fraction of the triad compares figures
// of the same minute (on a shared VM the triad moved by a third between
// runs of make bench), both means over a similar time. (Triad's best of
// three tries is STREAM's convention; on this VM it ran a median 1.6%
// above a single mean of the same length, 0.90-1.10 over 20 alternations.)
func TriadOn(a, b, c []float64, d time.Duration) float64 {
	return triadRate(triadLoop(), a, b, c, 1, d)
}

func triadRate(fn func(a, b, c []float64, s float64), a, b, c []float64, threads int, d time.Duration) float64 {
	passes := 0
	t0 := time.Now()
	for time.Since(t0) < d || passes == 0 {
		var wg sync.WaitGroup
		for i := 0; i < threads; i++ {
			lo, hi := i*len(a)/threads, (i+1)*len(a)/threads
			wg.Add(1)
			go func() {
				defer wg.Done()
				fn(a[lo:hi], b[lo:hi], c[lo:hi], 3)
			}()
		}
		wg.Wait()
		passes++
	}
	return float64(passes) * 24 * float64(len(a)) / time.Since(t0).Seconds() / 1e9
}

// triadGo is the triad in Go, for the architectures without a generated
// loop.
func triadGo(a, b, c []float64, s float64) {
	b, c = b[:len(a)], c[:len(a)]
	for i := range a {
		a[i] = b[i] + s*c[i]
	}
}
