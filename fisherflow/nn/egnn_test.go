package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// egnnInputs is a batch of random molecules for an EGNN: positions
// spread like a small molecule's (a few units), features and pair
// features N(0, 1).
type egnnInputs struct {
	sizes   []int
	x, h, e []float64
}

func newEGNNInputs(r *rand.Rand, c EGNNConfig, sizes ...int) egnnInputs {
	var g MolBatch
	g.Set(sizes)
	in := egnnInputs{sizes: sizes, x: randSlice(r, 3*g.Atoms), h: randSlice(r, g.Atoms*c.NodeIn), e: randSlice(r, g.Pairs*c.EdgeIn)}
	for i := range in.x {
		in.x[i] *= 1.5
	}
	return in
}

// newTestEGNN returns a float64 EGNN planned for batches of up to 32
// atoms in molecules of up to 8, its parameters moved off their
// initialisation (coord_mlp.2 starts near 0, which would leave the
// position paths untested).
func newTestEGNN(c EGNNConfig, seed uint64) *EGNN[float64] {
	r := rand.New(rand.NewPCG(seed, 77))
	m := NewEGNN[float64](c, r)
	for _, p := range m.Params() {
		for i := range p.W {
			p.W[i] += 0.2 * r.NormFloat64()
		}
	}
	m.Plan(32, 8)
	return m
}

var testEGNNConfig = EGNNConfig{NodeIn: 3, EdgeIn: 2, Hidden: 5, Layers: 2, NodeOut: 3, EdgeOut: 2}

// The EGCL alone against finite differences, for its parameters and its
// inputs x, h and e together; the batch has a lone atom (no edges) and
// molecules of 3 and 4 atoms.
func TestEGNNLayerGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	const H, Ein = 4, 2
	l := NewEGCL[float64]("layers.0", H, Ein, r)
	for _, p := range l.Params() {
		for i := range p.W {
			p.W[i] += 0.2 * r.NormFloat64()
		}
	}
	var g MolBatch
	g.Set([]int{3, 1, 4})
	l.Plan(g.Atoms, g.Edges)
	N, P := g.Atoms, g.Pairs
	in := append(append(randSlice(r, 3*N), randSlice(r, N*H)...), randSlice(r, P*Ein)...)
	split := func(v []float64) (x, h, e []float64) { return v[:3*N], v[3*N : 3*N+N*H], v[3*N+N*H:] }
	out := make([]float64, 3*N+N*H)
	gradCheck(t, "EGCL", l.Params(), in,
		func(v []float64) []float64 {
			x, h, e := split(v)
			l.Forward(out[:3*N], out[3*N:], x, h, e, &g)
			return out
		},
		func(dv, dy, v []float64) {
			x, h, e := split(v)
			dx, dh, de := split(dv)
			l.Backward(dx, dh, de, dy[:3*N], dy[3*N:], x, h, e, &g)
		})
}

// The whole EGNN against finite differences, for its parameters and its
// inputs x, h and e together, with and without pair features.
func TestEGNNGrad(t *testing.T) {
	for _, c := range []EGNNConfig{testEGNNConfig, {NodeIn: 2, EdgeIn: 0, Hidden: 4, Layers: 3, NodeOut: 2, EdgeOut: 3}} {
		m := newTestEGNN(c, 5)
		in := newEGNNInputs(rand.New(rand.NewPCG(6, 7)), c, 4, 1, 3)
		nx, nh := len(in.x), len(in.h)
		split := func(v []float64) (x, h, e []float64) { return v[:nx], v[nx : nx+nh], v[nx+nh:] }
		var out []float64
		var nv, nho int
		gradCheck(t, "EGNN", m.Params(), slices.Concat(in.x, in.h, in.e),
			func(v []float64) []float64 {
				x, h, e := split(v)
				vo, ho, eo := m.Forward(x, h, e, in.sizes)
				nv, nho = len(vo), len(ho)
				out = append(append(append(out[:0], vo...), ho...), eo...)
				return out
			},
			func(dv, dy, v []float64) {
				dx, dh, de := split(dv)
				m.Backward(dx, dh, de, dy[:nv], dy[nv:nv+nho], dy[nv+nho:])
			})
	}
}

