package nn

import "github.com/fisherflow/fisherflow/kernels"

// egnnWork is the scratch that the layers of an EGNN share: nothing in it
// outlives one call of a layer's Forward or Backward.
type egnnWork[T Float] struct {
	e1, e2, e3, e4 []T // E x H
	n1, n2, n3, n4 []T // N x H
	n5             []T // N x 2H
	p              []T // P x H
	s1, s2         []T // E
	v3             []T // E x 3
	par            *egnnPar[T]
}

// plan sizes the scratch for atoms atoms, edges directed edges and
// hidden width h.
func (w *egnnWork[T]) plan(atoms, edges, h int) {
	w.e1, w.e2, w.e3, w.e4 = make([]T, edges*h), make([]T, edges*h), make([]T, edges*h), make([]T, edges*h)
	w.par = newEgnnPar[T]()
	w.n1, w.n2, w.n3, w.n4 = make([]T, atoms*h), make([]T, atoms*h), make([]T, atoms*h), make([]T, atoms*h)
	w.n5 = make([]T, 2*atoms*h)
	w.p = make([]T, (edges/2+1)*h)
	w.s1, w.s2, w.v3 = make([]T, edges), make([]T, edges), make([]T, 3*edges)
}

// Backward adds the parameter gradients of the last Forward (on inputs
// x, h, e of batch g) for the output gradients dxo (N x 3) and dho
// (N x H), and sets the input gradients dx (N x 3), dh (N x H) and de
// (P x E_in), de skipped if nil; none may alias another or the inputs.
func (l *EGCL[T]) Backward(dx, dh, de, dxo, dho, x, h, e []T, g *MolBatch) {
	l.check("Backward", x, h, e, g)
	H, N, E := l.Hidden, g.Atoms, g.Edges
	w := l.w
	// phi_h, with the residual: dh = dho + dcat[:, :H] + the edges' part.
	na, fna, dna, dcat := w.n1[:N*H], w.n3[:N*H], w.n2[:N*H], w.n5[:2*N*H]
	w.par.siluGrad(na, fna, l.nh[:N*H])
	l.Node2.Backward(dna, dho, na, N)
	w.par.mul(dna, fna)
	l.Node0.Backward(dcat, dna, l.cat[:2*N*H], N)

	// The position update: dphi and the gradient of the differences.
	diff, norm, phi := l.diff[:3*E], l.norm[:E], l.phi[:E]
	dphi, ddiff := w.s1[:E], w.v3[:3*E]
	for k, p := range phi {
		i := 3 * int(g.recv[k])
		s := 1 / (norm[k] + 1)
		c := T(g.scale[i/3])
		d := diff[3*k : 3*k+3]
		g0, g1, g2 := dxo[i], dxo[i+1], dxo[i+2]
		dphi[k] = c * s * (g0*d[0] + g1*d[1] + g2*d[2])
		// u = d s with s = 1/(|d|+1): du/dd = s I - s^2/|d| d d^T.
		cp := c * p
		t := cp * s * s / norm[k] * (g0*d[0] + g1*d[1] + g2*d[2])
		ddiff[3*k] = cp*s*g0 - t*d[0]
		ddiff[3*k+1] = cp*s*g1 - t*d[1]
		ddiff[3*k+2] = cp*s*g2 - t*d[2]
	}
	// phi_x, then the messages' gradient dm (+ the aggregation's).
	// Each SiLU's output (for the weight gradient) and derivative come
	// from one sigmoid of the stored linear output.
	a, da, dm, fac := w.e1[:E*H], w.e2[:E*H], w.e3[:E*H], w.e4[:E*H]
	w.par.siluGrad(a, fac, l.cx[:E*H])
	// Coord2 (one output, see Forward): dW += dphi_k a_k, db += dphi_k,
	// da_k = dphi_k W.
	cw, cg := l.Coord2.Weight.W, l.Coord2.Weight.G
	var db T
	for k, d := range dphi {
		row := da[k*H : (k+1)*H]
		copy(row, cw)
		kernels.Scale(d, row)
		kernels.Axpy(d, a[k*H:(k+1)*H], cg)
		db += d
	}
	l.Coord2.Bias.G[0] += db
	w.par.mul(da, fac)
	w.par.siluGrad(a, fac, l.pre2[:E*H]) // m
	l.Coord0.Backward(dm, da, a, E)
	for i := 0; i < N; i++ {
		lo, hi := g.receiverEdges(i)
		dagg := dcat[(2*i+1)*H : (2*i+2)*H]
		for k := lo; k < hi; k++ {
			addTo(dm[k*H:(k+1)*H], dagg)
		}
	}
	// phi_e.
	w.par.mul(dm, fac)
	w.par.siluGrad(a, fac, l.pre1[:E*H])
	l.Edge2.Backward(da, dm, a, E)
	w.par.mul(da, fac)
	ddist := w.s2[:g.Pairs]
	l.edgeInputBackward(dh, de, ddist, da, h, e, g)
	for i := 0; i < N; i++ {
		for c := 0; c < H; c++ {
			dh[i*H+c] += dho[i*H+c] + dcat[2*i*H+c]
		}
	}
	// The geometry: the differences, then d_ij = |x_i - x_j|^2 by pair.
	copy(dx, dxo)
	for k := range E {
		i, j := 3*int(g.recv[k]), 3*int(g.send[k])
		for c := 0; c < 3; c++ {
			dx[i+c] += ddiff[3*k+c]
			dx[j+c] -= ddiff[3*k+c]
		}
	}
	for p, dd := range ddist {
		i, j, k := 3*int(g.pi[p]), 3*int(g.pj[p]), 3*int(g.pij[p])
		for c := 0; c < 3; c++ {
			v := 2 * dd * diff[k+c]
			dx[i+c] += v
			dx[j+c] -= v
		}
	}
}

