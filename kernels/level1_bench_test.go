package kernels_test

import (
	"fmt"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

func benchLevel1[T kernels.Float](b *testing.B) {
	for _, n := range memSizes {
		x, y := benchData[T](n, -1, 1), benchData[T](n, -1, 1)
		sz := int64(n) * sizeOf[T]()
		p := precName[T]()
		b.Run(fmt.Sprintf("Dot/%s/n=%d", p, n), func(b *testing.B) {
			b.SetBytes(2 * sz)
			for b.Loop() {
				kernels.Dot(x, y)
			}
		})
		b.Run(fmt.Sprintf("Axpy/%s/n=%d", p, n), func(b *testing.B) {
			b.SetBytes(3 * sz)
			for b.Loop() {
				kernels.Axpy(1e-9, x, y)
			}
		})
		b.Run(fmt.Sprintf("Scale/%s/n=%d", p, n), func(b *testing.B) {
			b.SetBytes(2 * sz)
			for b.Loop() {
				kernels.Scale(1, x)
			}
		})
		b.Run(fmt.Sprintf("Sum/%s/n=%d", p, n), func(b *testing.B) {
			b.SetBytes(sz)
			for b.Loop() {
				kernels.Sum(x)
			}
		})
		b.Run(fmt.Sprintf("Norm2/%s/n=%d", p, n), func(b *testing.B) {
			b.SetBytes(sz)
			for b.Loop() {
				kernels.Norm2(x)
			}
		})
	}
}

func BenchmarkLevel1(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchLevel1[float32](b)
		benchLevel1[float64](b)
	})
}

// BenchmarkScaleNeg is the leaky ReLU's pass: it reads src and x and
// writes dst.
func BenchmarkScaleNeg(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchScaleNeg[float32](b)
		benchScaleNeg[float64](b)
	})
}

func benchScaleNeg[T kernels.Float](b *testing.B) {
	for _, n := range []int{4096, 1 << 18} {
		x, src, dst := benchData[T](n, -1, 1), benchData[T](n+1, -1, 1)[1:], make([]T, n)
		b.Run(fmt.Sprintf("%s/n=%d", precName[T](), n), func(b *testing.B) {
			b.SetBytes(3 * int64(n) * sizeOf[T]())
			for b.Loop() {
				kernels.ScaleNeg(dst, src, x, 0.01)
			}
		})
	}
}

// BenchmarkAdamW is one optimizer step over n parameters: it reads w, g,
// m and v and writes w, m and v (the moments are float64).
func BenchmarkAdamW(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchAdamW[float32](b)
		benchAdamW[float64](b)
	})
}

func benchAdamW[T kernels.Float](b *testing.B) {
	for _, n := range []int{4096, 1 << 18} {
		w, g := benchData[T](n, -1, 1), benchData[T](n+1, -1, 1)[1:]
		m, v := make([]float64, n), make([]float64, n)
		c := kernels.AdamWCoeffs{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Decay: 1, Step: 1e-9, BiasCorr2: 1}
		b.Run(fmt.Sprintf("%s/n=%d", precName[T](), n), func(b *testing.B) {
			b.SetBytes(int64(n) * (3*sizeOf[T]() + 4*8))
			for b.Loop() {
				kernels.AdamW(w, g, m, v, c)
			}
		})
	}
}

// BenchmarkColumnSums sums the rows of the promoter's convolution output
// gradient (8192 x 256 float32, a bias gradient) with all threads.
func BenchmarkColumnSums(b *testing.B) {
	const rows, d = 8192, 256
	x, dst := benchData[float32](rows*d, -1, 1), make([]float32, d)
	benchPaths(b, func(b *testing.B) {
		b.Run(fmt.Sprintf("f32/%dx%d", rows, d), func(b *testing.B) {
			b.SetBytes(rows * d * 4)
			for b.Loop() {
				kernels.ColumnSums(dst, x, 1)
			}
		})
	})
}
