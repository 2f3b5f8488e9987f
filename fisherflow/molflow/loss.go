package molflow

import "math"

// Losses are the parts of a batch's loss: the mean squared error of each
// part (over all its values in the batch, as PyTorch's MSELoss) or, for
// the categorical parts under ParamEndpoint, the mean cross-entropy over
// the part's rows, and their sum weighted by Config.Weights.
type Losses struct {
	Pos, Types, Charges, Bonds float64
	Total                      float64
}

// Loss compares the network output out (in the current batch's layout,
// e.g. Output() after the network's Forward on Interpolate's Inputs) with
// the targets and returns the losses and the gradient of Losses.Total with
// respect to out, which the trainer hands to the network's Backward. The
// output is first made tangent, as the sampler makes it: positions lose
// each molecule's mean velocity (the data and the prior have zero centre
// of mass), and the categorical fields are projected onto the tangent
// space at x_t (of the sphere, x_t normalised first, or of the simplex).
// The projections are orthogonal and hence symmetric, so the gradient is
// the projected gradient with respect to the tangent field. Under
// ParamEndpoint the positions are displacements compared with x1 - x_t
// (centred as above) and the categorical outputs logits scored by
// cross-entropy against the data's classes. out is not changed; the
// gradient is the flow's buffer, valid until the next Loss.
func (f *Flow) Loss(out *Parts) (Losses, *Parts, error) {
	l, d, m, w := f.layout, f.dims, f.cfg.Method, f.cfg.Weights
	if l.Molecules() == 0 {
		return Losses{}, nil, ErrEmptyBatch
	}
	if err := out.check(l, d, "network output"); err != nil {
		return Losses{}, nil, err
	}
	if f.cfg.Param == ParamEndpoint {
		return f.endpointLoss(out), &f.dl, nil
	}
	v := &f.proj
	copy(v.Pos, out.Pos)
	copy(v.Types, out.Types)
	copy(v.Charges, out.Charges)
	copy(v.Bonds, out.Bonds)
	f.projectPos(v.Pos)
	projectCategorical(m, v.Types, f.xt.Types, d.Types, f.base)
	projectCategorical(m, v.Charges, f.xt.Charges, d.Charges, f.base)
	projectCategorical(m, v.Bonds, f.xt.Bonds, d.Bonds, f.base)

	var ls Losses
	ls.Pos = mseGrad(f.dl.Pos, v.Pos, f.u.Pos, w.Pos)
	ls.Types = mseGrad(f.dl.Types, v.Types, f.u.Types, w.Types)
	ls.Charges = mseGrad(f.dl.Charges, v.Charges, f.u.Charges, w.Charges)
	ls.Bonds = mseGrad(f.dl.Bonds, v.Bonds, f.u.Bonds, w.Bonds)
	ls.Total = w.Pos*ls.Pos + w.Types*ls.Types + w.Charges*ls.Charges + w.Bonds*ls.Bonds

	f.projectPos(f.dl.Pos)
	projectCategorical(m, f.dl.Types, f.xt.Types, d.Types, f.base)
	projectCategorical(m, f.dl.Charges, f.xt.Charges, d.Charges, f.base)
	projectCategorical(m, f.dl.Bonds, f.xt.Bonds, d.Bonds, f.base)
	return ls, &f.dl, nil
}

// mseGrad returns the mean of (v - u)^2 and writes its gradient with
// respect to v, scaled by the part's weight w, into g.
func mseGrad(g, v, u []float64, w float64) float64 {
	if len(v) == 0 {
		return 0
	}
	inv := 1 / float64(len(v))
	s := 0.0
	for i, vi := range v {
		e := vi - u[i]
		s += e * e
		g[i] = 2 * w * inv * e
	}
	return s * inv
}

// projectPos removes each molecule's mean from the per-atom 3-vectors v of
// the current batch: the tangent space of positions with zero centre of
// mass.
func (f *Flow) projectPos(v []float64) {
	l := f.layout
	for b := range l.Sizes {
		removeMean3(v[3*l.AtomOff[b] : 3*l.AtomOff[b+1]])
	}
}

// endpointLoss is Loss under ParamEndpoint.
func (f *Flow) endpointLoss(out *Parts) Losses {
	d, w := f.dims, f.cfg.Weights
	v := &f.proj
	copy(v.Pos, out.Pos)
	f.projectPos(v.Pos)
	var ls Losses
	ls.Pos = mseGrad(f.dl.Pos, v.Pos, f.u.Pos, w.Pos) // u.Pos is x1 - x_t here
	f.projectPos(f.dl.Pos)
	ls.Types = crossEntropyGrad(f.dl.Types, out.Types, f.x1.Types, d.Types, w.Types)
	ls.Charges = crossEntropyGrad(f.dl.Charges, out.Charges, f.x1.Charges, d.Charges, w.Charges)
	ls.Bonds = crossEntropyGrad(f.dl.Bonds, out.Bonds, f.x1.Bonds, d.Bonds, w.Bonds)
	ls.Total = w.Pos*ls.Pos + w.Types*ls.Types + w.Charges*ls.Charges + w.Bonds*ls.Bonds
	return ls
}

// crossEntropyGrad returns the mean over the rows (of d) of the
// cross-entropy of softmax(z) against the one-hot rows x1, and writes its
// gradient with respect to z, scaled by the part's weight w, into g:
// w (softmax(z) - x1) / rows.
func crossEntropyGrad(g, z, x1 []float64, d int, w float64) float64 {
	rows := len(z) / d
	if rows == 0 {
		return 0
	}
	inv := 1 / float64(rows)
	s := 0.0
	for r := 0; r < rows; r++ {
		zr, gr, xr := z[r*d:(r+1)*d], g[r*d:(r+1)*d], x1[r*d:(r+1)*d]
		lse := logSumExp(zr)
		for c, zc := range zr {
			s -= xr[c] * (zc - lse)
			gr[c] = w * inv * (math.Exp(zc-lse) - xr[c])
		}
	}
	return s * inv
}

// logSumExp returns log sum_c exp(z_c), shifted by the largest value so
// that no exponential overflows.
func logSumExp(z []float64) float64 {
	m := z[0]
	for _, v := range z[1:] {
		m = max(m, v)
	}
	s := 0.0
	for _, v := range z {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}
