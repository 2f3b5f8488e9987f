// Command bf16ratio measures, in one run, the ratios that issue 31 sets
// for the bfloat16 GEMM at 1024^3: GemmBF16 on one thread against the
// measured VDPBF16PS peak (bench/peak's 12 accumulators, and 24: on Zen
// 5, 12 chains of VDPBF16PS do not fill both pipes, as 24 do) and
// against the float32 Gemm, and on two threads against one. The machine may be shared, so each figure is the
// best of -rounds rounds that interleave all of them (the least
// disturbed round of each); ratios of figures from one run hold where
// absolute figures across runs do not.
//
//	go run ./bench/cmd/bf16ratio [-n 1024] [-rounds 7] [-time 300ms]
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/fisherflow/fisherflow/bench/peak"
	"github.com/fisherflow/fisherflow/kernels"
)

func main() {
	n := flag.Int("n", 1024, "the GEMM size (n x n x n)")
	rounds := flag.Int("rounds", 7, "interleaved rounds; each figure is the best")
	d := flag.Duration("time", 300*time.Millisecond, "time per figure and round")
	flag.Parse()
	if !kernels.HasBF16() {
		fmt.Fprintln(os.Stderr, "bf16ratio: this CPU (or path", kernels.Path(), ") has no VDPBF16PS")
		os.Exit(1)
	}
	r := rand.New(rand.NewPCG(1, 2))
	a, b, c := make([]float32, *n**n), make([]float32, *n**n), make([]float32, *n**n)
	for i := range a {
		a[i], b[i] = float32(r.Float64()*2-1), float32(r.Float64()*2-1)
	}
	gemm := func(bf16 bool, threads int) float64 {
		defer kernels.SetThreads(kernels.SetThreads(threads))
		call := func() {
			if bf16 {
				kernels.GemmBF16(false, false, *n, *n, *n, 1, a, *n, b, *n, 0, c, *n)
			} else {
				kernels.Gemm(false, false, *n, *n, *n, 1, a, *n, b, *n, 0, c, *n)
			}
		}
		call()
		calls, t0 := 0, time.Now()
		for time.Since(t0) < *d {
			call()
			calls++
		}
		return 2 * float64(*n) * float64(*n) * float64(*n) * float64(calls) / time.Since(t0).Seconds() / 1e9
	}
	names := []string{"VDPBF16PS peak, 1 thread", "VFMADD f32 peak, 1 thread", "GemmBF16, 1 thread", "Gemm f32, 1 thread", "GemmBF16, 2 threads", "Gemm f32, 2 threads", "VDPBF16PS x24 peak, 1 thread"}
	best := make([]float64, len(names))
	for round := 0; round < *rounds; round++ {
		bfPeak, _ := peak.Rate("avx512", "bf16", 1, *d)
		f32Peak, _ := peak.Rate("avx512", "f32", 1, *d)
		bf24Peak, _ := peak.Rate("avx512", "bf16x24", 1, *d)
		figs := []float64{bfPeak, f32Peak, gemm(true, 1), gemm(false, 1), gemm(true, 2), gemm(false, 2), bf24Peak}
		for i, v := range figs {
			best[i] = max(best[i], v)
		}
	}
	fmt.Printf("path %s, %dx%dx%d, best of %d interleaved rounds of %v:\n", kernels.Path(), *n, *n, *n, *rounds, *d)
	for i, nm := range names {
		fmt.Printf("  %-28s %7.1f GFLOP/s\n", nm, best[i])
	}
	fmt.Printf("GemmBF16 1 thread / VDPBF16PS peak: %5.1f%% (target >= 90%%)\n", 100*best[2]/best[0])
	fmt.Printf("GemmBF16 1 thread / x24 peak:       %5.1f%% (24 accumulators, as the micro-kernel has)\n", 100*best[2]/best[6])
	fmt.Printf("GemmBF16 / Gemm f32, 1 thread:      %5.2fx (target >= 1.8x)\n", best[2]/best[3])
	fmt.Printf("GemmBF16 2 threads / 1 thread:      %5.2fx (target >= 1.8x)\n", best[4]/best[2])
	fmt.Printf("Gemm f32 2 threads / 1 thread:      %5.2fx (for comparison)\n", best[5]/best[3])
}
