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
