package molflow

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/mol"
	"github.com/fisherflow/fisherflow/kernels"
)

// oracle is the exact conditional field toward one data molecule: at x_t
// it returns the velocity that reaches the molecule's point x1 at t = 1
// along the method's geodesic, (x1 - x)/(1-t) for positions and the
// simplex, LogMap(x, x1)/(1-t) on the sphere. Integrated by the sampler,
// it must land on x1.
type oracle struct {
	m                      fisherflow.Method
	pos                    []float64 // centred positions
	types, charges, bonds  []float64 // one-hot rows
	dTypes, dCharges, dBnd int
}

func newOracle(t *testing.T, m fisherflow.Method, v mol.Vocab, g *mol.Graph) *oracle {
	t.Helper()
	d := DimsOf(v)
	o := &oracle{m: m, dTypes: d.Types, dCharges: d.Charges, dBnd: d.Bonds}
	for _, p := range g.Pos {
		o.pos = append(o.pos, p[:]...)
	}
	removeMean3(o.pos)
	var err error
	if o.types, err = mol.OneHot(g.Types, d.Types); err != nil {
		t.Fatal(err)
	}
	if o.charges, err = mol.OneHot(g.Charges, d.Charges); err != nil {
		t.Fatal(err)
	}
	if o.bonds, err = mol.OneHot(g.Bonds, d.Bonds); err != nil {
		t.Fatal(err)
	}
	return o
}

func (o *oracle) Forward(out *Parts, in *Inputs) error {
	l := in.Layout
	for b, n := range l.Sizes {
		if 3*n != len(o.pos) {
			return fmt.Errorf("oracle: molecule of %d atoms, want %d", n, len(o.pos)/3)
		}
		s := 1 / (1 - in.T[b])
		a0, p0 := l.AtomOff[b], l.PairOff[b]
		for i, w := range o.pos {
			out.Pos[3*a0+i] = s * (w - in.X.Pos[3*a0+i])
		}
		o.part(out.Types[o.dTypes*a0:o.dTypes*(a0+n)], in.X.Types[o.dTypes*a0:o.dTypes*(a0+n)], o.types, o.dTypes, s)
		o.part(out.Charges[o.dCharges*a0:o.dCharges*(a0+n)], in.X.Charges[o.dCharges*a0:o.dCharges*(a0+n)], o.charges, o.dCharges, s)
		np := mol.NumPairs(n)
		o.part(out.Bonds[o.dBnd*p0:o.dBnd*(p0+np)], in.X.Bonds[o.dBnd*p0:o.dBnd*(p0+np)], o.bonds, o.dBnd, s)
	}
	return nil
}

// part writes the conditional velocity of one categorical part.
func (o *oracle) part(out, x, x1 []float64, d int, s float64) {
	if o.m == fisherflow.FisherFlow {
		kernels.LogMap(out, x, x1, d)
		kernels.Scale(s, out)
		return
	}
	for i := range out {
		out[i] = s * (x1[i] - x[i])
	}
}

// TestSampleReachesOracleMolecule integrates the oracle field of a real
// molecule (a charged zwitterion, and a neutral QM7 one) from the prior
// and checks that every sampled molecule is that molecule: elements,
// charges and bonds exactly, positions (centred) to 1e-9 Å, for both
// methods and for 1, 10 and 100 steps, in several batches.
func TestSampleReachesOracleMolecule(t *testing.T) {
	for _, m := range methods {
		sampleReachesOracle(t, Config{Method: m}, func(o *oracle) Field { return o })
	}
}

