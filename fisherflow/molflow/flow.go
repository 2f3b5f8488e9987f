package molflow

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/mol"
	"github.com/fisherflow/fisherflow/kernels"
)

// Weights are the loss weights of the four parts.
type Weights struct {
	Pos     float64 `json:"pos"`
	Types   float64 `json:"types"`
	Charges float64 `json:"charges"`
	Bonds   float64 `json:"bonds"`
}

// DefaultWeights returns FlowMol's loss weights: positions 3, atom types
// 0.4, charges 1, bonds 2.
func DefaultWeights() Weights { return Weights{Pos: 3, Types: 0.4, Charges: 1, Bonds: 2} }

// Param is what the network's output stands for.
type Param string

// The parameterisations of the network's output.
const (
	// ParamVelocity: the output is the velocity field itself, regressed
	// on the closed-form conditional targets by mean squared error (the
	// Fisher-Flow paper's loss).
	ParamVelocity Param = "velocity"
	// ParamEndpoint: the output predicts the clean molecule x1 (FlowMol's
	// parameterisation): a displacement x1 - x_t per atom, trained by
	// mean squared error, and logits of the class of every atom and pair,
	// trained by cross-entropy. The sampler turns them into the velocity
	// of the marginal flow: (x1^ - x_t)/(1-t) for positions and, for each
	// categorical row, the expectation over the predicted classes c of
	// the conditional velocity toward the vertex e_c, sum_c p_c
	// LogMap(x_t, e_c)/(1-t) on the sphere and (p - x_t)/(1-t) on the
	// simplex.
	ParamEndpoint Param = "endpoint"
)

// ParseParam returns the Param named s ("velocity" or "endpoint").
func ParseParam(s string) (Param, error) {
	switch p := Param(s); p {
	case ParamVelocity, ParamEndpoint:
		return p, nil
	}
	return "", fmt.Errorf("parameterisation %q: want velocity or endpoint", s)
}

// Config is the setting of a Flow.
type Config struct {
	// Method is the geometry of the categorical parts: fisherflow.FisherFlow
	// (the sphere; the default when empty) or fisherflow.Linear (linear
	// flow matching on the simplex, the baseline).
	Method fisherflow.Method `json:"method"`
	// Weights are the loss weights; the zero value means DefaultWeights.
	Weights Weights `json:"weights"`
	// Permute reorders each molecule's prior atoms to the data atoms by
	// the assignment of least squared distance (Flow.Permute) before
	// interpolating, which shortens the paths.
	Permute bool `json:"permute"`
	// Align rotates each molecule's prior positions onto its data
	// positions (Kabsch; after Permute) before interpolating, which
	// shortens the paths.
	Align bool `json:"align"`
	// Param is what the network predicts: ParamVelocity (also when
	// empty) or ParamEndpoint.
	Param Param `json:"param,omitempty"`
	// CatCosine, when not 0, is the exponent nu (at least 1) of FlowMol's
	// cosine schedule for the categorical parts: they sit at time
	// kappa(t) = sin^2(pi/2 t^nu) of their paths when the positions sit
	// at t, so that for nu > 1 the classes settle after the geometry
	// has. 0 is kappa(t) = t.
	CatCosine float64 `json:"cat_cosine,omitempty"`
}

// catTime returns the categorical parts' time kappa(t) and its derivative
// under the Config's schedule.
func (c Config) catTime(t float64) (k, dk float64) {
	nu := c.CatCosine
	if nu == 0 {
		return t, 1
	}
	a := math.Pi / 2 * math.Pow(t, nu)
	s := math.Sin(a)
	if t > 0 {
		dk = math.Sin(2*a) * math.Pi / 2 * nu * math.Pow(t, nu-1)
	}
	return s * s, dk
}

// withDefaults returns c with its defaults filled in, or an error for a
// setting out of range.
func (c Config) withDefaults() (Config, error) {
	if c.Method == "" {
		c.Method = fisherflow.FisherFlow
	}
	if _, err := fisherflow.ParseMethod(string(c.Method)); err != nil {
		return c, fmt.Errorf("molflow: %w", err)
	}
	if c.CatCosine != 0 && !(c.CatCosine >= 1 && c.CatCosine <= 100) {
		return c, fmt.Errorf("molflow: categorical schedule exponent %v: want 0 (linear) or 1 to 100", c.CatCosine)
	}
	if c.Param != "" { // empty stays empty (velocity), as in the configs written before Param
		if _, err := ParseParam(string(c.Param)); err != nil {
			return c, fmt.Errorf("molflow: %w", err)
		}
	}
	if c.Weights == (Weights{}) {
		c.Weights = DefaultWeights()
	}
	for _, w := range []float64{c.Weights.Pos, c.Weights.Types, c.Weights.Charges, c.Weights.Bonds} {
		if !(w >= 0) || math.IsInf(w, 0) {
			return c, fmt.Errorf("molflow: loss weights %+v must be finite and non-negative", c.Weights)
		}
	}
	return c, nil
}