// Backward without input gradients (dx, dh, de nil, as in training,
// where the layers then skip the pair features' gradient) adds the same
// parameter gradients as with them.
func TestEGNNBackwardNil(t *testing.T) {
	c := testEGNNConfig
	m := newTestEGNN(c, 11)
	in := newEGNNInputs(rand.New(rand.NewPCG(12, 13)), c, 4, 1, 3, 5)
	r := rand.New(rand.NewPCG(14, 15))
	var grads [2][]float64
	for k := range grads {
		v, h, e := m.Forward(in.x, in.h, in.e, in.sizes)
		dv, dh, de := randSlice(r, len(v)), randSlice(r, len(h)), randSlice(r, len(e))
		r = rand.New(rand.NewPCG(14, 15)) // the same output gradients both times
		m.Params().ZeroGrad()
		if k == 0 {
			m.Backward(make([]float64, len(in.x)), make([]float64, len(in.h)), make([]float64, len(in.e)), dv, dh, de)
		} else {
			m.Backward(nil, nil, nil, dv, dh, de)
		}
		for _, p := range m.Params() {
			grads[k] = append(grads[k], p.G...)
		}
	}
	if d, s := maxAbsDiff(grads[1], grads[0]); d > 1e-12*s {
		t.Fatalf("parameter gradients without input gradients differ by %g (scale %g)", d, s)
	}
}

// NumParams agrees with the built network, and the names and shapes are
// those of the PyTorch modules.
func TestEGNNParams(t *testing.T) {
	for _, c := range []EGNNConfig{testEGNNConfig, {NodeIn: 9, EdgeIn: 4, Hidden: 64, Layers: 4, NodeOut: 8, EdgeOut: 4}} {
		m := NewEGNN[float32](c, rand.New(rand.NewPCG(1, 1)))
		ps := m.Params()
		if n := c.NumParams(); n != ps.Count() {
			t.Errorf("%+v: NumParams %d, built %d", c, n, ps.Count())
		}
		h := c.Hidden
		want := map[string][]int{
			"embedding.weight":            {h, c.NodeIn},
			"layers.0.edge_mlp.0.weight":  {h, 2*h + 1 + c.EdgeIn},
			"layers.0.coord_mlp.2.weight": {1, h},
			"layers.0.node_mlp.0.weight":  {h, 2 * h},
			"node_head.2.bias":            {c.NodeOut},
			"edge_head.0.weight":          {h, h + 1 + c.EdgeIn},
			"edge_head.2.weight":          {c.EdgeOut, h},
			"layers." + strconv.Itoa(c.Layers-1) + ".node_mlp.2.bias": {h},
		}
		seen := map[string]bool{}
		for _, p := range ps {
			if seen[p.Name] {
				t.Errorf("duplicate parameter name %s", p.Name)
			}
			seen[p.Name] = true
			if s, ok := want[p.Name]; ok && !slices.Equal(s, p.Shape) {
				t.Errorf("%s: shape %v, want %v", p.Name, p.Shape, s)
			}
		}
		for name := range want {
			if !seen[name] {
				t.Errorf("no parameter %s", name)
			}
		}
	}
}

// Forward and Backward allocate nothing once planned (and warmed up).
func TestEGNNAllocs(t *testing.T) {
	if egnnRace {
		t.Skip("the race detector's instrumentation allocates")
	}
	m := newTestEGNN(testEGNNConfig, 8)
	in := newEGNNInputs(rand.New(rand.NewPCG(1, 2)), testEGNNConfig, 5, 8, 2)
	step := func() {
		v, h, e := m.Forward(in.x, in.h, in.e, in.sizes)
		m.Backward(nil, nil, nil, v, h, e)
	}
	step()
	if a := testing.AllocsPerRun(5, step); a != 0 {
		t.Fatalf("%v allocations a step", a)
	}
}

// maxAbsDiff returns max |a-b| and max |b|.
func maxAbsDiff(a, b []float64) (d, s float64) {
	for i := range a {
		d, s = math.Max(d, math.Abs(a[i]-b[i])), math.Max(s, math.Abs(b[i]))
	}
	return d, s
}

// A batch of lone atoms has no pairs: no pair outputs, zero velocities,
// and the node outputs still flow.
func TestEGNNLoneAtoms(t *testing.T) {
	c := testEGNNConfig
	m := newTestEGNN(c, 9)
	in := newEGNNInputs(rand.New(rand.NewPCG(3, 4)), c, 1, 1, 1)
	v, h, e := m.Forward(in.x, in.h, in.e, in.sizes)
	if len(e) != 0 || len(h) != 3*c.NodeOut {
		t.Fatalf("len(h, e) = %d, %d", len(h), len(e))
	}
	for _, x := range v {
		if x != 0 {
			t.Fatalf("velocity %v of a lone atom", v)
		}
	}
	dh := make([]float64, len(in.h))
	m.Backward(nil, dh, nil, v, h, e)
	if d, _ := maxAbsDiff(dh, make([]float64, len(dh))); d == 0 {
		t.Fatalf("no gradient reaches the node features")
	}
}
