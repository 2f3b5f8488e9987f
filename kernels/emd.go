package kernels

import (
	"fmt"
	"math"
)

// EMD computes an exact optimal transport plan between the marginals a (n
// masses) and b (m masses) for the n x m row-major cost matrix: plan (n x m)
// minimises sum_ij plan_ij*cost_ij subject to row sums a and column sums b.
// It returns that minimal cost.
//
// With uniform masses and n == m (minibatch couplings), the plan is a
// permutation matrix scaled by the mass per row, found by a dense
// Hungarian (assignment) solver in O(n^3) time at worst. Otherwise the
// solver is successive shortest paths with Dijkstra on reduced costs (the
// Hungarian method generalised to arbitrary masses), O((n+m)^3) time at
// worst and O(n*m) memory, meant for small problems. Either way the plan
// has at most n+m-1 non-zero entries. Costs may be negative. Work is in
// float64 whatever T is: the returned cost is exact up to the rounding of
// its sum, and the plan's marginals match a and b up to rounding (and the
// difference between their sums, which is left unassigned).
//
// It returns an error wrapping ErrMarginals or ErrCost for the invalid
// inputs Sinkhorn rejects, and a plain error if the shortest paths exceed
// their bound on augmentations, which only a bug can cause. It panics if
// len(cost) or len(plan) is not len(a)*len(b).
func EMD[T Float](plan, cost, a, b []T) (T, error) {
	return EMDWith(new(OTWork), plan, cost, a, b)
}

// EMDWith is EMD with its scratch memory in w, so that repeated solves
// allocate nothing (see OTWork). Its results, bits included, and its
// errors are EMD's.
func EMDWith[T Float](w *OTWork, plan, cost, a, b []T) (T, error) {
	n, m := len(a), len(b)
	checkOTLengths("EMD", len(plan), len(cost), n, m)
	sa, sb, err := validateOT("EMD", cost, a, b)
	if err != nil {
		return 0, err
	}
	w.begin()
	var flow []float64
	if is64[T]() {
		flow = zeroed(f64s(plan))
	} else {
		flow = w.f64.take(n * m)
	}
	c := w.f64.take(n * m)
	cmin := math.Inf(1)
	for i, v := range cost {
		c[i] = float64(v)
		cmin = min(cmin, c[i])
	}
	if n == m && uniform(a) && uniform(b) {
		// Uniform masses on a square problem: an optimal plan is a
		// permutation scaled by the mass per row (Birkhoff), found by the
		// assignment solver.
		rowTo, _ := assignment(w, c, n)
		w := sa / float64(n)
		clear(flow)
		for i, j := range rowTo {
			flow[i*m+j] = w
		}
		return emdFinish(plan, cost, flow), nil
	}
	// Shifting every cost by the same amount changes no plan's ranking
	// (all plans move the same mass) and makes the costs non-negative,
	// as Dijkstra needs.
	for i := range c {
		c[i] -= cmin
	}
	s := w.emdSolver(c, flow, n, m, 1e-14*max(sa, sb))
	for i, v := range a {
		s.supply[i] = float64(v)
	}
	for j, v := range b {
		s.demand[j] = float64(v)
	}
	if err := s.solve(); err != nil {
		return 0, err
	}
	return emdFinish(plan, cost, flow), nil
}

// emdFinish writes the float64 flow to plan (unless it is plan) and
// returns the total cost.
func emdFinish[T Float](plan, cost []T, flow []float64) T {
	var total float64
	for i, f := range flow {
		total += f * float64(cost[i])
	}
	if !is64[T]() {
		for i, f := range flow {
			plan[i] = T(f)
		}
	}
	return T(total)
}

// uniform reports whether all masses are equal.
func uniform[T Float](a []T) bool {
	for _, v := range a {
		if v != a[0] {
			return false
		}
	}
	return true
}

// emdSolver holds the state of successive shortest paths on the bipartite
// graph rows -> columns. Forward edges i->j always exist with cost c_ij;
// backward edges j->i exist where flow_ij > 0, with cost -c_ij. Potentials
// keep reduced costs c_ij + phiR_i - phiC_j non-negative; rows with supply
// left all share one potential, and so do columns with demand left, so the
// first column with demand that Dijkstra reaches ends a shortest path.
type emdSolver struct {
	n, m   int
	c      []float64 // n x m costs, shifted to be >= 0
	flow   []float64 // n x m
	tiny   float64   // masses at or below it count as zero
	supply []float64
	demand []float64
	phiR   []float64
	phiC   []float64
	// carriers[j] lists the rows with flow_ij > 0 (backward edges of j).
	carriers [][]int

	distR, distC     []float64
	doneR, doneC     []bool
	prevRow, prevCol []int // predecessor of a column (a row) and of a row (a column)
}

