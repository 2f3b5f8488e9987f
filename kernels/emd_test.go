package kernels_test

import (
	"math"
	"slices"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

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
