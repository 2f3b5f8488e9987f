package molflow

import (
	"fmt"

	"github.com/fisherflow/fisherflow/kernels"
)

// permuter holds the scratch of the per-molecule atom assignment, planned
// for the largest molecule.
type permuter struct {
	cost, plan []float64 // n x n
	a          []float64 // uniform marginals, n
	pos        []float64 // a molecule's prior positions, 3n
	work       kernels.OTWork
}

func newPermuter(maxAtoms int) *permuter {
	return &permuter{
		cost: make([]float64, maxAtoms*maxAtoms), plan: make([]float64, maxAtoms*maxAtoms),
		a: make([]float64, maxAtoms), pos: make([]float64, 3*maxAtoms),
	}
}

// Permute reorders each molecule's prior positions by the assignment of
// prior atoms to data atoms that minimises the sum of squared distances
// (exact, by kernels.EMD on uniform masses, which is a permutation): the
// per-molecule OT of equivariant flow matching, which shortens the paths
// as Align does and is meant to run before it. Only the positions move:
// the categorical priors are independent across atoms and pairs, so
// reordering them would not change their distribution.
func (f *Flow) Permute() error {
	l, p := f.layout, f.perm
	for b, n := range l.Sizes {
		lo, hi := 3*l.AtomOff[b], 3*l.AtomOff[b+1]
		x0, x1 := f.x0.Pos[lo:hi], f.x1.Pos[lo:hi]
		cost, plan, a := p.cost[:n*n], p.plan[:n*n], p.a[:n]
		for i := range n {
			a[i] = 1 / float64(n)
			for j := range n {
				dx, dy, dz := x0[3*i]-x1[3*j], x0[3*i+1]-x1[3*j+1], x0[3*i+2]-x1[3*j+2]
				cost[i*n+j] = dx*dx + dy*dy + dz*dz
			}
		}
		if _, err := kernels.EMDWith(&p.work, plan, cost, a, a); err != nil {
			return fmt.Errorf("molflow: atom assignment of molecule %d: %w", b, err)
		}
		pos := p.pos[:3*n]
		copy(pos, x0)
		for i := range n {
			// Row i of the plan has one non-zero entry, at the data atom
			// that prior atom i goes to.
			j := 0
			for k := 1; k < n; k++ {
				if plan[i*n+k] > plan[i*n+j] {
					j = k
				}
			}
			copy(x0[3*j:3*j+3], pos[3*i:3*i+3])
		}
	}
	return nil
}