// Flow is the molecule flow over batches of one vocabulary: it holds a
// batch's layout, its prior, data, interpolant and target points, and the
// buffers of the loss and the sampler, all planned once for a Capacity so
// that training steps and sampler steps allocate nothing. A Flow is not
// safe for concurrent use, and Sample reuses the buffers of the training
// batch.
type Flow struct {
	cfg    Config
	vocab  mol.Vocab
	dims   Dims
	layout *Layout

	x0, x1, xt, u  Parts
	out, proj, dl  Parts     // network output, its projection, dL/dout
	t              []float64 // per molecule
	sizes          []int     // scratch of Load
	tAtom, tPair   []float64 // t of each atom's and each pair's molecule
	kAtom, kPair   []float64 // kappa(t) likewise (see Config.CatCosine)
	dkAtom, dkPair []float64 // kappa'(t) likewise
	theta, logm    []float64 // scratch of the sphere interpolant
	base           []float64 // scratch of the tangent projection
	perm           *permuter
	in             Inputs
}

// New returns a Flow for molecules of vocabulary v (as Vocab.Encode
// gives them), planned for batches within c.
func New(v mol.Vocab, cfg Config, c Capacity) (*Flow, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	d := DimsOf(v)
	if d.Types < 1 || d.Charges < 1 {
		return nil, fmt.Errorf("molflow: vocabulary of %d elements and %d charges: want at least one of each", d.Types, d.Charges)
	}
	l, err := NewLayout(c)
	if err != nil {
		return nil, err
	}
	a, p := c.Atoms(), c.Pairs()
	maxD := max(d.Types, d.Charges, d.Bonds)
	f := &Flow{
		cfg: cfg, vocab: v, dims: d, layout: l,
		x0: newParts(c, d), x1: newParts(c, d), xt: newParts(c, d), u: newParts(c, d),
		out: newParts(c, d), proj: newParts(c, d), dl: newParts(c, d),
		t: make([]float64, 0, c.Molecules), sizes: make([]int, 0, c.Molecules),
		tAtom: make([]float64, a), tPair: make([]float64, p),
		kAtom: make([]float64, a), kPair: make([]float64, p),
		dkAtom: make([]float64, a), dkPair: make([]float64, p),
		theta: make([]float64, max(a, p)), logm: make([]float64, max(a, p)*maxD),
		base: make([]float64, max(a, p)*maxD), perm: newPermuter(c.MaxAtoms),
	}
	f.in = Inputs{Layout: l, Dims: d}
	return f, nil
}

// Config returns the flow's setting, defaults filled in.
func (f *Flow) Config() Config { return f.cfg }

// Dims returns the dimensions of the categorical parts.
func (f *Flow) Dims() Dims { return f.dims }

// Vocab returns the vocabulary of the flow's molecules.
func (f *Flow) Vocab() mol.Vocab { return f.vocab }

// Layout returns the layout of the current batch, for reading: Load and
// Sample set it, and the flow's buffers follow it.
func (f *Flow) Layout() *Layout { return f.layout }

// Prior returns the prior points x0 of the current batch; a caller may
// overwrite them (with points of the same manifolds) before Interpolate.
func (f *Flow) Prior() *Parts { return &f.x0 }

// Data returns the data points x1 of the current batch: centred positions
// and one-hot categorical rows.
func (f *Flow) Data() *Parts { return &f.x1 }

// Target returns the target field u of the last Interpolate.
func (f *Flow) Target() *Parts { return &f.u }

// Output returns a buffer cut to the current batch for the network's
// output, which Loss takes.
func (f *Flow) Output() *Parts { return &f.out }

// Load lays out graphs (from Vocab.Encode of the flow's vocabulary) as the
// current batch and sets its data points: positions with each molecule's
// mean removed, and one-hot rows of the classes. An empty batch, a
// molecule of fewer than 2 atoms, a batch beyond the Capacity, a graph
// whose lengths disagree or a class outside the vocabulary are errors.
func (f *Flow) Load(graphs []*mol.Graph) error {
	if err := f.load(graphs); err != nil {
		f.setBatch(nil) // no half-loaded batch stays behind
		return err
	}
	return nil
}

