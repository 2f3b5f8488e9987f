package kernels_test

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

// gemmCase is one Gemm call with padded leading dimensions. Every element
// of a buffer that is not part of a matrix (the padding and a tail) holds
// a sentinel that must survive the call.
type gemmCase[T kernels.Float] struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    T
	a, b, c        []T
	lda, ldb, ldc  int
}

const gemmSentinel = -12345.5

func newGemmCase[T kernels.Float](r *rand.Rand, tA, tB bool, m, n, k int, alpha, beta T) gemmCase[T] {
	g := gemmCase[T]{transA: tA, transB: tB, m: m, n: n, k: k, alpha: alpha, beta: beta}
	fillMat := func(rows, cols int) ([]T, int) {
		ld := max(1, cols) + r.IntN(3)
		buf := make([]T, rows*ld+2)
		for i := range buf {
			buf[i] = gemmSentinel
		}
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				buf[i*ld+j] = T(r.Float64()*2 - 1)
			}
		}
		return buf, ld
	}
	ar, ac := m, k
	if tA {
		ar, ac = k, m
	}
	br, bc := k, n
	if tB {
		br, bc = n, k
	}
	g.a, g.lda = fillMat(ar, ac)
	g.b, g.ldb = fillMat(br, bc)
	g.c, g.ldc = fillMat(m, n)
	return g
}

func (g gemmCase[T]) aAt(i, p int) float64 {
	if g.transA {
		return float64(g.a[p*g.lda+i])
	}
	return float64(g.a[i*g.lda+p])
}

func (g gemmCase[T]) bAt(p, j int) float64 {
	if g.transB {
		return float64(g.b[j*g.ldb+p])
	}
	return float64(g.b[p*g.ldb+j])
}

// check runs Gemm on a copy of C and compares each element with the
// float64 triple loop within (k+2)u(|alpha|(|A||B|)_ij + |beta C_ij|).
func (g gemmCase[T]) check(t *testing.T) {
	t.Helper()
	c := append([]T(nil), g.c...)
	kernels.Gemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, c, g.ldc)
	u := unit[T]()
	inMat := make([]bool, len(c))
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.n; j++ {
			inMat[i*g.ldc+j] = true
			// Double-double accumulation (TwoProduct by FMA, TwoSum):
			// exact to about u^2, so the reference adds no error of
			// its own in float64.
			var hi, lo, abs float64
			for p := 0; p < g.k; p++ {
				ph, pl := twoProd(g.aAt(i, p), g.bAt(p, j))
				var e float64
				hi, e = twoSum(hi, ph)
				lo += e + pl
				abs += math.Abs(ph)
			}
			old := float64(g.c[i*g.ldc+j])
			wh, wl := twoProd(float64(g.alpha), hi)
			wl += float64(g.alpha) * lo
			bound := float64(g.k+2) * u * math.Abs(float64(g.alpha)) * abs
			if g.beta != 0 {
				bh, bl := twoProd(float64(g.beta), old)
				var e float64
				wh, e = twoSum(wh, bh)
				wl += e + bl
				bound += float64(g.k+2) * u * math.Abs(float64(g.beta)*old)
			}
			got := float64(c[i*g.ldc+j])
			if diff := (got - wh) - wl; math.Abs(diff) > bound*(1+1e-9)+1e-300 || got != got {
				t.Fatalf("tA=%v tB=%v m=%d n=%d k=%d alpha=%v beta=%v: C[%d,%d] = %v, want %v (bound %g)",
					g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.beta, i, j, got, wh+wl, bound)
			}
		}
	}
	for i, v := range c {
		if !inMat[i] && v != gemmSentinel {
			t.Fatalf("tA=%v tB=%v m=%d n=%d k=%d: C padding [%d] overwritten with %v", g.transA, g.transB, g.m, g.n, g.k, i, v)
		}
	}
}

var gemmDims = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 23, 31, 32, 33, 47, 63, 64, 65, 70}

func TestGemm(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		testGemm[float32](t)
		testGemm[float64](t)
	})
}

func testGemm[T kernels.Float](t *testing.T) {
	r := newRand(41)
	scalars := []T{0, 1, -1, 0.5, 2.5}
	trials := 400
	if testing.Short() {
		trials = 150
	}
	for trial := 0; trial < trials; trial++ {
		m, n, k := gemmDims[r.IntN(len(gemmDims))], gemmDims[r.IntN(len(gemmDims))], gemmDims[r.IntN(len(gemmDims))]
		for tt := 0; tt < 4; tt++ {
			alpha, beta := scalars[r.IntN(len(scalars))], scalars[r.IntN(len(scalars))]
			newGemmCase(r, tt&1 != 0, tt&2 != 0, m, n, k, alpha, beta).check(t)
		}
	}
	// Larger than any blocking, odd sizes.
	for _, s := range [][3]int{{129, 67, 300}, {1, 257, 513}, {200, 1, 70}} {
		newGemmCase(r, false, true, s[0], s[1], s[2], T(1), T(0.5)).check(t)
		newGemmCase(r, true, false, s[0], s[1], s[2], T(-1), T(0)).check(t)
	}
}

