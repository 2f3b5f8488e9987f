//go:build !purego

package kernels

import "github.com/fisherflow/fisherflow/internal/cpu"

// archPaths returns the arm64 SIMD path: NEON (Advanced SIMD, part of
// every ARMv8-A core), from the assembly that asm/neon generates, composed
// by simdOps as on amd64. Each family's generator writes the functions
// that fill its prims (F_arm64.go for each family F). ToSphere's fast
// row (sumMin, rootQuot) is float32 only (asm/neon's rootQuot says why).
func archPaths() []*path {
	f := cpu.Detected()
	return []*path{simdPath("neon", func() bool { return f.ASIMD },
		elementwisePrimsNEON, level1PrimsNEON, normPrimsNEON,
		spherePrimsNEON, simplexPrimsNEON, gemmPrimsNEON)}
}
