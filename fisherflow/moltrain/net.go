package moltrain

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow/molflow"
	"github.com/fisherflow/fisherflow/fisherflow/nn"
)

// NetConfig sizes the EGNN of the molecule flow.
type NetConfig struct {
	Hidden  int `json:"hidden"`   // hidden width of the EGNN
	Layers  int `json:"layers"`   // number of EGCLs
	TimeDim int `json:"time_dim"` // width of the time embedding (even)
}

// DefaultNetConfig is the network of the default budget.
func DefaultNetConfig() NetConfig { return NetConfig{Hidden: 64, Layers: 4, TimeDim: 16} }

func (c NetConfig) check() error {
	if c.Hidden < 1 || c.Layers < 1 || c.TimeDim < 2 || c.TimeDim%2 != 0 {
		return fmt.Errorf("network of hidden %d, %d layers, time embedding %d: need hidden and layers >= 1 and an even time embedding >= 2", c.Hidden, c.Layers, c.TimeDim)
	}
	return nil
}

// Net adapts an nn.EGNN to molflow.Trainable: the node features of an atom
// are its type and charge points (x_t of the categorical parts) and a
// sinusoidal embedding of its molecule's time, the edge features of a pair
// its bond point, and the outputs the position velocity, the type and
// charge fields per atom and the bond field per pair i < j (the EGNN's
// pair output is already symmetric in i and j). The network runs in T; the
// flow's float64 values are copied in and out, so float32 training keeps
// the geometry in float64. A Net is not safe for concurrent use.
type Net[T nn.Float] struct {
	Config NetConfig   // the network's size
	Model  *nn.EGNN[T] // the EGNN, planned for the Net's capacity

	dims     molflow.Dims
	capacity molflow.Capacity
	freqs    []float64
	x, h, e  []T // inputs in T
	dv, dh   []T // output gradients in T
	de       []T
}

// NewNet returns a Net for the categorical dimensions d, planned for
// batches within c, its weights drawn from r.
func NewNet[T nn.Float](d molflow.Dims, cfg NetConfig, c molflow.Capacity, r *rand.Rand) (*Net[T], error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("moltrain: %w", err)
	}
	if d.Types < 1 || d.Charges < 1 || d.Bonds < 1 || c.Molecules < 1 || c.MaxAtoms < 2 {
		return nil, fmt.Errorf("moltrain: network for dims %+v and capacity %+v: need every dimension >= 1 and molecules of >= 2 atoms", d, c)
	}
	ec := nn.EGNNConfig{
		NodeIn: d.Types + d.Charges + cfg.TimeDim, EdgeIn: d.Bonds,
		Hidden: cfg.Hidden, Layers: cfg.Layers,
		NodeOut: d.Types + d.Charges, EdgeOut: d.Bonds,
	}
	n := &Net[T]{Config: cfg, Model: nn.NewEGNN[T](ec, r), dims: d, capacity: c}
	n.Model.Plan(c.Atoms(), c.MaxAtoms)
	// Frequencies from 1 to 1000 in geometric steps, as a transformer's
	// position embedding, so that both coarse and fine changes of t show.
	half := cfg.TimeDim / 2
	n.freqs = make([]float64, half)
	for k := range n.freqs {
		n.freqs[k] = math.Pow(1000, float64(k)/float64(max(half-1, 1)))
	}
	atoms, pairs := c.Atoms(), c.Pairs()
	n.x, n.dv = make([]T, 3*atoms), make([]T, 3*atoms)
	n.h, n.dh = make([]T, atoms*ec.NodeIn), make([]T, atoms*ec.NodeOut)
	n.e, n.de = make([]T, pairs*d.Bonds), make([]T, pairs*d.Bonds)
	return n, nil
}

// Params returns the network's parameters.
func (n *Net[T]) Params() nn.Params[T] { return n.Model.Params() }

// errShape is wrapped by the errors about a batch that does not fit the Net.
var errShape = errors.New("moltrain: batch does not fit the network")

