package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The assignment solver and the general successive-shortest-path solver
// must find the same optimum on uniform square problems.
func TestAssignmentMatchesSSP(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var wa, ws OTWork // reused across sizes, as a trainer would
	for trial := 0; trial < 30; trial++ {
		n := 1 + r.IntN(60)
		c := make([]float64, n*n)
		for i := range c {
			c[i] = r.Float64()
			if trial%3 == 0 {
				c[i] = float64(r.IntN(4)) // ties
			}
		}
		wa.begin()
		rowTo, total := assignment(&wa, c, n)
		seen := make([]bool, n)
		for _, j := range rowTo {
			if seen[j] {
				t.Fatalf("n=%d: column %d assigned twice", n, j)
			}
			seen[j] = true
		}
		flow := make([]float64, n*n)
		ws.begin()
		s := ws.emdSolver(append([]float64(nil), c...), flow, n, n, 1e-14)
		for i := 0; i < n; i++ {
			s.supply[i], s.demand[i] = 1, 1
		}
		if err := s.solve(); err != nil {
			t.Fatal(err)
		}
		var want float64
		for i, f := range flow {
			want += f * c[i]
		}
		if math.Abs(total-want) > 1e-9*float64(n) {
			t.Fatalf("n=%d: assignment %v, SSP %v", n, total, want)
		}
	}
}
