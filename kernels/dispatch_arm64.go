//go:build !purego

package kernels

import "github.com/fisherflow/fisherflow/internal/cpu"

// archPaths returns the arm64 SIMD path: NEON (Advanced SIMD, part of
// every ARMv8-A core), from the assembly that asm/neon generates: the
// level-1 and elementwise primitives, the vector math functions (acos,
// atan2, sin, cos, exp, log, and Sinkhorn's relax and gibbs: the same
// operations as the generic ones, so the same bits), the row primitives of the sphere kernels and the GEMM
// micro-kernels, and the normalisation primitives (Moments, ScaleShift,
// AddColumnMoments), composed by simdOps as on amd64. ToSphere's fast row
// (sumMin, rootQuot) is float32 only (asm/neon's rootQuot says why).
func archPaths() []*path {
	f := cpu.Detected()
	return []*path{simdPath("neon", func() bool { return f.ASIMD },
		prims[float32]{
			sqrt: sqrtNEONF32, square: squareNEONF32,
			exp: expNEONF32, log: logNEONF32, sigmoid: sigmoidNEONF32, relax: relaxNEONF32, gibbs: gibbsNEONF32, acos: acosNEONF32, atan2: atan2NEONF32,
			sin: sinNEONF32, cos: cosNEONF32,
			dot: dotNEONF32, axpy: axpyNEONF32, scale: scaleNEONF32, sum: sumNEONF32,
			sumSq: sumSqNEONF32, diffSumSq: diffSumSqNEONF32,
			divSqrt: divSqrtNEONF32, rootQuot: rootQuotNEONF32, sumMin: sumMinNEONF32, divSquare: divSquareNEONF32,
			axpby: axpbyNEONF32, logMapRow: logMapRowNEONF32, rows64: neonVec64,
			scaleNeg: scaleNegNEONF32, adamW: adamWNEONF32,
			moments: momentsNEONF32, scaleShift: neonScaleShift(scaleShiftNEONF32), colMoments: neonColMoments(colMomentsNEONF32),
			gemm: microKernel[float32]{mr: 8, nr: 12, fn: gemmKernelNEONF32},
		},
		prims[float64]{
			sqrt: sqrtNEONF64, square: squareNEONF64,
			exp: expNEONF64, log: logNEONF64, sigmoid: sigmoidNEONF64, relax: relaxNEONF64, gibbs: gibbsNEONF64, acos: acosNEONF64, atan2: atan2NEONF64,
			sin: sinNEONF64, cos: cosNEONF64,
			dot: dotNEONF64, axpy: axpyNEONF64, scale: scaleNEONF64, sum: sumNEONF64,
			sumSq: sumSqNEONF64, diffSumSq: diffSumSqNEONF64,
			divSqrt: divSqrtNEONF64, divSquare: divSquareNEONF64,
			axpby: axpbyNEONF64, logMapRow: logMapRowNEONF64, rows64: neonVec64,
			scaleNeg: scaleNegNEONF64, adamW: adamWNEONF64,
			moments: momentsNEONF64, scaleShift: neonScaleShift(scaleShiftNEONF64), colMoments: neonColMoments(colMomentsNEONF64),
			gemm: microKernel[float64]{mr: 8, nr: 6, fn: gemmKernelNEONF64},
		})}
}

// The float64 vector functions of the row kernels (prims.rows64).
var neonVec64 = &vec64{sqrt: sqrtNEONF64, atan2: atan2NEONF64,
	sin: trigOp(sinNEONF64, sinGeneric[float64]), cos: trigOp(cosNEONF64, cosGeneric[float64])}

// neonScaleShift and neonColMoments cut b to the count, which asm/neon's
// loop kernels take from their last input slice (the primitives allow a
// longer b; the public functions pass equal lengths).
func neonScaleShift[T float32 | float64](fn func(dst, a, s, b []T, t, c T) int) func(dst, a, s, b []T, t, c T) int {
	return func(dst, a, s, b []T, t, c T) int { return fn(dst, a, s, b[:len(dst)], t, c) }
}

func neonColMoments[T float32 | float64](fn func(sum, dot []float64, a, b []T, shift float64) int) func(sum, dot []float64, a, b []T, shift float64) int {
	return func(sum, dot []float64, a, b []T, shift float64) int { return fn(sum, dot, a, b[:len(a)], shift) }
}
