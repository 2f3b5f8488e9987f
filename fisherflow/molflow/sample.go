package molflow

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow/mol"
)

// Sample generates molecules of the given sizes (at most the Capacity's
// molecules, each within its MaxAtoms) by integrating field over steps
// Euler steps from the prior at t = 0 to t = 1: positions by Euclidean
// steps, the categorical parts by exponential-map steps on their spheres
// (folded back to the positive orthant and renormalised) or by simplex
// steps for Linear, each field made tangent first as Loss makes it. The
// field is evaluated at the left end of each step (t = 0, dt, ...,
// 1 - dt). The classes are the argmax of the final points. Sample reuses
// the buffers of the training batch.
func (f *Flow) Sample(field Field, r *rand.Rand, sizes []int, steps int) ([]*mol.Graph, error) {
	if field == nil {
		return nil, errors.New("molflow: Sample without a field")
	}
	if steps < 1 {
		return nil, fmt.Errorf("molflow: %d sampler steps, want at least 1", steps)
	}
	d, m := f.dims, f.cfg.Method
	if err := f.setBatch(sizes); err != nil {
		return nil, err
	}
	f.DrawPrior(r)
	x, v := &f.xt, &f.out
	copy(x.Pos, f.x0.Pos)
	copy(x.Types, f.x0.Types)
	copy(x.Charges, f.x0.Charges)
	copy(x.Bonds, f.x0.Bonds)
	f.in.X, f.in.T = f.xt, f.t
	dt := 1 / float64(steps)
	for s := 0; s < steps; s++ {
		for b := range f.t {
			f.t[b] = float64(s) * dt
		}
		if err := field.Forward(v, &f.in); err != nil {
			return nil, fmt.Errorf("molflow: sampler step %d: %w", s+1, err)
		}
		f.projectPos(v.Pos)
		for i, w := range v.Pos {
			x.Pos[i] += dt * w
		}
		projectCategorical(m, v.Types, x.Types, d.Types, f.base)
		projectCategorical(m, v.Charges, x.Charges, d.Charges, f.base)
		projectCategorical(m, v.Bonds, x.Bonds, d.Bonds, f.base)
		stepCategorical(m, x.Types, v.Types, dt, d.Types)
		stepCategorical(m, x.Charges, v.Charges, dt, d.Charges)
		stepCategorical(m, x.Bonds, v.Bonds, dt, d.Bonds)
	}
	for _, part := range [][]float64{x.Pos, x.Types, x.Charges, x.Bonds} {
		for _, w := range part {
			if math.IsNaN(w) || math.IsInf(w, 0) {
				return nil, errors.New("molflow: the sampled points are not finite (the field gave NaN or Inf)")
			}
		}
	}
	return f.graphs(), nil
}

// graphs reads the current state x_t as graphs: positions as they are,
// classes by argmax.
func (f *Flow) graphs() []*mol.Graph {
	l, d, x := f.layout, f.dims, &f.xt
	out := make([]*mol.Graph, l.Molecules())
	for b, n := range l.Sizes {
		a0, p0 := l.AtomOff[b], l.PairOff[b]
		g := &mol.Graph{Types: make([]int, n), Charges: make([]int, n), Bonds: make([]int, mol.NumPairs(n)), Pos: make([][3]float64, n)}
		argmaxRows(g.Types, x.Types[d.Types*a0:], d.Types)
		argmaxRows(g.Charges, x.Charges[d.Charges*a0:], d.Charges)
		argmaxRows(g.Bonds, x.Bonds[d.Bonds*p0:], d.Bonds)
		for i := range n {
			copy(g.Pos[i][:], x.Pos[3*(a0+i):3*(a0+i)+3])
		}
		out[b] = g
	}
	return out
}

// SampleMolecules draws n sizes from sizes with r, generates molecules of
// them by Sample in batches of the Capacity, and decodes them with the
// flow's vocabulary, named prefix-1, prefix-2, ... A size beyond the
// Capacity's MaxAtoms or below 2 is an error.
func (f *Flow) SampleMolecules(field Field, r *rand.Rand, sizes mol.SizeDist, n, steps int, prefix string) ([]*mol.Molecule, error) {
	if n < 1 {
		return nil, fmt.Errorf("molflow: %d molecules to sample, want at least 1", n)
	}
	ns, err := sizes.Sample(r, n)
	if err != nil {
		return nil, fmt.Errorf("molflow: %w", err)
	}
	out := make([]*mol.Molecule, 0, n)
	per := f.layout.Capacity().Molecules
	for lo := 0; lo < n; lo += per {
		gs, err := f.Sample(field, r, ns[lo:min(lo+per, n)], steps)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			m, err := f.vocab.Decode(g, fmt.Sprintf("%s-%d", prefix, len(out)+1))
			if err != nil {
				return nil, fmt.Errorf("molflow: %w", err)
			}
			out = append(out, m)
		}
	}
	return out, nil
}
