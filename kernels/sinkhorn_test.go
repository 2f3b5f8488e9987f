package kernels_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

func TestSinkhorn(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := newRand(33)
		for _, sz := range [][2]int{{1, 1}, {1, 5}, {7, 3}, {16, 16}, {33, 20}, {64, 64}} {
			n, m := sz[0], sz[1]
			cost, a, b := randProblem(r, n, m)
			exact := make([]float64, n*m)
			ot, err := kernels.EMD(exact, cost, a, b)
			if err != nil {
				t.Fatal(err)
			}
			for _, reg := range []float64{1, 0.1, 0.01} {
				var plans [2][]float64
				for k, logDomain := range []bool{false, true} {
					plan := make([]float64, n*m)
					res, err := kernels.Sinkhorn(plan, cost, a, b, kernels.SinkhornOptions{Reg: reg, Tol: 1e-10, MaxIter: 100000, LogDomain: logDomain})
					if err != nil {
						t.Fatal(err)
					}
					if !res.Converged || res.MarginalError > 2e-10 || res.Iterations < 1 {
						t.Fatalf("%dx%d reg=%v log=%v: %+v", n, m, reg, logDomain, res)
					}
					if e := marginalErr(plan, a, b); math.Abs(e-res.MarginalError) > 1e-14 {
						t.Fatalf("reported marginal error %g, actual %g", res.MarginalError, e)
					}
					// 0 <= <P,C> - OT <= reg*log(n*m), up to the
					// marginal error times the cost range.
					gap := planCost(plan, cost) - ot
					if gap < -1e-9 || gap > reg*math.Log(float64(n*m))+1e-9 {
						t.Fatalf("%dx%d reg=%v: <P,C> - OT = %g outside [0, %g]", n, m, reg, gap, reg*math.Log(float64(n*m)))
					}
					plans[k] = plan
				}
				for i := range plans[0] {
					if math.Abs(plans[0][i]-plans[1][i]) > 1e-9 {
						t.Fatalf("scaling and log-domain plans differ at %d: %v vs %v", i, plans[0][i], plans[1][i])
					}
				}
			}
		}
	})
}

func TestSinkhornApproachesEMD(t *testing.T) {
	r := newRand(34)
	n := 12
	cost, a, b := randProblem(r, n, n)
	exact := make([]float64, n*n)
	ot, _ := kernels.EMD(exact, cost, a, b)
	prev := math.Inf(1)
	for _, reg := range []float64{0.3, 0.1, 0.03, 0.01, 0.003, 0.001} {
		plan := make([]float64, n*n)
		if _, err := kernels.Sinkhorn(plan, cost, a, b, kernels.SinkhornOptions{Reg: reg, LogDomain: true, MaxIter: 200000, Tol: 1e-12}); err != nil {
			t.Fatal(err)
		}
		var diff float64
		for i := range plan {
			diff += math.Abs(plan[i] - exact[i])
		}
		if diff > prev+1e-9 {
			t.Fatalf("reg=%v: plan distance to EMD grew: %g > %g", reg, diff, prev)
		}
		prev = diff
		if gap := planCost(plan, cost) - ot; gap < -1e-9 || gap > reg*math.Log(float64(n*n)) {
			t.Fatalf("reg=%v: gap %g", reg, gap)
		}
	}
	if prev > 1e-3 {
		t.Fatalf("at reg=0.001 the plan is %g (L1) from EMD's", prev)
	}
}

func TestSinkhornFloat32(t *testing.T) {
	r := newRand(35)
	cost, a, b := randProblem(r, 50, 40)
	plan := make([]float32, len(cost))
	for _, logDomain := range []bool{false, true} {
		res, err := kernels.Sinkhorn(plan, toF32(cost), toF32(a), toF32(b), kernels.SinkhornOptions{Reg: 0.05, Tol: 1e-5, LogDomain: logDomain})
		if err != nil || !res.Converged || res.MarginalError > 2e-5 {
			t.Fatalf("log=%v: %+v %v", logDomain, res, err)
		}
	}
	// cost/Reg up to 500, far beyond float32's exp range: only the log
	// domain (absorbing its scalings many times) converges.
	res, err := kernels.Sinkhorn(plan, toF32(cost), toF32(a), toF32(b), kernels.SinkhornOptions{Reg: 0.002, Tol: 1e-5, LogDomain: true, MaxIter: 100000})
	if err != nil || !res.Converged || res.MarginalError > 2e-5 {
		t.Fatalf("float32 log domain, Reg 0.002: %+v %v", res, err)
	}
}

