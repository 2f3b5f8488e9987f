//go:build !purego

package kernels

import "github.com/fisherflow/fisherflow/internal/cpu"

// archPaths returns the amd64 SIMD paths, best first: AVX-512 (F, DQ,
// BW, VL) and AVX2 with FMA, both from the generated assembly. Each
// family's generator writes the functions that fill its prims
// (F_amd64.go for each family F).
func archPaths() []*path {
	f := cpu.Detected()
	return []*path{
		simdPath("avx512", func() bool { return f.AVX512 && f.AVX2FMA },
			primsOf(elementwisePrimsAVX512F32, level1PrimsAVX512F32, normPrimsAVX512F32,
				spherePrimsAVX512F32, simplexPrimsAVX512F32, gemmPrimsAVX512F32),
			primsOf(elementwisePrimsAVX512F64, level1PrimsAVX512F64, normPrimsAVX512F64,
				spherePrimsAVX512F64, simplexPrimsAVX512F64, gemmPrimsAVX512F64)),
		simdPath("avx2", func() bool { return f.AVX2FMA },
			primsOf(elementwisePrimsAVX2F32, level1PrimsAVX2F32, normPrimsAVX2F32,
				spherePrimsAVX2F32, simplexPrimsAVX2F32, gemmPrimsAVX2F32),
			primsOf(elementwisePrimsAVX2F64, level1PrimsAVX2F64, normPrimsAVX2F64,
				spherePrimsAVX2F64, simplexPrimsAVX2F64, gemmPrimsAVX2F64)),
	}
}
