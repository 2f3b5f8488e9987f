package kernels_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

func randMasses(r *rand.Rand, n int) []float64 {
	a := make([]float64, n)
	var s float64
	for i := range a {
		a[i] = r.Float64() + 0.01
		s += a[i]
	}
	for i := range a {
		a[i] /= s
	}
	return a
}

func planCost[T kernels.Float](plan, cost []T) float64 {
	var s float64
	for i := range plan {
		s += float64(plan[i]) * float64(cost[i])
	}
	return s
}

// marginalErr is the L1 marginal error of an n x m plan.
func marginalErr[T kernels.Float](plan, a, b []T) float64 {
	m := len(b)
	var e float64
	col := make([]float64, m)
	for i := range a {
		var r float64
		for j := 0; j < m; j++ {
			r += float64(plan[i*m+j])
			col[j] += float64(plan[i*m+j])
		}
		e += math.Abs(r - float64(a[i]))
	}
	for j := range b {
		e += math.Abs(col[j] - float64(b[j]))
	}
	return e
}

// permutations calls f with every permutation of 0..n-1.
func permutations(n int, f func([]int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			f(p)
			return
		}
		for i := k; i < n; i++ {
			p[k], p[i] = p[i], p[k]
			rec(k + 1)
			p[k], p[i] = p[i], p[k]
		}
	}
	rec(0)
}

func TestEMDAssignmentBruteForce(t *testing.T) {
	r := newRand(31)
	for n := 1; n <= 7; n++ {
		for trial := 0; trial < 20; trial++ {
			cost := make([]float64, n*n)
			for i := range cost {
				cost[i] = r.Float64()*4 - 1 // negative costs too
				if trial%3 == 0 {
					cost[i] = float64(r.IntN(3)) // many ties
				}
			}
			best := math.Inf(1)
			permutations(n, func(p []int) {
				var s float64
				for i, j := range p {
					s += cost[i*n+j]
				}
				best = min(best, s/float64(n))
			})
			a := make([]float64, n)
			for i := range a {
				a[i] = 1 / float64(n)
			}
			plan := make([]float64, n*n)
			got, err := kernels.EMD(plan, cost, a, a)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-best) > 1e-12 || math.Abs(planCost(plan, cost)-got) > 1e-12 {
				t.Fatalf("n=%d: EMD cost %v, brute force %v", n, got, best)
			}
			// A permutation matrix / n.
			for i := 0; i < n; i++ {
				nz := 0
				for j := 0; j < n; j++ {
					if v := plan[i*n+j]; v != 0 {
						nz++
						if math.Abs(v-1/float64(n)) > 1e-15 {
							t.Fatalf("n=%d: entry %v is not 1/n", n, v)
						}
					}
				}
				if nz != 1 {
					t.Fatalf("n=%d: row %d has %d entries", n, i, nz)
				}
			}
		}
	}
}

// northWest returns the cost of the monotone coupling of sorted supports,
// which is optimal for a convex cost of x - y in one dimension.
func northWest(xs, ys, a, b []float64) float64 {
	a, b = slices.Clone(a), slices.Clone(b)
	var total float64
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		m := min(a[i], b[j])
		total += m * (xs[i] - ys[j]) * (xs[i] - ys[j])
		a[i] -= m
		b[j] -= m
		if a[i] <= 1e-15 {
			i++
		} else {
			j++
		}
	}
	return total
}

