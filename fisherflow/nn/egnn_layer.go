package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/kernels"
)

// egnnNormEps is added to |x_i - x_j|^2 under the square root of the
// normalised difference, as EDM's code does, so that the root stays
// differentiable when two atoms coincide.
const egnnNormEps = 1e-8

// EGCL is one E(n)-equivariant graph convolution (Satorras et al. 2021,
// eqs. 3-6) over the fully connected graph of each molecule of a
// MolBatch, with hidden width H and E_in edge features per pair:
//
//	m_ij  = phi_e(h_i, h_j, d_ij, e_ij),  d_ij = |x_i - x_j|^2
//	x_i' = x_i + C sum_j (x_i - x_j)/(sqrt(d_ij + 1e-8) + 1) phi_x(m_ij)
//	h_i' = h_i + phi_h(h_i, sum_j m_ij)
//
// with C = 1/(n-1) for a molecule of n atoms, phi_e = Linear(2H+1+E_in,
// H), SiLU, Linear(H, H), SiLU; phi_x = Linear(H, H), SiLU, Linear(H, 1);
// phi_h = Linear(2H, H), SiLU, Linear(H, H). The difference is normalised
// by its length plus one, as in EDM's code, so that distant atoms do not
// move each other by amounts that grow with their distance. The edge
// features of pair {i, j} enter both m_ij and m_ji.
//
// The first Linear of phi_e is applied factorised: W [h_i, h_j, d, e] +
// b = (W_a h_i + b) + W_b h_j + (W_e e + w_d d), the first two as
// products over the N atoms and the last, which d_ij = d_ji makes the
// same for (i, j) and (j, i), over the P pairs, rather than one product
// over the 2P directed edges, for the same result.
type EGCL[T Float] struct {
	Hidden, EdgeIn int // H and E_in
	// The layer's MLPs: edge_mlp.0 and .2, coord_mlp.0 and .2,
	// node_mlp.0 and .2 in the names of a PyTorch nn.Sequential.
	Edge0, Edge2, Coord0, Coord2, Node0, Node2 *Linear[T]

	w *egnnWork[T]
	// Activations of the last Forward.
	diff            []T // E x 3: x_i - x_j
	dist, norm, phi []T // E: d_ij, sqrt(d_ij + eps), phi_x(m_ij)
	pre1, pre2, cx  []T // E x H: phi_e's two and phi_x's first linear outputs
	cat             []T // N x 2H: [h_i, sum_j m_ij]
	nh              []T // N x H: phi_h's first linear output
	wd              []T // H: the column of d in Edge0's weight
}

// NewEGCL returns an EGCL whose parameters are named name.edge_mlp.0.weight
// and so on, initialised as PyTorch's Linear, but for coord_mlp.2: its
// weight is Xavier-uniform with gain 0.001 and its bias 0, as in the
// EGNN code, so that the positions start nearly unmoved.
func NewEGCL[T Float](name string, hidden, edgeIn int, r *rand.Rand) *EGCL[T] {
	h := hidden
	l := &EGCL[T]{Hidden: h, EdgeIn: edgeIn,
		Edge0:  NewLinear[T](name+".edge_mlp.0", 2*h+1+edgeIn, h, r),
		Edge2:  NewLinear[T](name+".edge_mlp.2", h, h, r),
		Coord0: NewLinear[T](name+".coord_mlp.0", h, h, r),
		Coord2: NewLinear[T](name+".coord_mlp.2", h, 1, r),
		Node0:  NewLinear[T](name+".node_mlp.0", 2*h, h, r),
		Node2:  NewLinear[T](name+".node_mlp.2", h, h, r),
	}
	initUniform(0.001*math.Sqrt(6/float64(h+1)), r, l.Coord2.Weight)
	clear(l.Coord2.Bias.W)
	return l
}

// egclParams is the number of parameters of an EGCL.
func egclParams(h, edgeIn int) int {
	return (2*h+1+edgeIn)*h + h + 3*(h*h+h) + h + 1 + 2*h*h + h
}

// Params returns the parameters: edge_mlp, coord_mlp, node_mlp.
func (l *EGCL[T]) Params() Params[T] {
	var ps Params[T]
	for _, m := range []*Linear[T]{l.Edge0, l.Edge2, l.Coord0, l.Coord2, l.Node0, l.Node2} {
		ps = append(ps, m.Params()...)
	}
	return ps
}

// Plan allocates the layer's buffers for batches of up to atoms atoms,
// and edges directed edges (2 x pairs), with scratch of its own.
func (l *EGCL[T]) Plan(atoms, edges int) {
	w := new(egnnWork[T])
	w.plan(atoms, edges, l.Hidden)
	l.plan(atoms, edges, w)
}

// plan allocates the activations and takes w as scratch (shared with
// the other layers of a network).
func (l *EGCL[T]) plan(atoms, edges int, w *egnnWork[T]) {
	h := l.Hidden
	l.w = w
	l.diff = make([]T, 3*edges)
	l.dist, l.norm, l.phi = make([]T, edges), make([]T, edges), make([]T, edges)
	l.pre1, l.pre2, l.cx = make([]T, edges*h), make([]T, edges*h), make([]T, edges*h)
	l.cat, l.nh = make([]T, 2*atoms*h), make([]T, atoms*h)
	l.wd = make([]T, h)
}