// load is Load without the clean-up after an error.
func (f *Flow) load(graphs []*mol.Graph) error {
	if len(graphs) == 0 {
		return ErrEmptyBatch
	}
	if len(graphs) > cap(f.sizes) {
		return fmt.Errorf("molflow: batch of %d molecules, planned for %d", len(graphs), cap(f.sizes))
	}
	f.sizes = f.sizes[:len(graphs)]
	for b, g := range graphs {
		if g == nil {
			return fmt.Errorf("molflow: molecule %d is nil", b)
		}
		f.sizes[b] = len(g.Types)
	}
	if err := f.setBatch(f.sizes); err != nil {
		return err
	}
	for b, g := range graphs {
		if err := f.loadGraph(b, g); err != nil {
			return err
		}
	}
	return nil
}

// setBatch lays out a batch of the given sizes and cuts the buffers to
// it; nil (or an error) leaves an empty batch.
func (f *Flow) setBatch(sizes []int) error {
	err := ErrEmptyBatch
	if sizes != nil {
		err = f.layout.Set(sizes)
	}
	if err != nil {
		f.layout.clear()
	}
	for _, p := range []*Parts{&f.x0, &f.x1, &f.xt, &f.u, &f.out, &f.proj, &f.dl} {
		p.cut(f.layout, f.dims)
	}
	f.t = f.t[:f.layout.Molecules()]
	return err
}

// loadGraph checks graph b and writes its data points.
func (f *Flow) loadGraph(b int, g *mol.Graph) error {
	l, d := f.layout, f.dims
	n := l.Sizes[b]
	if len(g.Charges) != n || len(g.Pos) != n || len(g.Bonds) != mol.NumPairs(n) {
		return fmt.Errorf("molflow: molecule %d: %d types, %d charges, %d positions and %d pair classes do not describe one molecule", b, n, len(g.Charges), len(g.Pos), len(g.Bonds))
	}
	for i := range n {
		if t, c := g.Types[i], g.Charges[i]; t < 0 || t >= d.Types || c < 0 || c >= d.Charges {
			return fmt.Errorf("molflow: molecule %d atom %d has type class %d and charge class %d; the vocabulary has %d and %d", b, i, t, c, d.Types, d.Charges)
		}
	}
	for k, c := range g.Bonds {
		if c < 0 || c >= d.Bonds {
			return fmt.Errorf("molflow: molecule %d pair %d has bond class %d, want 0 to %d", b, k, c, d.Bonds-1)
		}
	}
	a0, p0 := l.AtomOff[b], l.PairOff[b]
	pos := f.x1.Pos[3*a0 : 3*(a0+n)]
	for i, p := range g.Pos {
		copy(pos[3*i:3*i+3], p[:])
	}
	for _, v := range pos {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("molflow: molecule %d has a position that is not finite", b)
		}
	}
	removeMean3(pos)
	oneHotRows(f.x1.Types[d.Types*a0:], g.Types, d.Types)
	oneHotRows(f.x1.Charges[d.Charges*a0:], g.Charges, d.Charges)
	oneHotRows(f.x1.Bonds[d.Bonds*p0:], g.Bonds, d.Bonds)
	return nil
}

// DrawPrior draws the prior points of the current batch from r: positions
// from the isotropic Gaussian with each molecule's mean removed, and the
// categorical parts from the Method's prior (uniform on the sphere's
// positive orthant, or Dirichlet(1) on the simplex).
func (f *Flow) DrawPrior(r *rand.Rand) {
	l, d, m := f.layout, f.dims, f.cfg.Method
	for b := range l.Sizes {
		gaussianPrior(r, f.x0.Pos[3*l.AtomOff[b]:3*l.AtomOff[b+1]])
	}
	categoricalPrior(m, r, f.x0.Types, d.Types)
	categoricalPrior(m, r, f.x0.Charges, d.Charges)
	categoricalPrior(m, r, f.x0.Bonds, d.Bonds)
}

// Align rotates each molecule's prior positions by the Kabsch rotation
// onto its data positions; both are centred, so the prior stays centred.
func (f *Flow) Align() {
	l := f.layout
	for b := range l.Sizes {
		lo, hi := 3*l.AtomOff[b], 3*l.AtomOff[b+1]
		R, err := Kabsch(f.x0.Pos[lo:hi], f.x1.Pos[lo:hi])
		if err != nil {
			continue // unreachable: the two slices have the same length
		}
		R.Apply(f.x0.Pos[lo:hi])
	}
}

