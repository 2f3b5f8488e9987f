//go:build !purego

package kernels

import "testing"

// TestToSphereRowPrims checks ToSphere's row primitives on NEON (float32
// only), as on amd64 (sphere_amd64_test.go): sumMin's sum is sum's to
// the bit and its minimum the smallest nonzero element; rootQuot is
// sqrt(x/s) within 1.5 rounding units of T, exactly 1 where x = s, with a
// guard after dst untouched. All lengths 0-130.
func TestToSphereRowPrims(t *testing.T) {
	testRowPrims(t, "neon", sumNEONF32, sumMinNEONF32, rootQuotNEONF32)
}