// edgeInputBackward adds Edge0's parameter gradients for the gradient
// dpre (E x H) of edgeInput's output and sets dh (N x H), de (P x E_in;
// skipped if nil) and ddist (P: the gradient of d_ij = d_ji, by pair) from it. The sums
// over each atom's edges as receiver (R) and as sender (S) carry the
// gradients of the factorised products; those of the terms shared by a
// pair's two edges, the sums Q_p = dpre_ij + dpre_ji.
func (l *EGCL[T]) edgeInputBackward(dh, de, ddist, dpre, h, e []T, g *MolBatch) {
	H, N, P, in := l.Hidden, g.Atoms, g.Pairs, l.Edge0.In
	W, dW := l.Edge0.Weight.W, l.Edge0.Weight.G
	R, S, q, dwd := l.w.n3[:N*H], l.w.n4[:N*H], l.w.p[:P*H], l.w.n1[:H]
	clear(S)
	clear(dwd)
	for i := 0; i < N; i++ {
		sumRows(R[i*H:(i+1)*H], dpre, g, i)
	}
	for k := range g.Edges {
		j := int(g.send[k])
		addTo(S[j*H:(j+1)*H], dpre[k*H:(k+1)*H])
	}
	for p := range P {
		qp := q[p*H : (p+1)*H]
		copy(qp, dpre[int(g.pij[p])*H:])
		addTo(qp, dpre[int(g.pji[p])*H:(int(g.pji[p])+1)*H])
		kernels.Axpy(l.dist[g.pij[p]], qp, dwd)
		ddist[p] = kernels.Dot(qp, l.wd)
	}
	kernels.Gemm(true, false, H, H, N, 1, R, H, h, H, 1, dW, in)
	kernels.Gemm(true, false, H, H, N, 1, S, H, h, H, 1, dW[H:], in)
	kernels.ColumnSums(l.Edge0.Bias.G, R, 1)
	for c, v := range dwd {
		dW[c*in+2*H] += v
	}
	kernels.Gemm(false, false, N, H, H, 1, R, H, W, in, 0, dh, H)
	kernels.Gemm(false, false, N, H, H, 1, S, H, W[H:], in, 1, dh, H)
	if l.EdgeIn > 0 {
		kernels.Gemm(true, false, H, l.EdgeIn, P, 1, q, H, e, l.EdgeIn, 1, dW[2*H+1:], in)
		if de != nil {
			kernels.Gemm(false, false, P, l.EdgeIn, H, 1, q, H, W[2*H+1:], in, 0, de, l.EdgeIn)
		}
	}
}