func TestSinkhornEdgeCases(t *testing.T) {
	r := newRand(36)
	cost, a, b := randProblem(r, 6, 5)
	plan := make([]float64, 30)
	// Non-convergence is reported, not an error.
	res, err := kernels.Sinkhorn(plan, cost, a, b, kernels.SinkhornOptions{Reg: 0.01, MaxIter: 2})
	if err != nil || res.Converged || res.Iterations != 2 || res.MarginalError <= 0 {
		t.Fatalf("MaxIter=2: %+v %v", res, err)
	}
	// Scaling underflows for cost/Reg beyond exp's range; log domain works.
	big := make([]float64, len(cost))
	for i := range big {
		big[i] = cost[i] * 2000
	}
	_, err = kernels.Sinkhorn(plan, big, a, b, kernels.SinkhornOptions{Reg: 1})
	if !errors.Is(err, kernels.ErrNumerical) {
		t.Fatalf("want ErrNumerical, got %v", err)
	}
	res, err = kernels.Sinkhorn(plan, big, a, b, kernels.SinkhornOptions{Reg: 1, LogDomain: true, MaxIter: 10000})
	if err != nil || !res.Converged {
		t.Fatalf("log domain: %+v %v", res, err)
	}
	// Zero masses give empty rows and columns.
	a0, b0 := slices.Clone(a), slices.Clone(b)
	a0[2], b0[4] = 0, 0
	a0[0] += a[2]
	b0[0] += b[4]
	for _, logDomain := range []bool{false, true} {
		res, err = kernels.Sinkhorn(plan, big, a0, b0, kernels.SinkhornOptions{Reg: 50, LogDomain: logDomain, MaxIter: 10000})
		if err != nil || !res.Converged {
			t.Fatalf("zero masses log=%v: %+v %v", logDomain, res, err)
		}
		for j := 0; j < 5; j++ {
			if plan[2*5+j] != 0 {
				t.Fatalf("row without mass has %v", plan[2*5+j])
			}
		}
		for i := 0; i < 6; i++ {
			if plan[i*5+4] != 0 {
				t.Fatalf("column without mass has %v", plan[i*5+4])
			}
		}
	}
}

// TestSinkhornThreads checks that the parallel scaling iterations give
// the same bits for every number of threads, plain, over-relaxed and in
// the log domain, in both precisions.
func TestSinkhornThreads(t *testing.T) {
	defer kernels.SetThreads(kernels.SetThreads(0))
	r := newRand(8)
	n, m := 300, 200 // large enough for the parallel pass
	cost, a, b := randProblem(r, n, m)
	cost32, a32, b32 := toF32(cost), toF32(a), toF32(b)
	for _, opts := range []kernels.SinkhornOptions{
		{Reg: 0.02, Tol: 1e-9},
		{Reg: 0.02, Tol: 1e-9, Overrelax: kernels.OverrelaxAuto},
		{Reg: 0.005, Tol: 1e-9, Overrelax: kernels.OverrelaxAuto, LogDomain: true},
	} {
		var want []float64
		var want32 []float32
		var wantRes, wantRes32 kernels.SinkhornResult
		for _, th := range []int{1, 2, 3} {
			kernels.SetThreads(th)
			plan := make([]float64, n*m)
			res, err := kernels.Sinkhorn(plan, cost, a, b, opts)
			if err != nil || !res.Converged {
				t.Fatalf("%+v threads=%d: %+v, %v", opts, th, res, err)
			}
			opts32 := opts
			opts32.Tol = 1e-5
			plan32 := make([]float32, n*m)
			res32, err := kernels.Sinkhorn(plan32, cost32, a32, b32, opts32)
			if err != nil {
				t.Fatalf("%+v threads=%d float32: %+v, %v", opts, th, res32, err)
			}
			if want == nil {
				want, want32, wantRes, wantRes32 = plan, plan32, res, res32
				continue
			}
			if res != wantRes || res32 != wantRes32 {
				t.Fatalf("%+v threads=%d: %+v and %+v, with one thread %+v and %+v", opts, th, res, res32, wantRes, wantRes32)
			}
			for i := range plan {
				if plan[i] != want[i] || plan32[i] != want32[i] {
					t.Fatalf("%+v threads=%d: plan[%d] = %v and %v, with one thread %v and %v", opts, th, i, plan[i], plan32[i], want[i], want32[i])
				}
			}
		}
	}
}

