package kernels_test

import (
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

func FuzzOT(f *testing.F) {
	f.Add(uint64(1), uint8(4), uint8(4), 0.1)
	f.Add(uint64(2), uint8(1), uint8(9), 0.01)
	f.Fuzz(func(t *testing.T, seed uint64, nb, mb uint8, reg float64) {
		n, m := int(nb%24)+1, int(mb%24)+1
		r := newRand(seed)
		cost, a, b := randProblem(r, n, m)
		for i := range cost {
			if seed%3 == 0 {
				cost[i] = float64(r.IntN(3)) // ties
			}
		}
		plan := make([]float64, n*m)
		ot, err := kernels.EMD(plan, cost, a, b)
		if err != nil {
			t.Fatal(err)
		}
		if e := marginalErr(plan, a, b); e > 1e-12 {
			t.Fatalf("EMD marginal error %g", e)
		}
		// The independent coupling a b^T is feasible, so it costs at
		// least as much.
		var indep float64
		for i := range a {
			for j := range b {
				indep += a[i] * b[j] * cost[i*m+j]
			}
		}
		if ot > indep+1e-12 {
			t.Fatalf("EMD cost %v above the independent coupling's %v", ot, indep)
		}
		if !(reg > 1e-3 && reg < 10) {
			reg = 0.1
		}
		sp := make([]float64, n*m)
		res, err := kernels.Sinkhorn(sp, cost, a, b, kernels.SinkhornOptions{Reg: reg, LogDomain: true, MaxIter: 5000, Tol: 1e-9})
		if err != nil {
			t.Fatal(err)
		}
		if res.Converged && planCost(sp, cost) < ot-1e-8 {
			t.Fatalf("Sinkhorn plan cost %v below the optimum %v", planCost(sp, cost), ot)
		}
	})
}
