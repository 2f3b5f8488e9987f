package gonumblas

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/fisherflow/fisherflow/kernels"
)

// BenchmarkGemmVsGonum compares the drop-in (on the best kernel path)
// with gonum's pure-Go Sgemm and Dgemm on square matrices; names follow
// Family/path/case so the report puts them side by side.
func BenchmarkGemmVsGonum(b *testing.B) {
	impls := []struct {
		name string
		impl interface {
			Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
			Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
		}
	}{{kernels.Path(), Implementation{}}, {"gonum", gonum.Implementation{}}}
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{256, 512, 1024} {
		a32, b32, c32 := make([]float32, n*n), make([]float32, n*n), make([]float32, n*n)
		a64, b64, c64 := make([]float64, n*n), make([]float64, n*n), make([]float64, n*n)
		for i := range a32 {
			a32[i], b32[i] = float32(r.Float64()), float32(r.Float64())
			a64[i], b64[i] = r.Float64(), r.Float64()
		}
		flops := 2 * float64(n) * float64(n) * float64(n)
		for _, im := range impls {
			b.Run(fmt.Sprintf("%s/f32/%dx%dx%d", im.name, n, n, n), func(b *testing.B) {
				for b.Loop() {
					im.impl.Sgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a32, n, b32, n, 0, c32, n)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			b.Run(fmt.Sprintf("%s/f64/%dx%dx%d", im.name, n, n, n), func(b *testing.B) {
				for b.Loop() {
					im.impl.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a64, n, b64, n, 0, c64, n)
				}
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