// TestSinkhornOverrelax checks that over-relaxed iterations (a fixed
// factor and OverrelaxAuto) converge to the plain iterations' plan, in
// both forms and precisions and on every path, that OverrelaxAuto needs
// far fewer iterations on the benchmark problem (an algorithmic count,
// the same on every machine), and that invalid factors are refused.
func TestSinkhornOverrelax(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		r := newRand(36)
		for _, sz := range [][2]int{{1, 1}, {7, 3}, {33, 20}, {64, 64}} {
			n, m := sz[0], sz[1]
			cost, a, b := randProblem(r, n, m)
			for _, reg := range []float64{0.1, 0.01} {
				for _, logDomain := range []bool{false, true} {
					opts := kernels.SinkhornOptions{Reg: reg, Tol: 1e-11, MaxIter: 100000, LogDomain: logDomain}
					plain := make([]float64, n*m)
					base, err := kernels.Sinkhorn(plain, cost, a, b, opts)
					if err != nil || !base.Converged {
						t.Fatalf("%dx%d reg=%v log=%v plain: %+v %v", n, m, reg, logDomain, base, err)
					}
					for _, w := range []float64{1.5, kernels.OverrelaxAuto} {
						opts.Overrelax = w
						plan := make([]float64, n*m)
						res, err := kernels.Sinkhorn(plan, cost, a, b, opts)
						if err != nil || !res.Converged || res.MarginalError > 2e-11 {
							t.Fatalf("%dx%d reg=%v log=%v w=%v: %+v %v", n, m, reg, logDomain, w, res, err)
						}
						var d float64
						for i := range plan {
							d += math.Abs(plan[i] - plain[i])
						}
						if d > 1e-8 {
							t.Fatalf("%dx%d reg=%v log=%v w=%v: plan %g (L1) from the plain one", n, m, reg, logDomain, w, d)
						}
					}
				}
			}
		}
	})
	cost, a := otProblem(128)
	iters := map[float64]int{}
	for _, w := range []float64{0, 1, kernels.OverrelaxAuto} {
		plan := make([]float64, len(cost))
		res, err := kernels.Sinkhorn(plan, cost, a, a, kernels.SinkhornOptions{Reg: 0.01, Tol: 1e-6, MaxIter: 10000, Overrelax: w})
		if err != nil || !res.Converged {
			t.Fatalf("benchmark problem, w=%v: %+v %v", w, res, err)
		}
		iters[w] = res.Iterations
		// float32 too: the factor and its guard work in either.
		plan32 := make([]float32, len(cost))
		res32, err := kernels.Sinkhorn(plan32, toF32(cost), toF32(a), toF32(a), kernels.SinkhornOptions{Reg: 0.01, Tol: 1e-5, MaxIter: 10000, Overrelax: w})
		if err != nil || !res32.Converged {
			t.Fatalf("benchmark problem, float32, w=%v: %+v %v", w, res32, err)
		}
	}
	// float32 in the log domain with cost/Reg up to 500 (as in
	// TestSinkhornFloat32), which absorbs its scalings many times.
	c2, a2, b2 := randProblem(newRand(35), 50, 40)
	plan2 := make([]float32, len(c2))
	res2, err := kernels.Sinkhorn(plan2, toF32(c2), toF32(a2), toF32(b2), kernels.SinkhornOptions{Reg: 0.002, Tol: 1e-5, LogDomain: true, MaxIter: 100000, Overrelax: kernels.OverrelaxAuto})
	if err != nil || !res2.Converged || res2.MarginalError > 2e-5 {
		t.Fatalf("float32 log domain, Reg 0.002, OverrelaxAuto: %+v %v", res2, err)
	}
	t.Logf("benchmark problem 128x128, Reg 0.01, Tol 1e-6: %d iterations plain, %d with OverrelaxAuto", iters[0], iters[kernels.OverrelaxAuto])
	if iters[1] != iters[0] || 3*iters[kernels.OverrelaxAuto] > iters[0] {
		t.Errorf("iterations: plain %d, w=1 %d, auto %d (want auto below a third of plain)", iters[0], iters[1], iters[kernels.OverrelaxAuto])
	}
	plan := make([]float64, 4)
	for _, w := range []float64{-0.5, 0.5, 2, math.NaN(), math.Inf(1)} {
		if _, err := kernels.Sinkhorn(plan, []float64{0, 1, 1, 0}, []float64{0.5, 0.5}, []float64{0.5, 0.5}, kernels.SinkhornOptions{Reg: 0.1, Overrelax: w}); err == nil {
			t.Errorf("Overrelax = %v: no error", w)
		}
	}
}