// Interpolate sets the points x_t of the current batch at the times t (one
// per molecule, in [0, 1]) and their targets: for positions the straight
// line (1-t) x0 + t x1 and x1 - x0 (under ParamEndpoint the
// displacement x1 - x_t that the network predicts instead); for the
// categorical parts the Method's interpolant (slerp on the sphere, the
// line on the simplex) and its velocity. It returns the network's Inputs, valid until the next
// Load, Interpolate or Sample.
func (f *Flow) Interpolate(t []float64) (*Inputs, error) {
	l, d, m := f.layout, f.dims, f.cfg.Method
	if l.Molecules() == 0 {
		return nil, ErrEmptyBatch
	}
	if len(t) != l.Molecules() {
		return nil, fmt.Errorf("molflow: %d times for %d molecules", len(t), l.Molecules())
	}
	for b, tt := range t {
		if !(tt >= 0 && tt <= 1) {
			return nil, fmt.Errorf("molflow: time %v of molecule %d is outside [0, 1]", tt, b)
		}
	}
	copy(f.t, t)
	f.spreadTimes()
	a, p := l.Atoms(), l.Pairs()
	endpoint := f.cfg.Param == ParamEndpoint
	for i := range a {
		tt := f.tAtom[i]
		for k := 3 * i; k < 3*i+3; k++ {
			f.xt.Pos[k] = (1-tt)*f.x0.Pos[k] + tt*f.x1.Pos[k]
			if endpoint {
				f.u.Pos[k] = f.x1.Pos[k] - f.xt.Pos[k]
			} else {
				f.u.Pos[k] = f.x1.Pos[k] - f.x0.Pos[k]
			}
		}
	}
	ka, kp := f.tAtom[:a], f.tPair[:p]
	if f.cfg.CatCosine != 0 {
		ka, kp = f.kAtom[:a], f.kPair[:p]
		for i, tt := range f.tAtom[:a] {
			ka[i], f.dkAtom[i] = f.cfg.catTime(tt)
		}
		for k, tt := range f.tPair[:p] {
			kp[k], f.dkPair[k] = f.cfg.catTime(tt)
		}
	}
	interpolateCategorical(m, f.xt.Types, f.u.Types, f.x0.Types, f.x1.Types, ka, d.Types, f.theta, f.logm)
	interpolateCategorical(m, f.xt.Charges, f.u.Charges, f.x0.Charges, f.x1.Charges, ka, d.Charges, f.theta, f.logm)
	interpolateCategorical(m, f.xt.Bonds, f.u.Bonds, f.x0.Bonds, f.x1.Bonds, kp, d.Bonds, f.theta, f.logm)
	if f.cfg.CatCosine != 0 { // the chain rule: d/dt of x at kappa(t)
		scaleRows(f.u.Types, f.dkAtom[:a], d.Types)
		scaleRows(f.u.Charges, f.dkAtom[:a], d.Charges)
		scaleRows(f.u.Bonds, f.dkPair[:p], d.Bonds)
	}
	f.in.X, f.in.T = f.xt, f.t
	return &f.in, nil
}

// scaleRows multiplies each row of x (rows of d) by its factor in s.
func scaleRows(x, s []float64, d int) {
	for i, c := range s {
		kernels.Scale(c, x[i*d:(i+1)*d])
	}
}

// spreadTimes copies each molecule's time to its atoms and pairs.
func (f *Flow) spreadTimes() {
	l := f.layout
	for i, b := range l.AtomMol {
		f.tAtom[i] = f.t[b]
	}
	for k, b := range l.PairMol {
		f.tPair[k] = f.t[b]
	}
}

// Draw makes a training batch of graphs: Load, DrawPrior, Permute and
// Align (if the Config asks for them), times uniform on [0, 1) from r, and
// Interpolate.
func (f *Flow) Draw(r *rand.Rand, graphs []*mol.Graph) (*Inputs, error) {
	if err := f.Load(graphs); err != nil {
		return nil, err
	}
	f.DrawPrior(r)
	if f.cfg.Permute {
		if err := f.Permute(); err != nil {
			return nil, err
		}
	}
	if f.cfg.Align {
		f.Align()
	}
	for b := range f.t {
		f.t[b] = r.Float64()
	}
	return f.Interpolate(f.t)
}
