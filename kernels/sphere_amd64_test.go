//go:build !purego

package kernels

import (
	"math"
	"testing"

	"github.com/fisherflow/fisherflow/internal/cpu"
)

// TestToSphereRowPrims checks ToSphere's float32 row primitives on every
// instruction set this CPU runs: sumMin's sum is sum's to the bit and its
// minimum is the smallest nonzero element (zeros, the masked tail's lanes
// included, ignored); rootQuot is sqrt(x/s) within 1.5 float32 rounding
// units (a quotient within half an ulp, its root rounded), exactly 1 where
// x = s, with guards after dst untouched. All lengths 0-70.
func TestToSphereRowPrims(t *testing.T) {
	f := cpu.Detected()
	type prims32 struct {
		name     string
		ok       bool
		sum      func([]float32) float32
		sumMin   func([]float32) (float32, float32)
		rootQuot func(dst, x []float32, s, y float32)
	}
	for _, p := range []prims32{
		{"avx512", f.AVX512 && f.AVX2FMA, sumAVX512F32, sumMinAVX512F32, rootQuotAVX512F32},
		{"avx2", f.AVX2FMA, sumAVX2F32, sumMinAVX2F32, rootQuotAVX2F32},
	} {
		if !p.ok {
			continue
		}
		for n := 0; n <= 70; n++ {
			x := make([]float32, n+1)[1:] // unaligned
			want := float32(math.Inf(1))
			for i := range x {
				x[i] = float32(math.Exp(-8 * (1 + math.Sin(float64(5*i+n)))))
				if i%7 == 3 {
					x[i] = 0
				}
				if x[i] != 0 {
					want = min(want, x[i])
				}
			}
			s, mn := p.sumMin(x)
			if ref := p.sum(x); math.Float32bits(s) != math.Float32bits(ref) {
				t.Fatalf("%s n=%d: sumMin sum %v, sum %v", p.name, n, s, ref)
			}
			if mn != want {
				t.Fatalf("%s n=%d: sumMin min %v, want %v", p.name, n, mn, want)
			}
			dst := make([]float32, n+1)
			dst[n] = -3
			for _, sum := range []float32{3.5, 0.3, 7e-30, 1e30} {
				if n > 0 {
					x[n-1] = sum // one quotient exactly 1
				}
				p.rootQuot(dst[:n], x, sum, 1/sum)
				for i, v := range x {
					want := math.Sqrt(float64(v) / float64(sum))
					if got := float64(dst[i]); math.Abs(got-want) > 1.5*0x1p-24*want {
						t.Fatalf("%s n=%d s=%v: rootQuot [%d] = %v, want %v", p.name, n, sum, i, got, want)
					}
				}
				if n > 0 && dst[n-1] != 1 {
					t.Fatalf("%s n=%d s=%v: sqrt(s/s) = %v", p.name, n, sum, dst[n-1])
				}
			}
			if dst[n] != -3 {
				t.Fatalf("%s n=%d: rootQuot wrote past dst", p.name, n)
			}
		}
	}
}
