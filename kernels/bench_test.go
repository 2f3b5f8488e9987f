package kernels_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/fisherflow/fisherflow/bench/peak"
	"github.com/fisherflow/fisherflow/kernels"
)

// Benchmarks are named Family/path/precision/shape so that benchstat can
// compare paths and commits; each reports GB/s (bytes read and written,
// via SetBytes) or GFLOP/s.

func benchPaths(b *testing.B, f func(b *testing.B)) {
	prev := kernels.Path()
	defer kernels.UsePath(prev)
	for _, p := range kernels.Paths() {
		if err := kernels.UsePath(p); err != nil {
			b.Fatal(err)
		}
		b.Run(p, f)
	}
}

// streamLen is the length from which a benchmark's arrays lie far beyond
// the caches (2^24 elements: 64 MiB of float32); such benchmarks report
// the triad bandwidth measured beside their timed loop (reportTriad).
const streamLen = 1 << 24

// triadArrays are bench/peak's triad arrays, made on first use.
var triadArrays = sync.OnceValue(func() [3][]float64 {
	var a [3][]float64
	for i := range a {
		a[i] = make([]float64, peak.TriadLen)
		for j := range a[i] {
			a[i][j] = float64(j%5 + i)
		}
	}
	return a
})

// triadBeside returns the one-thread triad bandwidth (bench/peak)
// measured now for 150 ms if n elements are at least streamLen, else 0.
// A streaming benchmark measures it before and after its timed loop and
// reports the larger (reportTriad): a dip in the triad would inflate the
// case's fraction of it.
func triadBeside(n int) float64 {
	if n < streamLen {
		return 0
	}
	a := triadArrays()
	return peak.TriadOn(a[0], a[1], a[2], 150*time.Millisecond)
}

// reportTriad reports, as "triad-GB/s", the larger of before (see
// triadBeside) and the triad measured now, if before is not 0: the report
// divides the benchmark's GB/s by it. Call it after b.Loop (whose first
// call deletes the metrics reported before it).
func reportTriad(b *testing.B, before float64, n int) {
	if before == 0 {
		return
	}
	b.ReportMetric(max(before, triadBeside(n)), "triad-GB/s")
}

func benchData[T kernels.Float](n int, lo, hi float64) []T {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	x := make([]T, n)
	for i := range x {
		x[i] = T(lo + (hi-lo)*r.Float64())
	}
	return x
}

func sizeOf[T kernels.Float]() int64 {
	if unit[T]() == 0x1p-24 {
		return 4
	}
	return 8
}

func precName[T kernels.Float]() string {
	if sizeOf[T]() == 4 {
		return "f32"
	}
	return "f64"
}

// elementwise benchmarks: n elements in, n out.
func benchUnary[T kernels.Float](b *testing.B, sizes []int, lo, hi float64, f func(dst, x []T)) {
	for _, n := range sizes {
		x := benchData[T](n, lo, hi)
		dst := make([]T, n)
		b.Run(fmt.Sprintf("%s/n=%d", precName[T](), n), func(b *testing.B) {
			b.SetBytes(2 * int64(n) * sizeOf[T]())
			// A first call outside the timing maps dst's pages: on a VM
			// the first touch of a large output can take longer than the
			// whole -benchtime, leaving one timed call that is mostly
			// page faults.
			f(dst, x)
			before := triadBeside(n)
			for b.Loop() {
				f(dst, x)
			}
			reportTriad(b, before, n)
		})
	}
}

var (
	// memSizes: in L1, in L2, about the L3, and far beyond the caches
	// (64 MiB of float32), where the kernels are bound by memory.
	memSizes  = []int{4096, 1 << 18, 1 << 22, 1 << 24}
	mathSizes = []int{4096, 1 << 18}
)
