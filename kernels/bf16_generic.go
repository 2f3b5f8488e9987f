package kernels

import (
	"math"
	"unsafe"
)

// genericBF16 is the generic path's bfloat16 kernels.
func genericBF16() *bf16Ops {
	return newBF16Ops(toBF16Generic, fromBF16Generic, microKernel[float32]{
		mr: bf16MR, nr: bf16NR, fn: gemmKernelBF16Generic, set: gemmSetKernelBF16Generic,
	}, false)
}

// The bfloat16 micro-kernels' tile, that of the AVX512_BF16 kernel, so
// that every path has the same blocking of k and gives the same bits.
const bf16MR, bf16NR = 6, 64

// bf16Of returns the float32 bits x rounded to bfloat16 (see ToBF16).
func bf16Of(x uint32) uint16 {
	switch {
	case x&0x7fffffff > 0x7f800000: // NaN
		return uint16(x>>16) | 0x40
	case x&0x7f800000 == 0: // zero or subnormal
		return uint16(x>>16) & 0x8000
	}
	return uint16((x + 0x7fff + (x>>16)&1) >> 16)
}

func toBF16Generic(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = bf16Of(math.Float32bits(v))
	}
}

func fromBF16Generic(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = math.Float32frombits(uint32(v) << 16)
	}
}

// dpAdd returns acc + a*b for bfloat16 a and b as VDPBF16PS adds one
// product: rounded once to float32, a subnormal result flushed to a zero
// of its sign. The product is exact unless it underflows, and then the
// sum takes fma32.
func dpAdd(acc, a, b float32) float32 {
	p := a * b
	var s float32
	if pb := math.Float32bits(p) & 0x7fffffff; pb >= 0x00800000 || a == 0 || b == 0 {
		s = acc + p
	} else {
		s = fma32(a, b, acc)
	}
	if sb := math.Float32bits(s); sb&0x7f800000 == 0 {
		return math.Float32frombits(sb & 0x80000000)
	}
	return s
}

// dpPair adds the products of the pair of bfloat16 in the words aw and
// bw to acc in VDPBF16PS's order: the high halves' (step 2q+1), then the
// low halves' (step 2q).
func dpPair(acc float32, aw, bw uint32) float32 {
	acc = dpAdd(acc, math.Float32frombits(aw&0xffff0000), math.Float32frombits(bw&0xffff0000))
	return dpAdd(acc, math.Float32frombits(aw<<16), math.Float32frombits(bw<<16))
}

// bf16Tile computes the 6x64 tile of kc pairs of steps of the packed
// panels a and b, as the AVX512_BF16 micro-kernel does.
func bf16Tile(kc int, a, b *float32, acc *[bf16MR][bf16NR]float32) {
	aw := unsafe.Slice((*uint32)(unsafe.Pointer(a)), kc*bf16MR)
	bw := unsafe.Slice((*uint32)(unsafe.Pointer(b)), kc*bf16NR)
	for q := 0; q < kc; q++ {
		brow := bw[q*bf16NR : (q+1)*bf16NR : (q+1)*bf16NR]
		for i := 0; i < bf16MR; i++ {
			ai := aw[q*bf16MR+i]
			row := &acc[i]
			for j, bj := range brow {
				row[j] = dpPair(row[j], ai, bj)
			}
		}
	}
}

// gemmKernelBF16Generic adds alpha * A * B to the 6x64 tile at c, as
// gemmKernelBF16AVX512 does: c = fma(acc, alpha, c).
func gemmKernelBF16Generic(kc int, a, b, c *float32, ldc int, alpha float32) {
	var acc [bf16MR][bf16NR]float32
	bf16Tile(kc, a, b, &acc)
	cs := unsafe.Slice(c, (bf16MR-1)*ldc+bf16NR)
	for i := range acc {
		row := cs[i*ldc : i*ldc+bf16NR]
		for j, v := range acc[i] {
			row[j] = fma32(v, alpha, row[j])
		}
	}
}

// gemmSetKernelBF16Generic stores alpha * A * B in the 6x64 tile at c.
func gemmSetKernelBF16Generic(kc int, a, b, c *float32, ldc int, alpha float32) {
	var acc [bf16MR][bf16NR]float32
	bf16Tile(kc, a, b, &acc)
	cs := unsafe.Slice(c, (bf16MR-1)*ldc+bf16NR)
	for i := range acc {
		row := cs[i*ldc : i*ldc+bf16NR]
		for j, v := range acc[i] {
			row[j] = v * alpha
		}
	}
}
