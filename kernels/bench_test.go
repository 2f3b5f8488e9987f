package kernels_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/fisherflow/fisherflow/bench/peak"
	"github.com/fisherflow/fisherflow/kernels"
)

// Benchmarks are named Family/path/precision/shape so that benchstat can
// compare paths and commits; each reports GB/s (bytes read and written,
// via SetBytes) or GFLOP/s.

func benchPaths(b *testing.B, f func(b *testing.B)) {
	prev := kernels.Path()
	defer kernels.UsePath(prev)
	for _, p := range kernels.Paths() {
		if err := kernels.UsePath(p); err != nil {
			b.Fatal(err)
		}
		b.Run(p, f)
	}
}

// streamLen is the length from which a benchmark's arrays lie far beyond
// the caches (2^24 elements: 64 MiB of float32); such benchmarks report
// the triad bandwidth measured beside their timed loop (reportTriad).
const streamLen = 1 << 24

// triadArrays are bench/peak's triad arrays, made on first use.
var triadArrays = sync.OnceValue(func() [3][]float64 {
	var a [3][]float64
	for i := range a {
		a[i] = make([]float64, peak.TriadLen)
		for j := range a[i] {
			a[i][j] = float64(j%5 + i)
		}
	}
	return a
})

// triadBeside returns the one-thread triad bandwidth (bench/peak)
// measured now for 150 ms if n elements are at least streamLen, else 0.
// A streaming benchmark measures it before and after its timed loop and
// reports the larger (reportTriad): a dip in the triad would inflate the
// case's fraction of it (in one make bench a triad read 27.6 GB/s between
// others of 39-41).
func triadBeside(n int) float64 {
	if n < streamLen {
		return 0
	}
	a := triadArrays()
	return peak.TriadOn(a[0], a[1], a[2], 150*time.Millisecond)
}

// reportTriad reports, as "triad-GB/s", the larger of before (see
// triadBeside) and the triad measured now, if before is not 0: the report
// divides the benchmark's GB/s by it. Call it after b.Loop (whose first
// call deletes the metrics reported before it).
func reportTriad(b *testing.B, before float64, n int) {
	if before == 0 {
		return
	}
	b.ReportMetric(max(before, triadBeside(n)), "triad-GB/s")
}

func benchData[T kernels.Float](n int, lo, hi float64) []T {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	x := make([]T, n)
	for i := range x {
		x[i] = T(lo + (hi-lo)*r.Float64())
	}
	return x
}

func sizeOf[T kernels.Float]() int64 {
	if unit[T]() == 0x1p-24 {
		return 4
	}
	return 8
}

func precName[T kernels.Float]() string {
	if sizeOf[T]() == 4 {
		return "f32"
	}
	return "f64"
}

// elementwise benchmarks: n elements in, n out.
func benchUnary[T kernels.Float](b *testing.B, sizes []int, lo, hi float64, f func(dst, x []T)) {
	for _, n := range sizes {
		x := benchData[T](n, lo, hi)
		dst := make([]T, n)
		b.Run(fmt.Sprintf("%s/n=%d", precName[T](), n), func(b *testing.B) {
			b.SetBytes(2 * int64(n) * sizeOf[T]())
			// A first call outside the timing maps dst's pages: on a VM
			// the first touch of 128 MB took 0.37 s, longer than the whole
			// -benchtime, which left one timed call that was mostly page
			// faults (0.7 GB/s).
			f(dst, x)
			before := triadBeside(n)
			for b.Loop() {
				f(dst, x)
			}
			reportTriad(b, before, n)
		})
	}
}

