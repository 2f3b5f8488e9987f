//go:build !purego && (amd64 || arm64)

package kernels

import (
	"math"
	"testing"
)

// testRowPrims checks one instruction set's ToSphere row primitives
// (TestToSphereRowPrims in sphere_amd64_test.go and sphere_arm64_test.go).
func testRowPrims[T float32 | float64](t *testing.T, name string, sum func([]T) T, sumMin func([]T) (T, T), rootQuot func(dst, x []T, s, y T)) {
	// 1.5 units of T; in float64 the reference's own quotient and root
	// add 1.5 more.
	tol := 3 * 0x1p-53
	if !is64[T]() {
		tol = 1.5 * 0x1p-24
	}
	for n := 0; n <= 130; n++ {
		x := make([]T, n+1)[1:] // unaligned
		want := T(math.Inf(1))
		for i := range x {
			x[i] = T(math.Exp(-8 * (1 + math.Sin(float64(5*i+n)))))
			if i%7 == 3 {
				x[i] = 0
			}
			if x[i] != 0 {
				want = min(want, x[i])
			}
		}
		s, mn := sumMin(x)
		if ref := sum(x); s != ref {
			t.Fatalf("%s %T n=%d: sumMin sum %v, sum %v", name, s, n, s, ref)
		}
		if mn != want {
			t.Fatalf("%s %T n=%d: sumMin min %v, want %v", name, s, n, mn, want)
		}
		dst := make([]T, n+1)
		dst[n] = -3
		for _, sum := range []T{3.5, 0.3, 7e-30, 1e30} {
			if n > 0 {
				x[n-1] = sum // one quotient exactly 1
			}
			rootQuot(dst[:n], x, sum, 1/sum)
			for i, v := range x {
				want := math.Sqrt(float64(v) / float64(sum))
				if got := float64(dst[i]); math.Abs(got-want) > tol*want {
					t.Fatalf("%s %T n=%d s=%v: rootQuot [%d] = %v, want %v", name, dst[i], n, sum, i, got, want)
				}
			}
			if n > 0 && dst[n-1] != 1 {
				t.Fatalf("%s %T n=%d s=%v: sqrt(s/s) = %v", name, dst[0], n, sum, dst[n-1])
			}
		}
		if dst[n] != -3 {
			t.Fatalf("%s %T n=%d: rootQuot wrote past dst", name, dst[0], n)
		}
	}
}