// sampleReachesOracle samples molecules of cfg with the field that field
// makes of the oracle of each test molecule, and checks that every
// sampled molecule is that molecule (positions to 1e-9 Å) and that the
// last batch's final categorical points are the one-hot rows themselves,
// not only their argmax, for 1, 10 and 100 steps.
func sampleReachesOracle(t *testing.T, cfg Config, field func(*oracle) Field) {
	t.Helper()
	v, gs := testGraphs(t, testMolecules(t))
	for _, target := range []*mol.Graph{gs[1], gs[8]} {
		n := len(target.Types)
		want, err := v.Decode(&mol.Graph{Types: target.Types, Charges: target.Charges, Bonds: target.Bonds, Pos: centredPos(target.Pos)}, "want")
		if err != nil {
			t.Fatal(err)
		}
		f, err := New(v, cfg, Capacity{Molecules: 3, MaxAtoms: n + 2})
		if err != nil {
			t.Fatal(err)
		}
		m := cfg.Method
		o := newOracle(t, m, v, target)
		for _, steps := range []int{1, 10, 100} {
			got, err := f.SampleMolecules(field(o), testRand(uint64(steps)), mol.SizeDist{Sizes: []int{n}, Counts: []int{4}}, 5, steps, "s")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 5 {
				t.Fatalf("%d molecules, want 5", len(got))
			}
			for i, g := range got {
				if msg := sameMolecule(g, want, 1e-9); msg != "" {
					t.Fatalf("%s, %d steps, molecule %d (%s): %s", m, steps, i, g.Name, msg)
				}
			}
			x, l, d := &f.xt, f.Layout(), f.Dims()
			for b := range l.Sizes {
				a0, p0 := l.AtomOff[b], l.PairOff[b]
				for _, c := range [][2][]float64{
					{x.Types[d.Types*a0 : d.Types*(a0+n)], o.types},
					{x.Charges[d.Charges*a0 : d.Charges*(a0+n)], o.charges},
					{x.Bonds[d.Bonds*p0 : d.Bonds*(p0+mol.NumPairs(n))], o.bonds},
				} {
					if e := maxAbsDiff(c[0], c[1]); e > 1e-9 {
						t.Fatalf("%s, %d steps: final categorical points off the one-hot rows by %g", m, steps, e)
					}
				}
			}
		}
	}
}

func centredPos(pos [][3]float64) [][3]float64 {
	c := append([][3]float64(nil), pos...)
	mol.RemoveMean(c)
	return c
}

// sameMolecule returns what differs between a and b ("" for nothing),
// positions within tol.
func sameMolecule(a, b *mol.Molecule, tol float64) string {
	if len(a.Atoms) != len(b.Atoms) || len(a.Bonds) != len(b.Bonds) {
		return fmt.Sprintf("%d atoms and %d bonds, want %d and %d", len(a.Atoms), len(a.Bonds), len(b.Atoms), len(b.Bonds))
	}
	for i, x := range a.Atoms {
		y := b.Atoms[i]
		if x.Element != y.Element || x.Charge != y.Charge {
			return fmt.Sprintf("atom %d is %s%+d, want %s%+d", i, x.Element, x.Charge, y.Element, y.Charge)
		}
		for k := range 3 {
			if math.Abs(x.Pos[k]-y.Pos[k]) > tol {
				return fmt.Sprintf("atom %d at %v, want %v", i, x.Pos, y.Pos)
			}
		}
	}
	for i := range a.Bonds {
		if a.Bonds[i] != b.Bonds[i] {
			return fmt.Sprintf("bond %d is %v, want %v", i, a.Bonds[i], b.Bonds[i])
		}
	}
	return ""
}

// TestSampleStaysOnManifold runs the sampler with an arbitrary field (a
// fixed random one) and checks that the categorical points stay on their
// manifolds and the positions centred at every step.
func TestSampleStaysOnManifold(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	for _, m := range methods {
		f := newTestFlow(t, v, gs, Config{Method: m})
		calls := 0
		field := FieldFunc(func(out *Parts, in *Inputs) error {
			calls++
			for _, c := range categorical(&in.X, in.Dims) {
				checkOnManifold(t, m, c)
			}
			l := in.Layout
			for b := range l.Sizes {
				checkCentred(t, in.X.Pos[3*l.AtomOff[b]:3*l.AtomOff[b+1]])
			}
			fillRandom(out, uint64(calls))
			for i := range out.Pos {
				out.Pos[i] += 5 // a drift that the flow must take out
			}
			return nil
		})
		got, err := f.Sample(field, testRand(3), []int{4, 9, 2}, 20)
		if err != nil {
			t.Fatal(err)
		}
		if calls != 20 || len(got) != 3 || len(got[1].Types) != 9 || len(got[2].Bonds) != 1 {
			t.Fatalf("%d calls, %d molecules", calls, len(got))
		}
	}
}

