package kernels_test

import (
	"fmt"
	"math"

	"github.com/fisherflow/fisherflow/kernels"
)

// Two categorical distributions over 3 classes, mapped to the sphere,
// their Fisher-Rao geodesic angle, and the point halfway between them,
// mapped back to the simplex.
func Example() {
	const d = 3
	p := []float64{
		1, 0, 0, // a corner of the simplex (one-hot)
		0.2, 0.3, 0.5,
	}
	x := make([]float64, len(p))
	kernels.ToSphere(x, p, d)

	theta := make([]float64, 1)
	kernels.SphereDist(theta, x[:d], x[d:], d)

	mid := make([]float64, d)
	kernels.Slerp(mid, x[:d], x[d:], []float64{0.5}, d)
	kernels.ToSimplex(mid, mid, d)

	fmt.Printf("sphere: %.4f\nangle: %.4f rad\nmidpoint: %.4f\n", x, theta[0], mid)
	// Output:
	// sphere: [1.0000 0.0000 0.0000 0.4472 0.5477 0.7071]
	// angle: 1.1071 rad
	// midpoint: [0.7236 0.1036 0.1727]
}

// LogMap gives the tangent vector whose length is the angle; ExpMap
// follows it back.
func ExampleLogMap() {
	x := []float64{0.8, 0.6, 0}
	y := []float64{0, 0.6, 0.8}
	v := make([]float64, 3)
	kernels.LogMap(v, x, y, 3)
	back := make([]float64, 3)
	kernels.ExpMap(back, x, v, 3)
	kernels.Axpy(-1, y, back)
	fmt.Printf("v = %.4f, |v| = %.4f\n|ExpMap(x, v) - y| < 1e-15: %v\n", v, kernels.Norm2(v), kernels.Norm2(back) < 1e-15)
	// Output:
	// v = [-0.3712 0.4950 1.0312], |v| = 1.2025
	// |ExpMap(x, v) - y| < 1e-15: true
}

// The exact transport plan between uniform marginals is a permutation;
// Sinkhorn's entropic plan approaches it as Reg shrinks.
func ExampleEMD() {
	cost := []float64{
		0, 2, 1,
		1, 0, 2,
		2, 1, 0,
	}
	a := []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}
	plan := make([]float64, 9)
	total, err := kernels.EMD(plan, cost, a, a)
	if err != nil {
		panic(err)
	}
	fmt.Printf("cost %.3f\nplan %.3f\n", total, plan)

	res, err := kernels.Sinkhorn(plan, cost, a, a, kernels.SinkhornOptions{Reg: 0.05, Tol: 1e-9})
	if err != nil {
		panic(err)
	}
	fmt.Printf("sinkhorn converged=%v error<1e-9: %v\nplan %.3f\n", res.Converged, res.MarginalError < 1e-9, plan)
	// Output:
	// cost 0.000
	// plan [0.333 0.000 0.000 0.000 0.333 0.000 0.000 0.000 0.333]
	// sinkhorn converged=true error<1e-9: true
	// plan [0.333 0.000 0.000 0.000 0.333 0.000 0.000 0.000 0.333]
}

// Over-relaxed Sinkhorn reaches the same plan in fewer iterations;
// OverrelaxAuto picks the factor from the first iterations.
func ExampleSinkhorn_overrelax() {
	// 64 points of the unit square against 64 others, squared distances.
	n := 64
	cost, a := make([]float64, n*n), make([]float64, n)
	for i := range n {
		a[i] = 1 / float64(n)
		xi, yi := math.Mod(float64(i)*0.618034, 1), math.Mod(float64(i)*0.414214, 1)
		for j := range n {
			xj, yj := math.Mod(float64(j)*0.732051, 1), math.Mod(float64(j)*0.236068, 1)
			cost[i*n+j] = (xi-xj)*(xi-xj) + (yi-yj)*(yi-yj)
		}
	}
	plain, fast := make([]float64, n*n), make([]float64, n*n)
	opts := kernels.SinkhornOptions{Reg: 0.01, Tol: 1e-9, MaxIter: 10000}
	r1, err := kernels.Sinkhorn(plain, cost, a, a, opts)
	if err != nil {
		panic(err)
	}
	opts.Overrelax = kernels.OverrelaxAuto
	r2, err := kernels.Sinkhorn(fast, cost, a, a, opts)
	if err != nil {
		panic(err)
	}
	var diff float64
	for i := range plain {
		diff += math.Abs(plain[i] - fast[i])
	}
	fmt.Printf("both converged: %v\nunder half the iterations: %v\nsame plan (L1 < 1e-7): %v\n",
		r1.Converged && r2.Converged, 2*r2.Iterations < r1.Iterations, diff < 1e-7)
	// Output:
	// both converged: true
	// under half the iterations: true
	// same plan (L1 < 1e-7): true
}

// Gemm multiplies row-major matrices with BLAS semantics; here C = A B^T.
func ExampleGemm() {
	a := []float32{1, 2, 3, 4, 5, 6} // 2 x 3
	b := []float32{1, 0, 1, 0, 1, 0} // 2 x 3, used transposed
	c := make([]float32, 4)          // 2 x 2
	kernels.Gemm(false, true, 2, 2, 3, 1, a, 3, b, 3, 0, c, 2)
	fmt.Println(c)
	// Output: [4 2 10 5]
}

// Conv1d convolves a batch of sequences (channels-last) with "same"
// padding: here one sequence of 4 positions with 1 channel, 3 taps that
// sum the neighbours, 1 output channel with a bias of 10.
func ExampleConv1d() {
	s := kernels.ConvShape{Batch: 1, Length: 4, In: 1, Out: 1, Kernel: 3, Dilation: 1}
	x := []float32{1, 2, 3, 4}
	w := []float32{1, 1, 1} // Out x Kernel x In
	y := make([]float32, 4)
	kernels.Conv1d(s, x, w, []float32{10}, 0, y)
	fmt.Println(y)
	// Output: [13 16 19 17]
}

// Paths lists the kernel paths this CPU can run, best first; UsePath
// forces one (FISHERFLOW_KERNELS does the same at start-up).
func ExampleUsePath() {
	paths := kernels.Paths()
	fmt.Println("generic is always last:", paths[len(paths)-1])
	if err := kernels.UsePath("generic"); err != nil {
		panic(err)
	}
	fmt.Println("active:", kernels.Path())
	fmt.Println("unknown name refused:", kernels.UsePath("mmx") != nil)
	kernels.UsePath(paths[0])
	// Output:
	// generic is always last: generic
	// active: generic
	// unknown name refused: true
}

// ExampleAdamW runs three AdamW steps (torch.optim.AdamW's defaults,
// learning rate 0.1, no weight decay) on f(w) = w^2/2, whose gradient is w:
// each step moves a weight by about the learning rate.
func ExampleAdamW() {
	w := []float32{1, -2}
	g := make([]float32, len(w))
	m, v := make([]float64, len(w)), make([]float64, len(w))
	const lr, b1, b2 = 0.1, 0.9, 0.999
	for t := 1; t <= 3; t++ {
		copy(g, w)
		kernels.AdamW(w, g, m, v, kernels.AdamWCoeffs{Beta1: b1, Beta2: b2, Eps: 1e-8, Decay: 1,
			Step: lr / (1 - math.Pow(b1, float64(t))), BiasCorr2: math.Sqrt(1 - math.Pow(b2, float64(t)))})
	}
	fmt.Printf("%.4f %.4f\n", w[0], w[1])
	// Output: 0.7016 -1.7006
}
