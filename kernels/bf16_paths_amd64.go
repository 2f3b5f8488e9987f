//go:build !purego

package kernels

// bf16OpsAVX512BF16 returns the bfloat16 kernels of AVX512_BF16: the
// VCVTNEPS2BF16 conversion and the VDPBF16PS micro-kernel with its
// packing of B (bf16_amd64.s).
func bf16OpsAVX512BF16() *bf16Ops {
	return newBF16Ops(toBF16AVX512, fromBF16AVX512Tail, microKernel[float32]{
		mr: bf16MR, nr: bf16NR, fn: gemmKernelBF16AVX512, set: gemmSetKernelBF16AVX512,
		packNBF16: packNBF16AVX512, packN48BF16: packN48BF16AVX512, packA6T8: packA6T8AVX512F32,
		packA6BF16: packA6BF16AVX512,
		// The float32 transpositions move the packed words (32 bits each).
		packA6: packA6AVX512F32, packT: packTAVX512F32, tl: 16,
	}, true)
}

// bf16OpsAVX2 returns the bfloat16 kernels of AVX2: the conversions in
// integer arithmetic, and the generic micro-kernel.
func bf16OpsAVX2() *bf16Ops {
	return newBF16Ops(toBF16AVX2Tail, fromBF16AVX2Tail, microKernel[float32]{
		mr: bf16MR, nr: bf16NR, fn: gemmKernelBF16Generic, set: gemmSetKernelBF16Generic,
	}, false)
}

// The assembly converts whole vectors (16 values); these finish the tail
// with the generic code, which gives the same bits.
func toBF16AVX512(dst []uint16, src []float32) {
	n := len(src) / 16 * 16
	toBF16AVX512BF16(dst, src)
	toBF16Generic(dst[n:], src[n:])
}

func toBF16AVX2Tail(dst []uint16, src []float32) {
	n := len(src) / 16 * 16
	toBF16AVX2(dst, src)
	toBF16Generic(dst[n:], src[n:])
}

func fromBF16AVX512Tail(dst []float32, src []uint16) {
	n := len(src) / 16 * 16
	fromBF16AVX512(dst, src)
	fromBF16Generic(dst[n:], src[n:])
}

func fromBF16AVX2Tail(dst []float32, src []uint16) {
	n := len(src) / 8 * 8
	fromBF16AVX2(dst, src)
	fromBF16Generic(dst[n:], src[n:])
}