func TestEMDGeneralMarginals(t *testing.T) {
	r := newRand(32)
	for trial := 0; trial < 60; trial++ {
		n, m := 1+r.IntN(40), 1+r.IntN(40)
		xs, ys := make([]float64, n), make([]float64, m)
		for i := range xs {
			xs[i] = r.Float64()
		}
		for j := range ys {
			ys[j] = r.Float64()
		}
		slices.Sort(xs)
		slices.Sort(ys)
		a, b := randMasses(r, n), randMasses(r, m)
		// Shuffle rows so the solver cannot profit from the order.
		perm := r.Perm(n)
		pa, pxs := make([]float64, n), make([]float64, n)
		for i, p := range perm {
			pa[i], pxs[i] = a[p], xs[p]
		}
		cost := make([]float64, n*m)
		for i := range pxs {
			for j := range ys {
				cost[i*m+j] = (pxs[i] - ys[j]) * (pxs[i] - ys[j])
			}
		}
		plan := make([]float64, n*m)
		got, err := kernels.EMD(plan, cost, pa, b)
		if err != nil {
			t.Fatal(err)
		}
		want := northWest(xs, ys, a, b)
		if math.Abs(got-want) > 1e-12 {
			t.Fatalf("n=%d m=%d: EMD %v, monotone coupling %v", n, m, got, want)
		}
		if e := marginalErr(plan, pa, b); e > 1e-12 {
			t.Fatalf("n=%d m=%d: marginal error %g", n, m, e)
		}
		nz := 0
		for _, v := range plan {
			if v < 0 {
				t.Fatalf("negative plan entry %v", v)
			}
			if v > 0 {
				nz++
			}
		}
		if nz > n+m-1 {
			t.Fatalf("plan has %d non-zeros > n+m-1 = %d", nz, n+m-1)
		}
		// float32 gives the same cost to float32 accuracy.
		c32, a32, b32 := toF32(cost), toF32(pa), toF32(b)
		// Renormalise the float32 marginals to equal sums.
		p32 := make([]float32, n*m)
		got32, err := kernels.EMD(p32, c32, a32, b32)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(float64(got32)-want) > 1e-5 {
			t.Fatalf("float32 EMD %v, want %v", got32, want)
		}
	}
}

func toF32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

func randProblem(r *rand.Rand, n, m int) (cost, a, b []float64) {
	cost = make([]float64, n*m)
	for i := range cost {
		cost[i] = r.Float64()
	}
	return cost, randMasses(r, n), randMasses(r, m)
}

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

