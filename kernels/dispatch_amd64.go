//go:build !purego

package kernels

import "github.com/fisherflow/fisherflow/internal/cpu"

// archPaths returns the amd64 SIMD paths, best first: AVX-512 (F, DQ,
// BW, VL) and AVX2 with FMA, both from the generated assembly. Each
// family's generator writes the functions that fill its prims
// (F_amd64.go for each family F). The bfloat16 kernels of the AVX-512
// path take AVX512_BF16 where the CPU has it, and are the AVX2 path's
// (AVX2 conversions, generic micro-kernel) where it does not.
func archPaths() []*path {
	f := cpu.Detected()
	avx512 := simdPath("avx512", func() bool { return f.AVX512 && f.AVX2FMA },
		elementwisePrimsAVX512, level1PrimsAVX512, normPrimsAVX512,
		spherePrimsAVX512, simplexPrimsAVX512, shortrowPrimsAVX512, gemmPrimsAVX512)
	avx2 := simdPath("avx2", func() bool { return f.AVX2FMA },
		elementwisePrimsAVX2, level1PrimsAVX2, normPrimsAVX2,
		spherePrimsAVX2, simplexPrimsAVX2, shortrowPrimsAVX2, gemmPrimsAVX2)
	avx2.bf16 = bf16OpsAVX2()
	avx512.bf16 = avx2.bf16
	if f.AVX512BF16 {
		avx512.bf16 = bf16OpsAVX512BF16()
	}
	return []*path{avx512, avx2}
}