var (
	// memSizes: in L1, in L2, about the L3, and far beyond the caches
	// (64 MiB of float32), where the kernels are bound by memory.
	memSizes  = []int{4096, 1 << 18, 1 << 22, 1 << 24}
	mathSizes = []int{4096, 1 << 18}
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

// Rows of the Fisher-Flow shapes: 4096 rows of d = 160 categories (the
// largest toy K) and of d = 4 (DNA).
var rowShapes = [][2]int{{4096, 160}, {65536, 4}}

func benchGeometry[T kernels.Float](b *testing.B) {
	for _, s := range rowShapes {
		n, d := s[0], s[1]
		p := randSimplexRows[T](rand.New(rand.NewPCG(2, 3)), 2*n, d)
		x := make([]T, len(p))
		kernels.ToSphere(x, p, d)
		x0, x1 := x[:n*d], x[n*d:]
		dst := make([]T, n*d)
		ts := benchData[T](n, 0, 1)
		sz := int64(n*d) * sizeOf[T]()
		shape := fmt.Sprintf("%s/%dx%d", precName[T](), n, d)
		b.Run("ToSphere/"+shape, func(b *testing.B) {
			b.SetBytes(2 * sz)
			for b.Loop() {
				kernels.ToSphere(dst, p[:n*d], d)
			}
		})
		b.Run("ToSimplex/"+shape, func(b *testing.B) {
			b.SetBytes(2 * sz)
			for b.Loop() {
				kernels.ToSimplex(dst, x0, d)
			}
		})
		b.Run("SphereDist/"+shape, func(b *testing.B) {
			b.SetBytes(2 * sz)
			for b.Loop() {
				kernels.SphereDist(dst[:n], x0, x1, d)
			}
		})
		b.Run("Slerp/"+shape, func(b *testing.B) {
			b.SetBytes(3 * sz)
			for b.Loop() {
				kernels.Slerp(dst, x0, x1, ts, d)
			}
		})
		b.Run("LogMap/"+shape, func(b *testing.B) {
			b.SetBytes(3 * sz)
			for b.Loop() {
				kernels.LogMap(dst, x0, x1, d)
			}
		})
		b.Run("ExpMap/"+shape, func(b *testing.B) {
			kernels.LogMap(dst, x0, x1, d)
			v := append([]T(nil), dst...)
			b.SetBytes(3 * sz)
			for b.Loop() {
				kernels.ExpMap(dst, x0, v, d)
			}
		})
		b.Run("ProjectTangent/"+shape, func(b *testing.B) {
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
		p := randSimplexRows[T](rand.New(rand.NewPCG(6, 7)), n/d, d)
		dst := make([]T, n)
		b.Run(fmt.Sprintf("ToSphere/%s/n=%d", precName[T](), n), func(b *testing.B) {
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
	p := randSimplexRows[T](rand.New(rand.NewPCG(4, 5)), 2*n, d)
	x := make([]T, len(p))
	kernels.ToSphere(x, p, d)
	out := make([]T, n*n)
	b.Run(fmt.Sprintf("PairwiseSphereDist/%s/%dx%dx%d", precName[T](), n, n, d), func(b *testing.B) {
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

// Gemm shapes: squares, and the BestMLP layers at batch 512 (K = 160:
// 4K+64 = 704 inputs, 512 hidden) with the transposed products of backprop.
var gemmShapes = []struct {
	name    string
	tA, tB  bool
	m, n, k int
}{
	{"square", false, false, 64, 64, 64},
	{"square", false, false, 128, 128, 128},
	{"square", false, false, 256, 256, 256},
	{"square", false, false, 512, 512, 512},
	{"square", false, false, 1024, 1024, 1024},
	{"square", false, false, 2048, 2048, 2048},
	{"mlp-fwd", false, true, 512, 512, 704},
	{"mlp-fwd", false, true, 512, 512, 576},
	{"mlp-dx", false, false, 512, 704, 512},
	{"mlp-dw", true, false, 512, 704, 512},
}

func benchGemm[T kernels.Float](b *testing.B) {
	for _, s := range gemmShapes {
		ar, ac := s.m, s.k
		if s.tA {
			ar, ac = s.k, s.m
		}
		br, bc := s.k, s.n
		if s.tB {
			br, bc = s.n, s.k
		}
		a, bm, c := benchData[T](ar*ac, -1, 1), benchData[T](br*bc, -1, 1), make([]T, s.m*s.n)
		name := fmt.Sprintf("%s/%s/%dx%dx%d", s.name, precName[T](), s.m, s.n, s.k)
		if s.tA || s.tB {
			name += fmt.Sprintf("/t%s", map[[2]bool]string{{true, false}: "A", {false, true}: "B", {true, true}: "AB"}[[2]bool{s.tA, s.tB}])
		}
		for _, th := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("%s/threads=%d", name, th), func(b *testing.B) {
				if kernels.Path() == "generic" && s.m*s.n*s.k > 1<<30 {
					b.Skip("the generic loops take seconds per call at this size")
				}
				defer kernels.SetThreads(kernels.SetThreads(th))
				// An untimed first call maps c's fresh pages and grows the
				// pooled packing buffers (as benchUnary: at 2048 a call
				// takes about -benchtime, so one timed call was all).
				kernels.Gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, ac, bm, bc, 0, c, s.n)
				for b.Loop() {
					kernels.Gemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, ac, bm, bc, 0, c, s.n)
				}
				b.ReportMetric(2*float64(s.m)*float64(s.n)*float64(s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
			if runtime.GOMAXPROCS(0) == 1 {
				break
			}
		}
	}
}

func BenchmarkGemm(b *testing.B) {
	benchPaths(b, func(b *testing.B) {
		benchGemm[float32](b)
		benchGemm[float64](b)
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

// BenchmarkConv1d times the three convolutions on the promoter model's
// block layer (batch 8, 1024 positions, 256 channels, 9 taps) at
// dilations 1 and 64, and the enhancer's (batch 32, 500 positions, 128
// channels), in float32 with all threads.
func BenchmarkConv1d(b *testing.B) {
	shapes := []struct {
		name string
		s    kernels.ConvShape
	}{
		{"promoter/dil=1", kernels.ConvShape{Batch: 8, Length: 1024, In: 256, Out: 256, Kernel: 9, Dilation: 1}},
		{"promoter/dil=64", kernels.ConvShape{Batch: 8, Length: 1024, In: 256, Out: 256, Kernel: 9, Dilation: 64}},
		{"enhancer/dil=1", kernels.ConvShape{Batch: 32, Length: 500, In: 128, Out: 128, Kernel: 9, Dilation: 1}},
	}
	benchPaths(b, func(b *testing.B) {
		for _, sh := range shapes {
			s := sh.s
			if kernels.Path() == "generic" {
				b.Skip("the generic loops take seconds per call at these sizes")
			}
			rows := s.Batch * s.Length
			x, w, y := benchData[float32](rows*s.In, -1, 1), benchData[float32](s.Out*s.Kernel*s.In, -1, 1), benchData[float32](rows*s.Out, -1, 1)
			flops := 2 * float64(rows) * float64(s.Kernel*s.In*s.Out)
			for _, op := range []string{"forward", "data", "filter"} {
				b.Run(sh.name+"/"+op, func(b *testing.B) {
					for b.Loop() {
						switch op {
						case "forward":
							kernels.Conv1d(s, x, w, nil, 0, y)
						case "data":
							kernels.Conv1dBackwardData(s, y, w, 0, x)
						case "filter":
							kernels.Conv1dBackwardFilter(s, x, y, 1, w)
						}
					}
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	})
}

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
