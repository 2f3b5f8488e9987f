package nn

import (
	"fmt"
	"math/rand/v2"
)

// EGNNConfig sizes an EGNN.
type EGNNConfig struct {
	NodeIn, EdgeIn   int // input features per atom (F_in) and per pair (E_in, may be 0)
	Hidden, Layers   int // hidden width H and number of EGCLs
	NodeOut, EdgeOut int // output features per atom (F_out) and per pair (E_out)
}

// NumParams returns the number of parameters of an EGNN of config c,
// without building it. (A method of the config, so that each network's
// config can have its own.)
func (c EGNNConfig) NumParams() int {
	h := c.Hidden
	return c.NodeIn*h + h + c.Layers*egclParams(h, c.EdgeIn) +
		h*h + h + h*c.NodeOut + c.NodeOut +
		(h+1+c.EdgeIn)*h + h + h*c.EdgeOut + c.EdgeOut
}

// EGNN is an E(n)-equivariant graph network (Satorras et al. 2021) over
// the fully connected graph of each molecule of a batch (MolBatch gives
// the layout of positions, atoms and pairs): an embedding Linear(F_in, H)
// of the node features, Layers EGCLs (each reading the pair features e),
// then three outputs:
//
//   - per atom, the velocity v_i = x_i^L - x_i^0, with its mean over each
//     molecule removed (E(3)-equivariant, translation-invariant);
//   - per atom, node_head = Linear(H, H), SiLU, Linear(H, F_out) of the
//     final features h^L (invariant);
//   - per pair i < j, edge_head = Linear(H+1+E_in, H), SiLU, Linear(H,
//     E_out) of [h_i^L + h_j^L, |x_i^L - x_j^L|^2, e_ij] (invariant and
//     symmetric in i, j).
//
// The caller's time embedding travels in the node features. Parameter
// names follow a PyTorch state_dict: embedding.weight,
// layers.0.edge_mlp.0.weight, ..., node_head.2.bias, edge_head.0.weight.
// An EGNN keeps the activations of its last Forward for Backward, so it
// is not safe for concurrent use.
type EGNN[T Float] struct {
	Config    EGNNConfig
	Embedding *Linear[T] // embedding: F_in -> H
	Layers    []*EGCL[T] // layers.0, layers.1, ...
	// The heads' Linear layers, node_head.0 and .2, edge_head.0 and .2
	// (a SiLU between each pair).
	NodeHead, EdgeHead [2]*Linear[T]

	g    MolBatch
	w    *egnnWork[T]
	hin  []T   // N x F_in: the node features of the last Forward
	e    []T   // P x E_in: the pair features
	xs   [][]T // N x 3: the positions before each layer and after the last
	hs   [][]T // N x H: the features likewise
	nh   []T   // N x H: node_head's first linear output
	ein  []T   // P x (H+1+E_in): edge_head's input
	eh   []T   // P x H: edge_head's first linear output
	v    []T   // N x 3, N x F_out, P x E_out: the outputs
	hout []T
	eout []T
	// Gradient buffers.
	dxs, dhs [2][]T // N x 3, N x H: ping-pong over the layers
	dein     []T    // P x (H+1+E_in)
	de, dle  []T    // P x E_in: the sum over the layers, one layer's part
	dhin     []T    // N x F_in
	dv       []T    // N x 3: dv with each molecule's mean removed
	maxAtoms int
	maxEdges int
}

// NewEGNN returns an EGNN of config c with PyTorch's initialisation (see
// NewEGCL for the position MLPs); Plan it before use.
func NewEGNN[T Float](c EGNNConfig, r *rand.Rand) *EGNN[T] {
	if c.NodeIn < 1 || c.Hidden < 1 || c.Layers < 1 || c.NodeOut < 1 || c.EdgeOut < 1 || c.EdgeIn < 0 {
		panic(fmt.Sprintf("nn.NewEGNN: bad config %+v", c))
	}
	h := c.Hidden
	m := &EGNN[T]{Config: c, Embedding: NewLinear[T]("embedding", c.NodeIn, h, r)}
	for l := 0; l < c.Layers; l++ {
		m.Layers = append(m.Layers, NewEGCL[T](fmt.Sprintf("layers.%d", l), h, c.EdgeIn, r))
	}
	m.NodeHead = [2]*Linear[T]{NewLinear[T]("node_head.0", h, h, r), NewLinear[T]("node_head.2", h, c.NodeOut, r)}
	m.EdgeHead = [2]*Linear[T]{NewLinear[T]("edge_head.0", h+1+c.EdgeIn, h, r), NewLinear[T]("edge_head.2", h, c.EdgeOut, r)}
	return m
}

