package gonumblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/blas/testblas"
	"gonum.org/v1/gonum/mat"

	"github.com/fisherflow/fisherflow/kernels"
)

// gonum's own BLAS test suite, on every kernel path this CPU supports.
func TestGonumSuite(t *testing.T) {
	impl := Implementation{}
	for _, p := range kernels.Paths() {
		if err := kernels.UsePath(p); err != nil {
			t.Fatal(err)
		}
		t.Run(p, func(t *testing.T) {
			testblas.TestDgemm(t, impl)
			testblas.DdotTest(t, impl)
			testblas.DaxpyTest(t, impl)
			testblas.DscalTest(t, impl)
			testblas.Dnrm2Test(t, impl)
			testblas.DasumTest(t, impl) // delegated
			testblas.DgemvTest(t, impl) // delegated
		})
	}
	kernels.UsePath(kernels.Paths()[0])
}

// float32 routines against gonum's, which testblas does not cover.
func TestFloat32AgainstGonum(t *testing.T) {
	var ours Implementation
	var ref gonum.Implementation
	r := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.Float64()*2 - 1)
		}
		return x
	}
	for trial := 0; trial < 200; trial++ {
		m, n, k := 1+r.IntN(70), 1+r.IntN(70), 1+r.IntN(70)
		tA, tB := []blas.Transpose{blas.NoTrans, blas.Trans}[r.IntN(2)], []blas.Transpose{blas.NoTrans, blas.ConjTrans}[r.IntN(2)]
		a, b := rnd(m*k), rnd(k*n)
		lda, ldb := k, n
		if tA != blas.NoTrans {
			lda = m
		}
		if tB != blas.NoTrans {
			ldb = k
		}
		c1 := rnd(m * n)
		c2 := append([]float32(nil), c1...)
		ours.Sgemm(tA, tB, m, n, k, 1.5, a, lda, b, ldb, 0.5, c1, n)
		ref.Sgemm(tA, tB, m, n, k, 1.5, a, lda, b, ldb, 0.5, c2, n)
		for i := range c1 {
			if math.Abs(float64(c1[i]-c2[i])) > 1e-4*float64(k) {
				t.Fatalf("Sgemm %dx%dx%d: %v vs gonum %v", m, n, k, c1[i], c2[i])
			}
		}
		x, y := rnd(n), rnd(n)
		if d1, d2 := ours.Sdot(n, x, 1, y, 1), ref.Sdot(n, x, 1, y, 1); math.Abs(float64(d1-d2)) > 1e-5*float64(n) {
			t.Fatalf("Sdot %v vs %v", d1, d2)
		}
		if d1, d2 := ours.Snrm2(n, x, 1), ref.Snrm2(n, x, 1); math.Abs(float64(d1-d2)) > 1e-5*float64(d2) {
			t.Fatalf("Snrm2 %v vs %v", d1, d2)
		}
		y2 := append([]float32(nil), y...)
		ours.Saxpy(n, 0.3, x, 1, y, 1)
		ref.Saxpy(n, 0.3, x, 1, y2, 1)
		ours.Sscal(n, 1.7, y, 1)
		ref.Sscal(n, 1.7, y2, 1)
		for i := range y {
			if math.Abs(float64(y[i]-y2[i])) > 1e-6 {
				t.Fatalf("Saxpy/Sscal %v vs %v", y[i], y2[i])
			}
		}
		// Strided calls go to gonum.
		if d1, d2 := ours.Sdot(n/2, x, 2, y, 2), ref.Sdot(n/2, x, 2, y, 2); d1 != d2 {
			t.Fatalf("strided Sdot %v vs %v", d1, d2)
		}
	}
}

// Bad arguments panic with gonum's messages.
func TestGonumPanics(t *testing.T) {
	var ours Implementation
	for _, c := range []struct {
		want string
		f    func()
	}{
		{"blas: m < 0", func() { ours.Dgemm(blas.NoTrans, blas.NoTrans, -1, 1, 1, 1, nil, 1, nil, 1, 0, nil, 1) }},
		{"blas: illegal transpose", func() { ours.Sgemm('x', blas.NoTrans, 1, 1, 1, 1, nil, 1, nil, 1, 0, nil, 1) }},
		{"blas: insufficient length of a", func() {
			ours.Dgemm(blas.NoTrans, blas.NoTrans, 2, 2, 2, 1, make([]float64, 3), 2, make([]float64, 4), 2, 0, make([]float64, 4), 2)
		}},
		{"blas: n < 0", func() { ours.Ddot(-1, nil, 1, nil, 1) }},
	} {
		func() {
			defer func() {
				if r := recover(); r != c.want {
					t.Errorf("panic %v, want %q", r, c.want)
				}
			}()
			c.f()
		}()
	}
}

// blas64.Use makes gonum/mat multiply with kernels.Gemm.
func ExampleImplementation() {
	blas64.Use(Implementation{})
	defer blas64.Use(gonum.Implementation{})
	a := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	b := mat.NewDense(3, 2, []float64{1, 0, 0, 1, 1, 1})
	var c mat.Dense
	c.Mul(a, b)
	fmt.Println(mat.Formatted(&c))
	// Output:
	// ⎡ 4   5⎤
	// ⎣10  11⎦
}
