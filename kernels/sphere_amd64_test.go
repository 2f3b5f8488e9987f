//go:build !purego

package kernels

import (
	"testing"

	"github.com/fisherflow/fisherflow/internal/cpu"
)

// TestToSphereRowPrims checks ToSphere's row primitives on every
// instruction set this CPU runs, in both precisions: sumMin's sum is
// sum's to the bit and its minimum is the smallest nonzero element (zeros,
// the masked tail's lanes included, ignored); rootQuot is sqrt(x/s) within
// 1.5 rounding units of T (a quotient within half an ulp, its root
// rounded), exactly 1 where x = s, with a guard after dst untouched. All
// lengths 0-130.
func TestToSphereRowPrims(t *testing.T) {
	f := cpu.Detected()
	avx512, avx2 := f.AVX512 && f.AVX2FMA, f.AVX2FMA
	if avx512 {
		testRowPrims(t, "avx512", sumAVX512F32, sumMinAVX512F32, rootQuotAVX512F32)
		testRowPrims(t, "avx512", sumAVX512F64, sumMinAVX512F64, rootQuotAVX512F64)
	}
	if avx2 {
		testRowPrims(t, "avx2", sumAVX2F32, sumMinAVX2F32, rootQuotAVX2F32)
		testRowPrims(t, "avx2", sumAVX2F64, sumMinAVX2F64, rootQuotAVX2F64)
	}
}