func TestOTErrors(t *testing.T) {
	r := newRand(37)
	cost, a, b := randProblem(r, 3, 4)
	plan := make([]float64, 12)
	nan := math.NaN()
	opts := kernels.SinkhornOptions{Reg: 0.1}
	bad := []struct {
		name    string
		cost    []float64
		a, b    []float64
		want    error
		sinkErr bool
	}{
		{"negative a", cost, []float64{-0.1, 0.6, 0.5}, b, kernels.ErrMarginals, true},
		{"NaN b", cost, a, []float64{nan, 0.5, 0.25, 0.25}, kernels.ErrMarginals, true},
		{"Inf a", cost, []float64{math.Inf(1), 0, 0}, b, kernels.ErrMarginals, true},
		{"unequal sums", cost, []float64{0.5, 0.5, 0.5}, b, kernels.ErrMarginals, true},
		{"no mass", cost, []float64{0, 0, 0}, []float64{0, 0, 0, 0}, kernels.ErrMarginals, true},
		{"NaN cost", append([]float64{nan}, cost[1:]...), a, b, kernels.ErrCost, true},
		{"Inf cost", append([]float64{math.Inf(-1)}, cost[1:]...), a, b, kernels.ErrCost, true},
	}
	for _, c := range bad {
		if _, err := kernels.EMD(plan, c.cost, c.a, c.b); !errors.Is(err, c.want) {
			t.Errorf("EMD %s: got %v, want %v", c.name, err, c.want)
		}
		if _, err := kernels.Sinkhorn(plan, c.cost, c.a, c.b, opts); !errors.Is(err, c.want) {
			t.Errorf("Sinkhorn %s: got %v, want %v", c.name, err, c.want)
		}
	}
	// Costs whose squares overflow are valid (the fast check of the cost
	// sums squares).
	huge := append([]float64{1e200}, cost[1:]...)
	if _, err := kernels.EMD(plan, huge, a, b); err != nil {
		t.Errorf("EMD with a cost of 1e200: %v", err)
	}
	if _, err := kernels.EMD(make([]float32, 12), toF32(append([]float64{1e30}, cost[1:]...)), toF32(a), toF32(b)); err != nil {
		t.Errorf("float32 EMD with a cost of 1e30: %v", err)
	}
	if _, err := kernels.EMD([]float64{}, []float64{}, []float64{}, []float64{}); !errors.Is(err, kernels.ErrMarginals) {
		t.Errorf("empty marginals: %v", err)
	}
	for _, o := range []kernels.SinkhornOptions{{}, {Reg: -1}, {Reg: nan}, {Reg: math.Inf(1)}, {Reg: 1, MaxIter: -1}, {Reg: 1, Tol: -1}, {Reg: 1, Tol: nan}} {
		if _, err := kernels.Sinkhorn(plan, cost, a, b, o); err == nil {
			t.Errorf("options %+v accepted", o)
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

// One OTWork reused across sizes, precisions and solvers gives the bits
// of fresh solves, and a repeated solve of one size allocates nothing.
func TestOTWorkReuse(t *testing.T) {
	r := newRand(41)
	var w kernels.OTWork
	type solve struct {
		name string
		run  func(w *kernels.OTWork) []float64
	}
	var solves []solve
	for _, n := range []int{5, 64, 17, 200} {
		cost, a, b := randProblem(r, n, n)
		u := make([]float64, n)
		cost32, b32 := make([]float32, n*n), make([]float32, n)
		for i, c := range cost {
			cost32[i] = float32(c)
		}
		for i := range u {
			u[i], b32[i] = 1/float64(n), float32(1/float64(n))
		}
		for _, lg := range []bool{false, true} {
			opts := kernels.SinkhornOptions{Reg: 0.05, Tol: 1e-8, LogDomain: lg}
			solves = append(solves,
				solve{fmt.Sprintf("EMD uniform %d", n), func(w *kernels.OTWork) []float64 {
					p := make([]float64, n*n)
					kernels.EMDWith(w, p, cost, u, u)
					return p
				}},
				solve{fmt.Sprintf("EMD %d", n), func(w *kernels.OTWork) []float64 {
					p := make([]float64, n*n)
					kernels.EMDWith(w, p, cost, a, b)
					return p
				}},
				solve{fmt.Sprintf("Sinkhorn %d log=%v", n, lg), func(w *kernels.OTWork) []float64 {
					p := make([]float64, n*n)
					if _, err := kernels.SinkhornWith(w, p, cost, a, b, opts); err != nil {
						t.Fatal(err)
					}
					return p
				}},
				solve{fmt.Sprintf("Sinkhorn float32 %d log=%v", n, lg), func(w *kernels.OTWork) []float64 {
					p := make([]float32, n*n)
					if _, err := kernels.SinkhornWith(w, p, cost32, b32, b32, opts); err != nil {
						t.Fatal(err)
					}
					p64 := make([]float64, len(p))
					for i, v := range p {
						p64[i] = float64(v)
					}
					return p64
				}})
		}
	}
	for round := range 2 {
		for _, s := range solves {
			got, want := s.run(&w), s.run(new(kernels.OTWork))
			if !slices.Equal(got, want) {
				t.Fatalf("round %d, %s: a reused OTWork changed the plan", round, s.name)
			}
		}
	}
	if raceEnabled {
		return // -race's instrumentation allocates
	}
	n := 128
	cost, a, b := randProblem(r, n, n)
	u := make([]float64, n)
	for i := range u {
		u[i] = 1 / float64(n)
	}
	plan := make([]float64, n*n)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"EMD uniform", func() { kernels.EMDWith(&w, plan, cost, u, u) }},
		{"EMD", func() { kernels.EMDWith(&w, plan, cost, a, b) }},
		{"Sinkhorn", func() { kernels.SinkhornWith(&w, plan, cost, a, b, kernels.SinkhornOptions{Reg: 0.05}) }},
		{"Sinkhorn log", func() {
			kernels.SinkhornWith(&w, plan, cost, a, b, kernels.SinkhornOptions{Reg: 0.05, LogDomain: true})
		}},
	} {
		c.f()
		if allocs := testing.AllocsPerRun(3, c.f); allocs != 0 {
			t.Errorf("%s: %v allocations per solve with a grown OTWork", c.name, allocs)
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
