package kernels_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

func BenchmarkSqrt(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchUnary(b, memSizes, 0, 1, kernels.Sqrt[float32])
		benchUnary(b, memSizes, 0, 1, kernels.Sqrt[float64])
	})
}

func BenchmarkSquare(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchUnary(b, memSizes, -1, 1, kernels.Square[float32])
		benchUnary(b, memSizes, -1, 1, kernels.Square[float64])
	})
}

func BenchmarkAcos(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchUnary(b, mathSizes, -1, 1, kernels.Acos[float32])
		benchUnary(b, mathSizes, -1, 1, kernels.Acos[float64])
	})
	benchMathPeer(b, -1, 1, math.Acos)
}

func BenchmarkSin(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchUnary(b, mathSizes, -10, 10, kernels.Sin[float32])
		benchUnary(b, mathSizes, -10, 10, kernels.Sin[float64])
	})
	benchMathPeer(b, -10, 10, math.Sin)
}

func BenchmarkCos(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchUnary(b, mathSizes, -10, 10, kernels.Cos[float32])
		benchUnary(b, mathSizes, -10, 10, kernels.Cos[float64])
	})
	benchMathPeer(b, -10, 10, math.Cos)
}

func BenchmarkExp(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchUnary(b, mathSizes, -50, 50, kernels.Exp[float32])
		benchUnary(b, mathSizes, -50, 50, kernels.Exp[float64])
	})
	benchMathPeer(b, -50, 50, math.Exp)
}

func BenchmarkSigmoid(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchUnary(b, mathSizes, -50, 50, kernels.Sigmoid[float32])
		benchUnary(b, mathSizes, -50, 50, kernels.Sigmoid[float64])
	})
	benchMathPeer(b, -50, 50, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) })
}

func BenchmarkLog(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchUnary(b, mathSizes, 1e-6, 1e6, kernels.Log[float32])
		benchUnary(b, mathSizes, 1e-6, 1e6, kernels.Log[float64])
	})
	benchMathPeer(b, 1e-6, 1e6, math.Log)
}

// benchMathPeer runs the loop a Go user writes without this package (the
// math package on every element, through float64 for float32) as the
// pseudo-path "math".
func benchMathPeer(b *testing.B, lo, hi float64, f func(float64) float64) {
	b.Run("math", func(b *testing.B) {
		benchUnary(b, mathSizes, lo, hi, func(dst, x []float32) {
			for i, v := range x {
				dst[i] = float32(f(float64(v)))
			}
		})
		benchUnary(b, mathSizes, lo, hi, func(dst, x []float64) {
			for i, v := range x {
				dst[i] = f(v)
			}
		})
	})
}

func BenchmarkAtan2(b *testing.B) {
	run := func(b *testing.B, n int, f32 bool) {
		if f32 {
			y, x, dst := benchData[float32](n, -1, 1), benchData[float32](n, -1, 1), make([]float32, n)
			b.SetBytes(3 * int64(n) * 4)
			for b.Loop() {
				kernels.Atan2(dst, y, x)
			}
			return
		}
		y, x, dst := benchData[float64](n, -1, 1), benchData[float64](n, -1, 1), make([]float64, n)
		b.SetBytes(3 * int64(n) * 8)
		for b.Loop() {
			kernels.Atan2(dst, y, x)
		}
	}
	sizes := func(b *testing.B, run func(b *testing.B, n int, f32 bool)) {
		for _, f32 := range []bool{true, false} {
			for _, n := range mathSizes {
				name := map[bool]string{true: "f32", false: "f64"}[f32]
				b.Run(fmt.Sprintf("%s/n=%d", name, n), func(b *testing.B) { run(b, n, f32) })
			}
		}
	}
	benchPaths(b, func(b *testing.B) { sizes(b, run) })
	// The math-package loop a Go user would write, as the pseudo-path "math".
	b.Run("math", func(b *testing.B) {
		sizes(b, func(b *testing.B, n int, f32 bool) {
			if f32 {
				y, x, dst := benchData[float32](n, -1, 1), benchData[float32](n, -1, 1), make([]float32, n)
				b.SetBytes(3 * int64(n) * 4)
				for b.Loop() {
					for i := range dst {
						dst[i] = float32(math.Atan2(float64(y[i]), float64(x[i])))
					}
				}
				return
			}
			y, x, dst := benchData[float64](n, -1, 1), benchData[float64](n, -1, 1), make([]float64, n)
			b.SetBytes(3 * int64(n) * 8)
			for b.Loop() {
				for i := range dst {
					dst[i] = math.Atan2(y[i], x[i])
				}
			}
		})
	})
}