func TestGemmNaNSemantics(t *testing.T) {
	nan := math.NaN()
	forEachPath(t, func(t *testing.T) {
		// beta == 0: C is not read, so NaN in C does not propagate.
		a, b := []float64{1, 2, 3, 4}, []float64{1, 0, 0, 1}
		c := []float64{nan, nan, math.Inf(1), nan}
		kernels.Gemm(false, false, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2)
		for i, want := range []float64{1, 2, 3, 4} {
			if c[i] != want {
				t.Fatalf("beta=0: C = %v", c)
			}
		}
		// alpha == 0: A and B are not read.
		c = []float64{1, 2, 3, 4}
		kernels.Gemm(false, false, 2, 2, 2, 0, []float64{nan, nan, nan, nan}, 2, b, 2, 2, c, 2)
		for i, want := range []float64{2, 4, 6, 8} {
			if c[i] != want {
				t.Fatalf("alpha=0: C = %v", c)
			}
		}
		// alpha == 0 and beta == 0 clears C, NaN included.
		c32 := []float32{float32(nan), 1}
		kernels.Gemm(true, true, 1, 2, 3, 0, []float32{1, 1, 1}, 1, []float32{1, 1, 1, 1, 1, 1}, 3, 0, c32, 2)
		if c32[0] != 0 || c32[1] != 0 {
			t.Fatalf("alpha=beta=0: C = %v", c32)
		}
		// k == 0 with beta == 1 leaves C alone; NaN in A/B does propagate
		// when alpha != 0 (BLAS semantics: no skipping of zeros).
		c = []float64{7}
		kernels.Gemm(false, false, 1, 1, 0, 1, nil, 1, nil, 1, 1, c, 1)
		if c[0] != 7 {
			t.Fatalf("k=0: %v", c)
		}
		c = []float64{0}
		kernels.Gemm(false, false, 1, 1, 1, 1, []float64{0}, 1, []float64{nan}, 1, 0, c, 1)
		if c[0] == c[0] {
			t.Fatalf("0*NaN should be NaN, got %v", c[0])
		}
	})
}

// Gemm has no shared state: concurrent callers (run under -race) get the
// same results as serial ones, including callers large enough to use
// several threads each (2mnk >= gemmFlopsPerThread).
func TestGemmConcurrent(t *testing.T) {
	defer kernels.SetThreads(kernels.SetThreads(2))
	r := newRand(42)
	cases := make([]gemmCase[float32], 8)
	for i := range cases {
		cases[i] = newGemmCase[float32](r, i%2 == 0, i%3 == 0, 40+i, 33, 50, 1, 0)
	}
	for i := 0; i < 2; i++ {
		cases = append(cases, newGemmCase[float32](r, i == 0, i == 1, 130, 200+i, 700, 1, 0))
	}
	var wg sync.WaitGroup
	for _, g := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.check(t)
		}()
	}
	wg.Wait()
}

// twoProd and twoSum are error-free transformations. The explicit
// float64 conversions forbid the compiler to fuse a product into a later
// addition (the Go spec allows it across statements; arm64 does it), which
// would break them.
func twoProd(a, b float64) (p, e float64) {
	p = float64(a * b)
	return p, math.FMA(a, b, -p)
}

func twoSum(a, b float64) (s, e float64) {
	s = float64(a + b)
	bb := s - a
	return s, (a - (s - bb)) + (b - bb)
}

// A Gemm call allocates nothing once its pooled buffers have grown, on
// every path, with one thread and with two, for each transposition (with
// two threads the shapes take per-thread blocks of B, gemmCall.ownB).
func TestGemmNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("-race instruments allocations (and sync.Pool drops items)")
	}
	forEachPath(t, func(t *testing.T) {
		for _, threads := range []int{1, 2} {
			prev := kernels.SetThreads(threads)
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}} {
				m, n, k := 130, 300, 70
				a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
				lda, ldb := k, n
				if tr[0] {
					lda = m
				}
				if tr[1] {
					ldb = k
				}
				f := func() { kernels.Gemm(tr[0], tr[1], m, n, k, 1, a, lda, b, ldb, 0, c, n) }
				f()
				if allocs := testing.AllocsPerRun(5, f); allocs != 0 {
					t.Errorf("threads=%d trans=%v: %v allocations per call", threads, tr, allocs)
				}
			}
			kernels.SetThreads(prev)
		}
	})
}