func TestSampleErrors(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	f := newTestFlow(t, v, gs, Config{})
	zero := FieldFunc(func(out *Parts, in *Inputs) error { return nil })
	r := testRand(1)
	if _, err := f.Sample(nil, r, []int{3}, 10); err == nil {
		t.Error("nil field: want an error")
	}
	if _, err := f.Sample(zero, r, []int{3}, 0); err == nil {
		t.Error("0 steps: want an error")
	}
	if _, err := f.Sample(zero, r, []int{3, 1}, 10); err == nil {
		t.Error("a 1-atom molecule: want an error")
	}
	if _, err := f.Sample(zero, r, nil, 10); !errors.Is(err, ErrEmptyBatch) {
		t.Errorf("no molecules: got %v", err)
	}
	boom := errors.New("boom")
	if _, err := f.Sample(FieldFunc(func(*Parts, *Inputs) error { return boom }), r, []int{3}, 10); !errors.Is(err, boom) {
		t.Errorf("failing field: got %v", err)
	}
	nan := FieldFunc(func(out *Parts, in *Inputs) error { out.Pos[0] = math.NaN(); return nil })
	if _, err := f.Sample(nan, r, []int{3}, 10); err == nil {
		t.Error("NaN field: want an error")
	}
	if _, err := f.SampleMolecules(zero, r, mol.SizeDist{Sizes: []int{1000}, Counts: []int{1}}, 1, 10, "x"); err == nil {
		t.Error("size beyond the capacity: want an error")
	}
	if _, err := f.SampleMolecules(zero, r, mol.SizeDist{}, 1, 10, "x"); err == nil {
		t.Error("empty size distribution: want an error")
	}
}

// endpointOracle predicts one data molecule exactly under ParamEndpoint:
// the displacement x1 - x_t and logits that put all but e^-60 of the
// probability on the molecule's classes.
type endpointOracle struct{ o *oracle }

func (e endpointOracle) Forward(out *Parts, in *Inputs) error {
	o, l := e.o, in.Layout
	for b, n := range l.Sizes {
		if 3*n != len(o.pos) {
			return fmt.Errorf("oracle: molecule of %d atoms, want %d", n, len(o.pos)/3)
		}
		a0, p0 := l.AtomOff[b], l.PairOff[b]
		for i, w := range o.pos {
			out.Pos[3*a0+i] = w - in.X.Pos[3*a0+i]
		}
		for _, c := range [][2][]float64{
			{out.Types[o.dTypes*a0 : o.dTypes*(a0+n)], o.types},
			{out.Charges[o.dCharges*a0 : o.dCharges*(a0+n)], o.charges},
			{out.Bonds[o.dBnd*p0 : o.dBnd*(p0+mol.NumPairs(n))], o.bonds},
		} {
			for i, w := range c[1] {
				c[0][i] = 60 * w
			}
		}
	}
	return nil
}

// TestSampleEndpointReachesOracleMolecule is TestSampleReachesOracleMolecule
// under ParamEndpoint: a network that predicts the molecule with certainty
// must make the sampler land on it, for both methods, with and without a
// categorical schedule, and 1, 10 and 100 steps.
func TestSampleEndpointReachesOracleMolecule(t *testing.T) {
	for _, c := range []struct {
		m  fisherflow.Method
		nu float64
	}{{fisherflow.FisherFlow, 0}, {fisherflow.Linear, 0}, {fisherflow.FisherFlow, 2}, {fisherflow.Linear, 3}} {
		sampleReachesOracle(t, Config{Method: c.m, Param: ParamEndpoint, CatCosine: c.nu}, func(o *oracle) Field { return endpointOracle{o} })
	}
}

// TestEndpointRowsSphere checks the sphere's endpoint velocity against
// LogMap: for a one-hot p it is LogMap(x, e_c), and in general the
// p-weighted sum of the LogMaps to the vertices, tangent at x.
func TestEndpointRowsSphere(t *testing.T) {
	const d = 5
	r := testRand(11)
	x := make([]float64, d)
	categoricalPrior(fisherflow.FisherFlow, r, x, d)
	z := make([]float64, d)
	for i := range z {
		z[i] = r.NormFloat64()
	}
	p := append([]float64(nil), z...)
	lse := logSumExp(p)
	want := make([]float64, d)
	lm := make([]float64, d)
	for c := range d {
		p[c] = math.Exp(z[c] - lse)
	}
	for c := range d {
		e := make([]float64, d)
		e[c] = 1
		kernels.LogMap(lm, x, e, d)
		for k := range d {
			want[k] += 2.5 * p[c] * lm[k]
		}
	}
	got := append([]float64(nil), z...)
	endpointRows(fisherflow.FisherFlow, got, x, d, 2.5)
	if e := maxAbsDiff(got, want); e > 1e-12 {
		t.Fatalf("endpoint velocity %v, want %v", got, want)
	}
	dot := 0.0
	for k := range d {
		dot += got[k] * x[k]
	}
	if math.Abs(dot) > 1e-12 {
		t.Fatalf("not tangent: <v, x> = %g", dot)
	}
}
