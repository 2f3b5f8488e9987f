package kernels_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

// Rows of the Fisher-Flow shapes: 4096 rows of d = 160 categories (the
// largest toy K), of d = 4 (DNA) and of d = 3 (the smiley).
var rowShapes = [][2]int{{4096, 160}, {65536, 4}, {65536, 3}}

func benchGeometry[T kernels.Float](b *testing.B) {
	for _, s := range rowShapes {
		n, d := s[0], s[1]
		// The data is made by the first case that runs, so that a
		// filtered run (the speed guard's) makes only its own.
		var p, x0, x1, dst, ts []T
		data := func() {
			if p != nil {
				return
			}
			p = randSimplexRows[T](rand.New(rand.NewPCG(2, 3)), 2*n, d)
			x := make([]T, len(p))
			kernels.ToSphere(x, p, d)
			x0, x1 = x[:n*d], x[n*d:]
			dst = make([]T, n*d)
			ts = benchData[T](n, 0, 1)
		}
		sz := int64(n*d) * sizeOf[T]()
		shape := fmt.Sprintf("%s/%dx%d", precName[T](), n, d)
		b.Run("ToSphere/"+shape, func(b *testing.B) {
			data()
			b.SetBytes(2 * sz)
			for b.Loop() {
				kernels.ToSphere(dst, p[:n*d], d)
			}
		})
		b.Run("ToSimplex/"+shape, func(b *testing.B) {
			data()
			b.SetBytes(2 * sz)
			for b.Loop() {
				kernels.ToSimplex(dst, x0, d)
			}
		})
		b.Run("SphereDist/"+shape, func(b *testing.B) {
			data()
			b.SetBytes(2 * sz)
			for b.Loop() {
				kernels.SphereDist(dst[:n], x0, x1, d)
			}
		})
		b.Run("Slerp/"+shape, func(b *testing.B) {
			data()
			b.SetBytes(3 * sz)
			for b.Loop() {
				kernels.Slerp(dst, x0, x1, ts, d)
			}
		})
		b.Run("LogMap/"+shape, func(b *testing.B) {
			data()
			b.SetBytes(3 * sz)
			for b.Loop() {
				kernels.LogMap(dst, x0, x1, d)
			}
		})
		b.Run("ExpMap/"+shape, func(b *testing.B) {
			data()
			kernels.LogMap(dst, x0, x1, d)
			v := append([]T(nil), dst...)
			b.SetBytes(3 * sz)
			for b.Loop() {
				kernels.ExpMap(dst, x0, v, d)
			}
		})
		b.Run("ProjectTangent/"+shape, func(b *testing.B) {
			data()
			b.SetBytes(3 * sz)
			for b.Loop() {
				kernels.ProjectTangent(dst, x0, x1, d)
			}
		})
	}
	// ToSphere on arrays far beyond the caches (at least 2^24 elements,
	// rows of d = 160), whose GB/s the report gives as a fraction of the
	// triad's.
	{
		const d = 160
		n := (1<<24 + d - 1) / d * d
		b.Run(fmt.Sprintf("ToSphere/%s/n=%d", precName[T](), n), func(b *testing.B) {
			p := randSimplexRows[T](rand.New(rand.NewPCG(6, 7)), n/d, d)
			dst := make([]T, n)
			// Once untimed: the first call takes dst's page faults
			// (16,000 pages), which at -benchtime 200ms were the
			// whole measurement.
			kernels.ToSphere(dst, p, d)
			b.SetBytes(2 * int64(n) * sizeOf[T]())
			before := triadBeside(n)
			for b.Loop() {
				kernels.ToSphere(dst, p, d)
			}
			reportTriad(b, before, n)
		})
	}
	// The OT cost of a training batch: 512 x 512 pairs of d = 160.
	n, d := 512, 160
	b.Run(fmt.Sprintf("PairwiseSphereDist/%s/%dx%dx%d", precName[T](), n, n, d), func(b *testing.B) {
		p := randSimplexRows[T](rand.New(rand.NewPCG(4, 5)), 2*n, d)
		x := make([]T, len(p))
		kernels.ToSphere(x, p, d)
		out := make([]T, n*n)
		b.SetBytes(2 * int64(n*d) * sizeOf[T]())
		for b.Loop() {
			kernels.PairwiseSphereDist(out, x[:n*d], x[n*d:], d)
		}
		b.ReportMetric(float64(n*n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mpairs/s")
	})
}

func BenchmarkGeometry(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchGeometry[float32](b)
		benchGeometry[float64](b)
	})
}