// check says whether in fits the Net's dimensions and capacity.
func (n *Net[T]) check(l *molflow.Layout, d molflow.Dims) error {
	if d != n.dims {
		return fmt.Errorf("%w: dims %+v, the network has %+v", errShape, d, n.dims)
	}
	if l.Molecules() > n.capacity.Molecules || l.Atoms() > n.capacity.Atoms() {
		return fmt.Errorf("%w: %d molecules of %d atoms, planned for %+v", errShape, l.Molecules(), l.Atoms(), n.capacity)
	}
	for _, s := range l.Sizes {
		if s > n.capacity.MaxAtoms {
			return fmt.Errorf("%w: a molecule of %d atoms, planned for at most %d", errShape, s, n.capacity.MaxAtoms)
		}
	}
	return nil
}

// Forward writes the field at in into out.
func (n *Net[T]) Forward(out *molflow.Parts, in *molflow.Inputs) error {
	l, d := in.Layout, in.Dims
	if err := n.check(l, d); err != nil {
		return err
	}
	N, P := l.Atoms(), l.Pairs()
	if len(in.X.Pos) != 3*N || len(in.T) != l.Molecules() || len(out.Pos) != 3*N ||
		len(out.Types) != N*d.Types || len(out.Charges) != N*d.Charges || len(out.Bonds) != P*d.Bonds {
		return fmt.Errorf("%w: buffer lengths disagree with the layout", errShape)
	}
	x, e := n.x[:3*N], n.e[:P*d.Bonds]
	for i, v := range in.X.Pos {
		x[i] = T(v)
	}
	for i, v := range in.X.Bonds {
		e[i] = T(v)
	}
	fin := d.Types + d.Charges + n.Config.TimeDim
	h := n.h[:N*fin]
	half := n.Config.TimeDim / 2
	for a := 0; a < N; a++ {
		row := h[a*fin : (a+1)*fin]
		for k, v := range in.X.Types[a*d.Types : (a+1)*d.Types] {
			row[k] = T(v)
		}
		for k, v := range in.X.Charges[a*d.Charges : (a+1)*d.Charges] {
			row[d.Types+k] = T(v)
		}
		t := in.T[l.AtomMol[a]]
		emb := row[d.Types+d.Charges:]
		for k, f := range n.freqs {
			s, c := math.Sincos(t * f)
			emb[k], emb[half+k] = T(s), T(c)
		}
	}
	v, hout, eout := n.Model.Forward(x, h, e, l.Sizes)
	for i, val := range v {
		out.Pos[i] = float64(val)
	}
	fout := d.Types + d.Charges
	for a := 0; a < N; a++ {
		row := hout[a*fout : (a+1)*fout]
		for k := 0; k < d.Types; k++ {
			out.Types[a*d.Types+k] = float64(row[k])
		}
		for k := 0; k < d.Charges; k++ {
			out.Charges[a*d.Charges+k] = float64(row[d.Types+k])
		}
	}
	for i, val := range eout {
		out.Bonds[i] = float64(val)
	}
	return nil
}

// Backward adds the parameter gradients of the last Forward for the
// output gradient dout (Flow.Loss's).
func (n *Net[T]) Backward(dout *molflow.Parts) error {
	g := n.Model.Batch()
	N, P, d := g.Atoms, g.Pairs, n.dims
	if len(dout.Pos) != 3*N || len(dout.Types) != N*d.Types || len(dout.Charges) != N*d.Charges || len(dout.Bonds) != P*d.Bonds {
		return fmt.Errorf("%w: gradient lengths disagree with the last Forward's batch", errShape)
	}
	dv, de := n.dv[:3*N], n.de[:P*d.Bonds]
	for i, v := range dout.Pos {
		dv[i] = T(v)
	}
	for i, v := range dout.Bonds {
		de[i] = T(v)
	}
	fout := d.Types + d.Charges
	dh := n.dh[:N*fout]
	for a := 0; a < N; a++ {
		for k := 0; k < d.Types; k++ {
			dh[a*fout+k] = T(dout.Types[a*d.Types+k])
		}
		for k := 0; k < d.Charges; k++ {
			dh[a*fout+d.Types+k] = T(dout.Charges[a*d.Charges+k])
		}
	}
	n.Model.Backward(nil, nil, nil, dv, dh, de)
	return nil
}
