package molflow

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/mol"
)

// Sample generates molecules of the given sizes (at most the Capacity's
// molecules, each within its MaxAtoms) by integrating field over steps
// Euler steps from the prior at t = 0 to t = 1: positions by Euclidean
// steps, the categorical parts by exponential-map steps on their spheres
// (folded back to the positive orthant and renormalised) or by simplex
// steps for Linear, each field made tangent first as Loss makes it. The
// field is evaluated at the left end of each step (t = 0, dt, ...,
// 1 - dt). Under ParamEndpoint the network's predictions of the clean
// molecule become the velocity first (see ParamEndpoint); 1 - t >= dt, so
// the last step lands on the prediction. The classes are the argmax of
// the final points. Sample reuses the buffers of the training batch.
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
		if f.cfg.Param == ParamEndpoint {
			// Each part moves the share of its remaining way to the
			// prediction that its path covers in this step.
			t := f.t[0]
			k0, _ := f.cfg.catTime(t)
			k1, _ := f.cfg.catTime(min(t+dt, 1))
			f.endpointVelocity(v, x, 1/(1-t), (k1-k0)/((1-k0)*dt))
		}
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

// endpointVelocity turns the network's endpoint predictions v at the
// points x (in place) into the marginal velocity: displacements times
// sPos (1/(1-t)), and each categorical row of logits into the expected
// conditional velocity under softmax(logits) times sCat (the same factor
// for kappa(t) = t; kappa'(t)/(1-kappa(t)) in the limit of small steps
// otherwise) (ParamEndpoint).
func (f *Flow) endpointVelocity(v, x *Parts, sPos, sCat float64) {
	d, m := f.dims, f.cfg.Method
	for i := range v.Pos {
		v.Pos[i] *= sPos
	}
	endpointRows(m, v.Types, x.Types, d.Types, sCat)
	endpointRows(m, v.Charges, x.Charges, d.Charges, sCat)
	endpointRows(m, v.Bonds, x.Bonds, d.Bonds, sCat)
}

// endpointRows replaces each row of logits z (rows of d) by s times the
// velocity sum_c p_c u(x | e_c), p = softmax(z), at the points x: on the
// unit sphere u(x | e_c) = LogMap(x, e_c) = th_c/sin(th_c) (e_c - x_c x)
// with th_c the angle between x and e_c, on the simplex e_c - x, whose
// expectation is p - x.
func endpointRows(m fisherflow.Method, z, x []float64, d int, s float64) {
	for row := 0; row+d <= len(z); row += d {
		zr, xr := z[row:row+d], x[row:row+d]
		lse := logSumExp(zr)
		for c, v := range zr {
			zr[c] = math.Exp(v - lse)
		}
		if m != fisherflow.FisherFlow {
			for c := range zr {
				zr[c] = s * (zr[c] - xr[c])
			}
			continue
		}
		// a_c = p_c th_c/sin(th_c); the velocity is a - <a, x> x.
		dot := 0.0
		for c, p := range zr {
			sin2 := 0.0 // sin^2 of th_c: the squared norm of x off axis c, summed directly for accuracy near x = e_c
			for k, w := range xr {
				if k != c {
					sin2 += w * w
				}
			}
			sin := math.Sqrt(sin2)
			ratio := 1.0
			if sin > 1e-12 {
				ratio = math.Atan2(sin, xr[c]) / sin
			}
			zr[c] = p * ratio
			dot += zr[c] * xr[c]
		}
		for c := range zr {
			zr[c] = s * (zr[c] - dot*xr[c])
		}
	}
}