func (l *EGCL[T]) check(fn string, x, h, e []T, g *MolBatch) {
	if l.w == nil || len(l.dist) < g.Edges || len(l.nh) < g.Atoms*l.Hidden {
		panic(fmt.Sprintf("nn.EGCL.%s: %d atoms, %d edges: not planned for them", fn, g.Atoms, g.Edges))
	}
	if len(x) != 3*g.Atoms || len(h) != g.Atoms*l.Hidden || len(e) != g.Pairs*l.EdgeIn {
		panic(fmt.Sprintf("nn.EGCL.%s: len(x, h, e) = %d, %d, %d for %d atoms and %d pairs (H=%d, E_in=%d)",
			fn, len(x), len(h), len(e), g.Atoms, g.Pairs, l.Hidden, l.EdgeIn))
	}
}

// Forward sets the layer's outputs xo (N x 3) and ho (N x H) from the
// positions x (N x 3), features h (N x H) and pair features e (P x E_in)
// of the batch g; the outputs must not alias the inputs.
func (l *EGCL[T]) Forward(xo, ho, x, h, e []T, g *MolBatch) {
	l.check("Forward", x, h, e, g)
	H, N, E := l.Hidden, g.Atoms, g.Edges
	w := l.w
	diff, dist, norm, phi := l.diff[:3*E], l.dist[:E], l.norm[:E], l.phi[:E]
	for k := range dist {
		i, j := 3*int(g.recv[k]), 3*int(g.send[k])
		d0, d1, d2 := x[i]-x[j], x[i+1]-x[j+1], x[i+2]-x[j+2]
		diff[3*k], diff[3*k+1], diff[3*k+2] = d0, d1, d2
		dist[k] = d0*d0 + d1*d1 + d2*d2
		norm[k] = T(math.Sqrt(float64(dist[k]) + egnnNormEps))
	}
	pre1, pre2, cx := l.pre1[:E*H], l.pre2[:E*H], l.cx[:E*H]
	a1, m := w.e1[:E*H], w.e2[:E*H]
	l.edgeInput(pre1, h, e, g)
	w.par.silu(a1, pre1)
	l.Edge2.Forward(pre2, a1, E)
	w.par.silu(m, pre2)
	l.Coord0.Forward(cx, m, E)
	w.par.silu(a1, cx)
	// phi_x's last Linear has one output: a dot product per edge, rather
	// than a GEMM of one output column, which packs all of a1 and first
	// broadcasts the bias one value at a time.
	cw, cb := l.Coord2.Weight.W, l.Coord2.Bias.W[0]
	for k := range phi {
		phi[k] = kernels.Dot(a1[k*H:(k+1)*H], cw) + cb
	}

	copy(xo, x)
	for k, p := range phi {
		i := 3 * int(g.recv[k])
		c := T(g.scale[i/3]) * p / (norm[k] + 1)
		xo[i] += c * diff[3*k]
		xo[i+1] += c * diff[3*k+1]
		xo[i+2] += c * diff[3*k+2]
	}
	cat := l.cat[:2*N*H]
	for i := 0; i < N; i++ {
		copy(cat[2*i*H:], h[i*H:(i+1)*H])
		sumRows(cat[(2*i+1)*H:(2*i+2)*H], m, g, i)
	}
	nh, na := l.nh[:N*H], w.n1[:N*H]
	l.Node0.Forward(nh, cat, N)
	w.par.silu(na, nh)
	l.Node2.Forward(ho, na, N)
	addTo(ho, h)
}

// edgeInput sets pre (E x H) to Edge0 applied to [h_i, h_j, d_ij, e_ij]
// for every directed edge, factorised (see EGCL).
func (l *EGCL[T]) edgeInput(pre, h, e []T, g *MolBatch) {
	H, N, P, in := l.Hidden, g.Atoms, g.Pairs, l.Edge0.In
	W := l.Edge0.Weight.W
	a, b, q := l.w.n1[:N*H], l.w.n2[:N*H], l.w.p[:P*H]
	// The bias joins the receiver's term, once per atom.
	fillRows(a, l.Edge0.Bias.W)
	kernels.Gemm(false, true, N, H, H, 1, h, H, W, in, 1, a, H)
	kernels.Gemm(false, true, N, H, H, 1, h, H, W[H:], in, 0, b, H)
	if l.EdgeIn > 0 {
		kernels.Gemm(false, true, P, H, l.EdgeIn, 1, e, l.EdgeIn, W[2*H+1:], in, 0, q, H)
	} else {
		clear(q)
	}
	for c := range l.wd {
		l.wd[c] = W[c*in+2*H]
	}
	// d_ij = d_ji: the term of d joins the pair's row of q, once for both
	// directed edges.
	for p := range P {
		kernels.Axpy(l.dist[g.pij[p]], l.wd, q[p*H:(p+1)*H])
	}
	for k := range l.dist[:g.Edges] {
		i, j, p := int(g.recv[k]), int(g.send[k]), int(g.pair[k])
		row := pre[k*H : (k+1)*H]
		copy(row, a[i*H:(i+1)*H])
		kernels.Axpy(1, b[j*H:(j+1)*H], row)
		kernels.Axpy(1, q[p*H:(p+1)*H], row)
	}
}

// sumRows sets dst (H) to the sum of the rows (H wide) of x of the
// directed edges into atom i: a plain loop, as the rows are few.
func sumRows[T Float](dst, x []T, g *MolBatch, i int) {
	H := len(dst)
	clear(dst)
	lo, hi := g.receiverEdges(i)
	for k := lo; k < hi; k++ {
		addTo(dst, x[k*H:(k+1)*H])
	}
}
