package kernels_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

// Gemm shapes: squares, and the BestMLP layers at batch 512 (K = 160:
// 4K+64 = 704 inputs, 512 hidden) with the transposed products of backprop.
var gemmShapes = []struct {
	name    string
	tA, tB  bool
	m, n, k int
}{
	{"square", false, false, 64, 64, 64},
	{"square", false, false, 128, 128, 128},
	{"square", false, false, 256, 256, 256},
	{"square", false, false, 512, 512, 512},
	{"square", false, false, 1024, 1024, 1024},
	{"square", false, false, 2048, 2048, 2048},
	{"mlp-fwd", false, true, 512, 512, 704},
	{"mlp-fwd", false, true, 512, 512, 576},
	{"mlp-dx", false, false, 512, 704, 512},
	{"mlp-dw", true, false, 512, 704, 512},
}

func benchGemm[T kernels.Float](b *testing.B) {
	for _, s := range gemmShapes {
		ar, ac := s.m, s.k
		if s.tA {
			ar, ac = s.k, s.m
		}
		br, bc := s.k, s.n
		if s.tB {
			br, bc = s.n, s.k
		}
		a, bm, c := benchData[T](ar*ac, -1, 1), benchData[T](br*bc, -1, 1), make([]T, s.m*s.n)
		name := fmt.Sprintf("%s/%s/%dx%dx%d", s.name, precName[T](), s.m, s.n, s.k)
		if s.tA || s.tB {
			name += fmt.Sprintf("/t%s", map[[2]bool]string{{true, false}: "A", {false, true}: "B", {true, true}: "AB"}[[2]bool{s.tA, s.tB}])
		}
		for _, th := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("%s/threads=%d", name, th), func(b *testing.B) {
				if kernels.Path() == "generic" && s.m*s.n*s.k > 1<<30 {
					b.Skip("the generic loops take seconds per call at this size")
				}
				defer kernels.SetThreads(kernels.SetThreads(th))
				// An untimed first call maps c's fresh pages and grows the
				// pooled packing buffers (as benchUnary: at 2048 a call
				// takes about -benchtime, so one timed call was all).
				kernels.Gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, ac, bm, bc, 0, c, s.n)
				for b.Loop() {
					kernels.Gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, ac, bm, bc, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			if runtime.GOMAXPROCS(0) == 1 {
				break
			}
		}
	}
}

func BenchmarkGemm(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchGemm[float32](b)
		benchGemm[float64](b)
		benchGemmBF16(b)
	})
}

// benchGemmBF16 is benchGemm for GemmBF16 (precision bf16: float32 in
// memory, bfloat16 products). Without VDPBF16PS (kernels.HasBF16) it
// runs the generic micro-kernel, and only the small squares.
func benchGemmBF16(b *testing.B) {
	for _, s := range gemmShapes {
		ar, ac := s.m, s.k
		if s.tA {
			ar, ac = s.k, s.m
		}
		br, bc := s.k, s.n
		if s.tB {
			br, bc = s.n, s.k
		}
		a, bm, c := benchData[float32](ar*ac, -1, 1), benchData[float32](br*bc, -1, 1), make([]float32, s.m*s.n)
		name := fmt.Sprintf("%s/bf16/%dx%dx%d", s.name, s.m, s.n, s.k)
		if s.tA || s.tB {
			name += fmt.Sprintf("/t%s", map[[2]bool]string{{true, false}: "A", {false, true}: "B", {true, true}: "AB"}[[2]bool{s.tA, s.tB}])
		}
		for _, th := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("%s/threads=%d", name, th), func(b *testing.B) {
				if !kernels.HasBF16() && s.m*s.n*s.k > 128*128*128 {
					b.Skip("without VDPBF16PS the generic bfloat16 loops take seconds per call at this size")
				}
				defer kernels.SetThreads(kernels.SetThreads(th))
				kernels.GemmBF16(s.tA, s.tB, s.m, s.n, s.k, 1, a, ac, bm, bc, 0, c, s.n)
				for b.Loop() {
					kernels.GemmBF16(s.tA, s.tB, s.m, s.n, s.k, 1, a, ac, bm, bc, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			if runtime.GOMAXPROCS(0) == 1 {
				break
			}
		}
	}
}
