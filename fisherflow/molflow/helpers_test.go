package molflow

import (
	"io"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/mol"
)

// methods are the two geometries every flow test runs under.
var methods = []fisherflow.Method{fisherflow.FisherFlow, fisherflow.Linear}

// testMolecules returns real molecules: the two charged ones of the mol
// package's test data (so that the charge part has three classes) and the
// first few of the embedded QM7.
func testMolecules(t testing.TB) []*mol.Molecule {
	t.Helper()
	mols, err := mol.ReadFile("../mol/testdata/charged.sdf")
	if err != nil {
		t.Fatal(err)
	}
	rd := mol.QM7Reader()
	for len(mols) < 10 {
		m, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		mols = append(mols, m)
	}
	return mols
}

// testGraphs encodes mols with their own vocabulary.
func testGraphs(t testing.TB, mols []*mol.Molecule) (mol.Vocab, []*mol.Graph) {
	t.Helper()
	v := mol.NewVocab(mols)
	gs := make([]*mol.Graph, len(mols))
	for i, m := range mols {
		g, err := v.Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		gs[i] = g
	}
	return v, gs
}

// newTestFlow returns a flow for graphs gs of vocabulary v with room for
// all of them.
func newTestFlow(t testing.TB, v mol.Vocab, gs []*mol.Graph, cfg Config) *Flow {
	t.Helper()
	maxN := 0
	for _, g := range gs {
		maxN = max(maxN, len(g.Types))
	}
	f, err := New(v, cfg, Capacity{Molecules: len(gs), MaxAtoms: maxN})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// catPart is a categorical part's values and row length.
type catPart struct {
	name string
	x    []float64
	d    int
}

// categorical returns the categorical parts of p.
func categorical(p *Parts, d Dims) []catPart {
	return []catPart{{"types", p.Types, d.Types}, {"charges", p.Charges, d.Charges}, {"bonds", p.Bonds, d.Bonds}}
}

// transformed returns a copy of g with positions rotated by R and moved
// by shift.
func transformed(g *mol.Graph, R Rotation, shift [3]float64) *mol.Graph {
	h := &mol.Graph{Types: g.Types, Charges: g.Charges, Bonds: g.Bonds, Pos: make([][3]float64, len(g.Pos))}
	for i, p := range g.Pos {
		q := p[:]
		R.Apply(q)
		for k := range 3 {
			h.Pos[i][k] = q[k] + shift[k]
		}
	}
	return h
}

// maxAbsDiff returns the largest |a_i - b_i|.
func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

// testRand returns a generator seeded for one test.
func testRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 99)) }
