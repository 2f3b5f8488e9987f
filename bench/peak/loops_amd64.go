//go:build !purego

package peak

import "github.com/fisherflow/fisherflow/internal/cpu"

func loops() []loop {
	f := cpu.Detected()
	avx512 := func() bool { return f.AVX512 }
	avx2 := func() bool { return f.AVX2FMA }
	return []loop{
		{"avx512", "f32", 16, fmaAVX512F32, avx512},
		{"avx512", "f64", 8, fmaAVX512F64, avx512},
		{"avx2", "f32", 8, fmaAVX2F32, avx2},
		{"avx2", "f64", 4, fmaAVX2F64, avx2},
		// VDPBF16PS: 16 lanes of two multiply-adds each.
		{"avx512", "bf16", 32, dpbf16x12AVX512, func() bool { return f.AVX512BF16 }},
		{"avx512", "bf16x24", 32, dpbf16x24AVX512, func() bool { return f.AVX512BF16 }},
	}
}

// triadLoop returns the widest generated triad this CPU runs.
func triadLoop() func(a, b, c []float64, s float64) {
	f := cpu.Detected()
	switch {
	case f.AVX512:
		return triadAVX512F64
	case f.AVX2FMA:
		return triadAVX2F64
	}
	return triadGo
}
