package kernels_test

import (
	"fmt"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

// BenchmarkNorm times the normalisation primitives: Moments over n values
// (reads x), AddColumnMoments over a row of 256 (reads a, b and the two
// float64 accumulators, writes those) and ScaleShift over n (reads a,
// s, b, writes dst), reporting the bytes they move.
func BenchmarkNorm(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchNorm[float32](b)
		benchNorm[float64](b)
	})
}

func benchNorm[T kernels.Float](b *testing.B) {
	for _, n := range []int{256, 1 << 18} {
		x, y, s := benchData[T](n, -1, 1), benchData[T](n+1, -1, 1)[1:], benchData[T](n, 0, 2)
		dst := make([]T, n)
		b.Run(fmt.Sprintf("Moments/%s/n=%d", precName[T](), n), func(b *testing.B) {
			b.SetBytes(int64(n) * sizeOf[T]())
			for b.Loop() {
				kernels.Moments(x, 0.5)
			}
		})
		b.Run(fmt.Sprintf("ScaleShift/%s/n=%d", precName[T](), n), func(b *testing.B) {
			b.SetBytes(4 * int64(n) * sizeOf[T]())
			for b.Loop() {
				kernels.ScaleShift(dst, x, s, y, 1, 0)
			}
		})
	}
	const d = 256
	sum, dot := make([]float64, d), make([]float64, d)
	x, y := benchData[T](d, -1, 1), benchData[T](d, -1, 1)
	b.Run(fmt.Sprintf("AddColumnMoments/%s/n=%d", precName[T](), d), func(b *testing.B) {
		b.SetBytes(2*d*sizeOf[T]() + 4*d*8)
		for b.Loop() {
			kernels.AddColumnMoments(sum, dot, x, y, 0.5)
		}
	})
}