// Params returns the parameters: embedding, layers, node_head, edge_head.
func (m *EGNN[T]) Params() Params[T] {
	ps := m.Embedding.Params()
	for _, l := range m.Layers {
		ps = append(ps, l.Params()...)
	}
	for _, l := range []*Linear[T]{m.NodeHead[0], m.NodeHead[1], m.EdgeHead[0], m.EdgeHead[1]} {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Plan allocates every buffer for batches of up to maxAtoms atoms in all
// of molecules of up to maxSize atoms each (so at most maxAtoms*(maxSize-1)
// directed edges); Forward and Backward then allocate nothing.
func (m *EGNN[T]) Plan(maxAtoms, maxSize int) {
	c, h := m.Config, m.Config.Hidden
	n, e := maxAtoms, maxAtoms*max(maxSize-1, 0)
	p := e / 2
	m.maxAtoms, m.maxEdges = n, e
	m.w = new(egnnWork[T])
	m.w.plan(n, e, h)
	for _, l := range m.Layers {
		l.plan(n, e, m.w)
	}
	m.hin, m.e = make([]T, n*c.NodeIn), make([]T, p*c.EdgeIn)
	m.xs, m.hs = make([][]T, c.Layers+1), make([][]T, c.Layers+1)
	for i := range m.xs {
		m.xs[i], m.hs[i] = make([]T, 3*n), make([]T, n*h)
	}
	m.nh, m.ein, m.eh = make([]T, n*h), make([]T, p*(h+1+c.EdgeIn)), make([]T, p*h)
	m.v, m.hout, m.eout = make([]T, 3*n), make([]T, n*c.NodeOut), make([]T, p*c.EdgeOut)
	for i := range m.dxs {
		m.dxs[i], m.dhs[i] = make([]T, 3*n), make([]T, n*h)
	}
	m.dein, m.de, m.dle = make([]T, len(m.ein)), make([]T, len(m.e)), make([]T, len(m.e))
	m.dhin, m.dv = make([]T, n*c.NodeIn), make([]T, 3*n)
	m.g.plan(n, e)
}

// Batch returns the layout of the last Forward's batch.
func (m *EGNN[T]) Batch() *MolBatch { return &m.g }

// Forward runs the network on a batch of molecules of the given sizes
// (see MolBatch): positions x (N x 3), node features h (N x F_in) and
// pair features e (P x E_in). It returns the velocity v (N x 3), node
// outputs (N x F_out) and pair outputs (P x E_out), buffers owned by the
// network until the next Forward.
func (m *EGNN[T]) Forward(x, h, e []T, sizes []int) (v, hout, eout []T) {
	m.g.Set(sizes)
	g, c := &m.g, m.Config
	N, P, H := g.Atoms, g.Pairs, c.Hidden
	if m.w == nil || N > m.maxAtoms || g.Edges > m.maxEdges {
		panic(fmt.Sprintf("nn.EGNN.Forward: %d atoms, %d edges; planned for %d, %d", N, g.Edges, m.maxAtoms, m.maxEdges))
	}
	if len(x) != 3*N || len(h) != N*c.NodeIn || len(e) != P*c.EdgeIn {
		panic(fmt.Sprintf("nn.EGNN.Forward: len(x, h, e) = %d, %d, %d for %d atoms, %d pairs", len(x), len(h), len(e), N, P))
	}
	hin, ee := m.hin[:N*c.NodeIn], m.e[:P*c.EdgeIn]
	copy(hin, h)
	copy(ee, e)
	copy(m.xs[0], x)
	m.Embedding.Forward(m.hs[0][:N*H], hin, N)
	for i, l := range m.Layers {
		l.Forward(m.xs[i+1][:3*N], m.hs[i+1][:N*H], m.xs[i][:3*N], m.hs[i][:N*H], ee, g)
	}
	L := c.Layers
	xL, hL := m.xs[L][:3*N], m.hs[L][:N*H]

	v = m.v[:3*N]
	for i := range v {
		v[i] = xL[i] - m.xs[0][i]
	}
	removeMean(v, g)

	nh, a := m.nh[:N*H], m.w.n1[:N*H]
	hout = m.hout[:N*c.NodeOut]
	m.NodeHead[0].Forward(nh, hL, N)
	m.w.par.silu(a, nh)
	m.NodeHead[1].Forward(hout, a, N)

	w := H + 1 + c.EdgeIn
	ein, eh, pa := m.ein[:P*w], m.eh[:P*H], m.w.p[:P*H]
	for p := 0; p < P; p++ {
		i, j := int(g.pi[p]), int(g.pj[p])
		row := ein[p*w : (p+1)*w]
		var d T
		for k := 0; k < 3; k++ {
			t := xL[3*i+k] - xL[3*j+k]
			d += t * t
		}
		for k := 0; k < H; k++ {
			row[k] = hL[i*H+k] + hL[j*H+k]
		}
		row[H] = d
		copy(row[H+1:], ee[p*c.EdgeIn:(p+1)*c.EdgeIn])
	}
	eout = m.eout[:P*c.EdgeOut]
	m.EdgeHead[0].Forward(eh, ein, P)
	m.w.par.silu(pa, eh)
	m.EdgeHead[1].Forward(eout, pa, P)
	return v, hout, eout
}

// removeMean subtracts from each molecule's rows of v (N x 3) their mean.
func removeMean[T Float](v []T, g *MolBatch) {
	for b, n := range g.Sizes {
		lo, hi := g.AtomOff[b], g.AtomOff[b+1]
		var s [3]T
		for i := lo; i < hi; i++ {
			for k := range s {
				s[k] += v[3*i+k]
			}
		}
		for i := lo; i < hi; i++ {
			for k := range s {
				v[3*i+k] -= s[k] / T(n)
			}
		}
	}
}

// Backward adds the parameter gradients of the last Forward for the
// gradients dv (N x 3), dhout (N x F_out) and deout (P x E_out) of its
// outputs, and sets the gradients of its inputs x, h and e into dx (N x
// 3), dh (N x F_in) and de (P x E_in), each skipped if nil.
func (m *EGNN[T]) Backward(dx, dh, de, dv, dhout, deout []T) {
	g, c := &m.g, m.Config
	N, P, H, L := g.Atoms, g.Pairs, c.Hidden, c.Layers
	if len(dv) != 3*N || len(dhout) != N*c.NodeOut || len(deout) != P*c.EdgeOut ||
		dx != nil && len(dx) != 3*N || dh != nil && len(dh) != N*c.NodeIn || de != nil && len(de) != P*c.EdgeIn {
		panic(fmt.Sprintf("nn.EGNN.Backward: len(dv, dhout, deout) = %d, %d, %d, len(dx, dh, de) = %d, %d, %d for %d atoms, %d pairs",
			len(dv), len(dhout), len(deout), len(dx), len(dh), len(de), N, P))
	}
	xL, hL := m.xs[L][:3*N], m.hs[L][:N*H]
	dxL, dhL := m.dxs[0][:3*N], m.dhs[0][:N*H]
	pw := m.w.par

	a, da, fa := m.w.n1[:N*H], m.w.n2[:N*H], m.w.n3[:N*H]
	pw.siluGrad(a, fa, m.nh[:N*H])
	m.NodeHead[1].Backward(da, dhout, a, N)
	pw.mul(da, fa)
	m.NodeHead[0].Backward(dhL, da, hL, N)

	w := H + 1 + c.EdgeIn
	eh, pa, dpa, fpa, dein := m.eh[:P*H], m.w.p[:P*H], m.w.e1[:P*H], m.w.e2[:P*H], m.dein[:P*w]
	pw.siluGrad(pa, fpa, eh)
	m.EdgeHead[1].Backward(dpa, deout, pa, P)
	pw.mul(dpa, fpa)
	m.EdgeHead[0].Backward(dein, dpa, m.ein[:P*w], P)

	pdv := m.dv[:3*N]
	copy(pdv, dv)
	removeMean(pdv, g)
	copy(dxL, pdv)
	ee, sum := m.e[:P*c.EdgeIn], m.de[:P*c.EdgeIn]
	for p := 0; p < P; p++ {
		i, j := int(g.pi[p]), int(g.pj[p])
		row := dein[p*w : (p+1)*w]
		addTo(dhL[i*H:(i+1)*H], row[:H])
		addTo(dhL[j*H:(j+1)*H], row[:H])
		for k := 0; k < 3; k++ {
			t := 2 * row[H] * (xL[3*i+k] - xL[3*j+k])
			dxL[3*i+k] += t
			dxL[3*j+k] -= t
		}
		if de != nil {
			copy(sum[p*c.EdgeIn:], row[H+1:])
		}
	}
	// Without de (training), the layers skip the pair features' gradient.
	var dle []T
	if de != nil {
		dle = m.dle[:P*c.EdgeIn]
	}
	cur := 0
	for l := L - 1; l >= 0; l-- {
		m.Layers[l].Backward(m.dxs[1-cur][:3*N], m.dhs[1-cur][:N*H], dle, m.dxs[cur][:3*N], m.dhs[cur][:N*H], m.xs[l][:3*N], m.hs[l][:N*H], ee, g)
		if de != nil {
			addTo(sum, dle)
		}
		cur = 1 - cur
	}
	dx0 := m.dxs[cur][:3*N]
	for i, v := range pdv {
		dx0[i] -= v
	}
	var dhin []T // nil: the embedding skips its input gradient
	if dh != nil {
		dhin = m.dhin[:N*c.NodeIn]
	}
	m.Embedding.Backward(dhin, m.dhs[cur][:N*H], m.hin[:N*c.NodeIn], N)
	if dx != nil {
		copy(dx, dx0)
	}
	if dh != nil {
		copy(dh, dhin)
	}
	if de != nil {
		copy(de, sum)
	}
}