// emdSolver readies w's solver for the n x m problem c with flow.
func (w *OTWork) emdSolver(c, flow []float64, n, m int, tiny float64) *emdSolver {
	for len(w.carriers) < m {
		w.carriers = append(w.carriers, nil)
	}
	for j := range w.carriers {
		w.carriers[j] = w.carriers[j][:0]
	}
	f, b, ints := &w.f64, &w.bools, &w.ints
	w.emd = emdSolver{
		n: n, m: m, c: c, flow: flow, tiny: tiny,
		supply: f.take(n), demand: f.take(m),
		phiR: f.take(n), phiC: f.take(m),
		carriers: w.carriers[:m],
		distR:    f.take(n), distC: f.take(m),
		doneR: b.take(n), doneC: b.take(m),
		prevRow: ints.take(m), prevCol: ints.take(n),
	}
	return &w.emd
}

// solve augments along shortest paths until all supply or all demand is
// placed. Each augmentation empties a supply, a demand or a backward edge;
// the cap on their number only guards against a bug, never a valid input.
func (s *emdSolver) solve() error {
	limit := 4*(s.n+s.m)*(s.n+s.m) + 100
	for iter := 0; ; iter++ {
		if iter == limit {
			return fmt.Errorf("kernels.EMD: no convergence after %d augmentations (n=%d, m=%d)", iter, s.n, s.m)
		}
		sink, ok := s.shortestPath()
		if !ok {
			return nil
		}
		s.augment(sink)
	}
}

// shortestPath runs Dijkstra from every row with supply left and returns
// the first column with demand left that it settles, after updating the
// potentials; ok is false when no supply or no demand is left.
func (s *emdSolver) shortestPath() (sink int, ok bool) {
	inf := math.Inf(1)
	sources := 0
	for i := range s.distR {
		s.distR[i], s.doneR[i], s.prevCol[i] = inf, false, -1
	}
	for j := range s.distC {
		s.distC[j], s.doneC[j], s.prevRow[j] = inf, false, -1
	}
	for i, v := range s.supply {
		if v > s.tiny {
			s.distR[i] = 0
			s.doneR[i] = true
			s.scanRow(i)
			sources++
		}
	}
	if sources == 0 {
		return -1, false
	}
	for {
		j, best := -1, inf
		for k, d := range s.distC {
			if !s.doneC[k] && d < best {
				j, best = k, d
			}
		}
		if j < 0 {
			return -1, false // no column with demand is reachable: none is left
		}
		s.doneC[j] = true
		if s.demand[j] > s.tiny {
			s.updatePotentials(best)
			return j, true
		}
		for _, i := range s.carriers[j] {
			if s.doneR[i] {
				continue
			}
			// Edges carrying flow have zero reduced cost up to rounding.
			s.distR[i] = best + max(0, -s.c[i*s.m+j]+s.phiC[j]-s.phiR[i])
			s.prevCol[i] = j
			s.doneR[i] = true
			s.scanRow(i)
		}
	}
}

// scanRow lowers the distances of the unsettled columns through row i.
func (s *emdSolver) scanRow(i int) {
	row := s.c[i*s.m : (i+1)*s.m]
	di, pi := s.distR[i], s.phiR[i]
	for j, cij := range row {
		if s.doneC[j] {
			continue
		}
		if d := di + max(0, cij+pi-s.phiC[j]); d < s.distC[j] {
			s.distC[j] = d
			s.prevRow[j] = i
		}
	}
}

// updatePotentials adds min(dist, D) to every potential, as dist - D on
// the settled nodes (the constant D changes no reduced cost).
func (s *emdSolver) updatePotentials(D float64) {
	for i, done := range s.doneR {
		if done {
			s.phiR[i] += s.distR[i] - D
		}
	}
	for j, done := range s.doneC {
		if done {
			s.phiC[j] += s.distC[j] - D
		}
	}
}

// augment pushes as much mass as the path ending at column sink allows.
func (s *emdSolver) augment(sink int) {
	delta := s.demand[sink]
	i := s.prevRow[sink]
	for {
		j := s.prevCol[i]
		if j < 0 {
			delta = min(delta, s.supply[i])
			break
		}
		delta = min(delta, s.flow[i*s.m+j])
		i = s.prevRow[j]
	}
	s.demand[sink] -= delta
	for j := sink; ; {
		i := s.prevRow[j]
		s.addFlow(i, j, delta)
		pj := s.prevCol[i]
		if pj < 0 {
			s.supply[i] -= delta
			return
		}
		s.addFlow(i, pj, -delta)
		j = pj
	}
}

// addFlow changes flow_ij by delta, keeping carriers in step; flows that
// fall to rounding level are cleared.
func (s *emdSolver) addFlow(i, j int, delta float64) {
	k := i*s.m + j
	old := s.flow[k]
	f := old + delta
	if f <= s.tiny {
		f = 0
	}
	s.flow[k] = f
	switch {
	case old == 0 && f > 0:
		s.carriers[j] = append(s.carriers[j], i)
	case old > 0 && f == 0:
		rows := s.carriers[j]
		for q, r := range rows {
			if r == i {
				rows[q] = rows[len(rows)-1]
				s.carriers[j] = rows[:len(rows)-1]
				break
			}
		}
	}
}
