//go:build !purego

package kernels

import "github.com/fisherflow/fisherflow/internal/cpu"

// archPaths returns the amd64 SIMD paths, best first: AVX-512 (F, DQ,
// BW, VL) and AVX2 with FMA, both from the generated assembly.
func archPaths() []*path {
	f := cpu.Detected()
	return []*path{
		simdPath("avx512", func() bool { return f.AVX512 && f.AVX2FMA },
			prims[float32]{
				sqrt: sqrtAVX512F32, square: squareAVX512F32, sqrtStream: sqrtStreamAVX512F32, squareStream: squareStreamAVX512F32, exp: expAVX512F32, log: logAVX512F32, sigmoid: sigmoidAVX512F32, relax: relaxAVX512F32, gibbs: gibbsAVX512F32,
				acos: acosAVX512F32, atan2: atan2AVX512F32,
				sin: sinAVX512F32, cos: cosAVX512F32,
				dot: dotAVX512F32, axpy: axpyAVX512F32, dot4: dot4AVX512F32, axpy4: axpy4AVX512F32, scale: scaleAVX512F32, sum: sumAVX512F32,
				sumSq: sumSqAVX512F32, diffSumSq: diffSumSqAVX512F32,
				divSqrt: divSqrtAVX512F32, rootQuot: rootQuotAVX512F32, rootQuotStream: rootQuotStreamAVX512F32, fence: storeFence, sumMin: sumMinAVX512F32, divSquare: divSquareAVX512F32,
				axpby:    axpbyAVX512F32,
				scaleNeg: scaleNegAVX512F32, adamW: adamWAVX512F32, moments: momentsAVX512F32, colMoments: colMomentsAVX512F32, scaleShift: scaleShiftAVX512F32, logMapRow: logMapRowAVX512F32, rows64: avx512Vec64,
				gemm: microKernel[float32]{mr: 6, nr: 64, fn: gemmKernelAVX512F32, set: gemmSetKernelAVX512F32, packT: packTAVX512F32, tl: 16, packN: packNAVX512F32, packA6: packA6AVX512F32, packA6T: packA6TAVX512F32, packA6T8: packA6T8AVX512F32},
			},
			prims[float64]{
				sqrt: sqrtAVX512F64, square: squareAVX512F64, sqrtStream: sqrtStreamAVX512F64, squareStream: squareStreamAVX512F64, exp: expAVX512F64, log: logAVX512F64, sigmoid: sigmoidAVX512F64, relax: relaxAVX512F64, gibbs: gibbsAVX512F64,
				acos: acosAVX512F64, atan2: atan2AVX512F64,
				sin: sinAVX512F64, cos: cosAVX512F64,
				dot: dotAVX512F64, axpy: axpyAVX512F64, dot4: dot4AVX512F64, axpy4: axpy4AVX512F64, scale: scaleAVX512F64, sum: sumAVX512F64,
				sumSq: sumSqAVX512F64, diffSumSq: diffSumSqAVX512F64,
				divSqrt: divSqrtAVX512F64, rootQuot: rootQuotAVX512F64, rootQuotStream: rootQuotStreamAVX512F64, fence: storeFence, sumMin: sumMinAVX512F64, divSquare: divSquareAVX512F64,
				axpby:    axpbyAVX512F64,
				scaleNeg: scaleNegAVX512F64, adamW: adamWAVX512F64, moments: momentsAVX512F64, colMoments: colMomentsAVX512F64, scaleShift: scaleShiftAVX512F64, logMapRow: logMapRowAVX512F64, rows64: avx512Vec64,
				gemm: microKernel[float64]{mr: 6, nr: 32, fn: gemmKernelAVX512F64, set: gemmSetKernelAVX512F64, packT: packTAVX512F64, tl: 8, packN: packNAVX512F64, packA6T: packA6TAVX512F64, packA6T8: packA6T8AVX512F64},
			}),
		simdPath("avx2", func() bool { return f.AVX2FMA },
			prims[float32]{
				sqrt: sqrtAVX2F32, square: squareAVX2F32, sqrtStream: sqrtStreamAVX2F32, squareStream: squareStreamAVX2F32, exp: expAVX2F32, log: logAVX2F32, sigmoid: sigmoidAVX2F32, relax: relaxAVX2F32, gibbs: gibbsAVX2F32,
				acos: acosAVX2F32, atan2: atan2AVX2F32,
				sin: sinAVX2F32, cos: cosAVX2F32,
				dot: dotAVX2F32, axpy: axpyAVX2F32, dot4: dot4AVX2F32, axpy4: axpy4AVX2F32, scale: scaleAVX2F32, sum: sumAVX2F32,
				sumSq: sumSqAVX2F32, diffSumSq: diffSumSqAVX2F32,
				divSqrt: divSqrtAVX2F32, rootQuot: rootQuotAVX2F32, rootQuotStream: rootQuotStreamAVX2F32, fence: storeFence, sumMin: sumMinAVX2F32, divSquare: divSquareAVX2F32,
				axpby:    axpbyAVX2F32,
				scaleNeg: scaleNegAVX2F32, adamW: adamWAVX2F32, moments: momentsAVX2F32, colMoments: colMomentsAVX2F32, scaleShift: scaleShiftAVX2F32, logMapRow: logMapRowAVX2F32, rows64: avx2Vec64,
				gemm: microKernel[float32]{mr: 6, nr: 16, fn: gemmKernelAVX2F32, set: gemmSetKernelAVX2F32, packT: packTAVX2F32, tl: 8, packN: packNAVX2F32},
			},
			prims[float64]{
				sqrt: sqrtAVX2F64, square: squareAVX2F64, sqrtStream: sqrtStreamAVX2F64, squareStream: squareStreamAVX2F64, exp: expAVX2F64, log: logAVX2F64, sigmoid: sigmoidAVX2F64, relax: relaxAVX2F64, gibbs: gibbsAVX2F64,
				acos: acosAVX2F64, atan2: atan2AVX2F64,
				sin: sinAVX2F64, cos: cosAVX2F64,
				dot: dotAVX2F64, axpy: axpyAVX2F64, dot4: dot4AVX2F64, axpy4: axpy4AVX2F64, scale: scaleAVX2F64, sum: sumAVX2F64,
				sumSq: sumSqAVX2F64, diffSumSq: diffSumSqAVX2F64,
				divSqrt: divSqrtAVX2F64, rootQuot: rootQuotAVX2F64, rootQuotStream: rootQuotStreamAVX2F64, fence: storeFence, sumMin: sumMinAVX2F64, divSquare: divSquareAVX2F64,
				axpby:    axpbyAVX2F64,
				scaleNeg: scaleNegAVX2F64, adamW: adamWAVX2F64, moments: momentsAVX2F64, colMoments: colMomentsAVX2F64, scaleShift: scaleShiftAVX2F64, logMapRow: logMapRowAVX2F64, rows64: avx2Vec64,
				gemm: microKernel[float64]{mr: 6, nr: 8, fn: gemmKernelAVX2F64, set: gemmSetKernelAVX2F64, packT: packTAVX2F64, tl: 4, packN: packNAVX2F64},
			}),
	}
}

// The float64 vector functions of the row kernels (prims.rows64).
var (
	avx512Vec64 = &vec64{sqrt: sqrtAVX512F64, atan2: atan2AVX512F64,
		sin: trigOp(sinAVX512F64, sinGeneric[float64]), cos: trigOp(cosAVX512F64, cosGeneric[float64])}
	avx2Vec64 = &vec64{sqrt: sqrtAVX2F64, atan2: atan2AVX2F64,
		sin: trigOp(sinAVX2F64, sinGeneric[float64]), cos: trigOp(cosAVX2F64, cosGeneric[float64])}
)
