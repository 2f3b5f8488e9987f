package kernels_test

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

// otProblem is the transport problem of the OT benchmarks, which
// bench/peers/ot.py builds identically for POT: n points of the plane
// against n others (additive recurrences, frac(i c)), cost the squared
// distance, uniform masses.
func otProblem(n int) (cost, a []float64) {
	frac := func(i int, c float64) float64 { v := float64(i) * c; return v - math.Floor(v) }
	cost = make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			dx := frac(i, 0.6180339887498949) - frac(j, 0.7320508075688772)
			dy := frac(i, 0.41421356237309515) - frac(j, 0.2360679774997898)
			cost[i*n+j] = dx*dx + dy*dy
		}
	}
	a = make([]float64, n)
	for i := range a {
		a[i] = 1 / float64(n)
	}
	return cost, a
}

// otReg is the regularisation of the Sinkhorn benchmarks (the cost is
// at most 2): about 150 iterations to a marginal error of 1e-6.
const otReg = 0.01

func benchOT[T kernels.Float](b *testing.B) {
	for _, n := range []int{128, 512} {
		cost64, a64 := otProblem(n)
		cost, a := make([]T, len(cost64)), make([]T, n)
		for i, v := range cost64 {
			cost[i] = T(v)
		}
		for i := range a {
			a[i] = T(a64[i])
		}
		plan := make([]T, n*n)
		for _, v := range []struct {
			name      string
			logDomain bool
			overrelax float64
		}{{"Sinkhorn", false, 0}, {"SinkhornLog", true, 0}, {"SinkhornAuto", false, kernels.OverrelaxAuto}, {"SinkhornLogAuto", true, kernels.OverrelaxAuto}} {
			name, logDomain := v.name, v.logDomain
			for _, th := range []int{1, runtime.GOMAXPROCS(0)} {
				b.Run(fmt.Sprintf("%s/%s/%dx%d/threads=%d", name, precName[T](), n, n, th), func(b *testing.B) {
					defer kernels.SetThreads(kernels.SetThreads(th))
					var res kernels.SinkhornResult
					for b.Loop() {
						var err error
						res, err = kernels.Sinkhorn(plan, cost, a, a, kernels.SinkhornOptions{Reg: otReg, Tol: 1e-6, MaxIter: 10000, LogDomain: logDomain, Overrelax: v.overrelax})
						if err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(res.Iterations), "iters")
					b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/solve")
				})
			}
		}
		b.Run(fmt.Sprintf("EMD/%s/%dx%d", precName[T](), n, n), func(b *testing.B) {
			for b.Loop() {
				if _, err := kernels.EMD(plan, cost, a, a); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/solve")
		})
	}
}

func BenchmarkOT(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchOT[float32](b)
		benchOT[float64](b)
	})
}
