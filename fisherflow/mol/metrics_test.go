package mol

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestQM7Metrics(t *testing.T) {
	mols := qm7(t)
	r := Metrics(mols, mols)
	if r.AtomStability != 1 || r.MoleculeStability != 1 || r.Connectivity != 1 {
		t.Errorf("QM7 against itself: atom stability %v, molecule stability %v, connectivity %v; the README promises 1, 1, 1",
			r.AtomStability, r.MoleculeStability, r.Connectivity)
	}
	if r.AtomTypeTV != 0 || r.ChargeTV != 0 || r.BondTypeTV != 0 || r.SizeTV != 0 || *r.BondLengthW1 != 0 {
		t.Errorf("distances of QM7 to itself are not 0: %+v", r)
	}
	for o, w := range r.BondLengthW1ByOrder {
		if w != 0 {
			t.Errorf("bond order %s: W1 of QM7 to itself %v", o, w)
		}
	}
	if len(r.BondLengthW1ByOrder) != 3 || r.BondLengths.Under+r.BondLengths.Over != 0 {
		t.Errorf("bond lengths: %d orders, %d below and %d above the bins", len(r.BondLengthW1ByOrder), r.BondLengths.Under, r.BondLengths.Over)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("report does not encode as JSON: %v", err)
	}
	// Halves of the data set are close but not equal.
	h := Metrics(mols[:3401], mols[3401:])
	if h.AtomTypeTV <= 0 || h.AtomTypeTV > 0.1 || *h.BondLengthW1 <= 0 || *h.BondLengthW1 > 0.05 {
		t.Errorf("halves of QM7: atom type TV %v, bond length W1 %v", h.AtomTypeTV, *h.BondLengthW1)
	}
}

// methane is CH4 with a tetrahedral geometry.
func methane() *Molecule {
	return &Molecule{Name: "methane", Program: DefaultProgramLine,
		Atoms: []Atom{{"C", 0, [3]float64{0, 0, 0}}, {"H", 0, [3]float64{0.629, 0.629, 0.629}},
			{"H", 0, [3]float64{-0.629, -0.629, 0.629}}, {"H", 0, [3]float64{-0.629, 0.629, -0.629}},
			{"H", 0, [3]float64{0.629, -0.629, -0.629}}},
		Bonds: []Bond{{0, 1, 1}, {0, 2, 1}, {0, 3, 1}, {0, 4, 1}}}
}

func TestStability(t *testing.T) {
	m := methane()
	if !m.Stable() || m.StableAtoms() != 5 || !m.Connected() {
		t.Fatalf("methane: stable %v (%d atoms), connected %v", m.Stable(), m.StableAtoms(), m.Connected())
	}
	// A methyl radical: trivalent neutral carbon, which MiDi's table accepts.
	r := m.Clone()
	r.Atoms, r.Bonds = r.Atoms[:4], r.Bonds[:3]
	if r.Stable() || r.StableAtoms() != 3 {
		t.Errorf("methyl radical: stable %v, %d stable atoms; want false, 3", r.Stable(), r.StableAtoms())
	}
	// The methyl anion and cation are trivalent and stable.
	for _, c := range []int{-1, 1} {
		r.Atoms[0].Charge = c
		if !r.Stable() {
			t.Errorf("methyl with charge %d is not stable", c)
		}
	}
	// Two fragments.
	d := m.Clone()
	d.Bonds = d.Bonds[:3]
	if d.Fragments() != 2 || d.Connected() {
		t.Errorf("CH3 + H: %d fragments", d.Fragments())
	}
	// A bond to a missing atom is left out, not trusted.
	d.Bonds = append(d.Bonds, Bond{0, 9, 1})
	if d.Fragments() != 2 || d.Valences()[0] != 3 {
		t.Errorf("bond to a missing atom: %d fragments, valence %d", d.Fragments(), d.Valences()[0])
	}
	if (&Molecule{}).Stable() || (&Molecule{}).Fragments() != 0 {
		t.Error("a molecule without atoms is stable or has fragments")
	}
}

func TestAllowedValences(t *testing.T) {
	for _, c := range []struct {
		el     string
		charge int
		want   []int
	}{{"H", 0, []int{1}}, {"C", 0, []int{4}}, {"N", 0, []int{3}}, {"O", 0, []int{2}}, {"S", 0, []int{2, 4, 6}},
		{"F", 0, []int{1}}, {"N", 1, []int{4}}, {"O", -1, []int{1}}, {"O", 1, []int{3}}, {"C", -1, []int{3}},
		{"N", -1, []int{2}}, {"S", 1, []int{3}}, {"S", -1, []int{1}}, {"P", 0, []int{3, 5}},
		{"H", 1, nil}, {"C", 2, nil}, {"Xe", 0, nil}} {
		if got := AllowedValences(c.el, c.charge); !slices.Equal(got, c.want) {
			t.Errorf("%s charge %d: %v, want %v", c.el, c.charge, got, c.want)
		}
	}
	if signed(2) != "+2" || signed(-3) != "-3" {
		t.Errorf("signed: %q %q", signed(2), signed(-3))
	}
}

func TestTV(t *testing.T) {
	a, b := Hist{"C": 3, "H": 1}, Hist{"C": 1, "O": 1}
	if got := TV(a, b); math.Abs(got-0.5) > 1e-15 {
		t.Errorf("TV = %v, want 0.5", got)
	}
	if TV(a, a) != 0 || TV(Hist{"C": 1}, Hist{"H": 2}) != 1 || TV(Hist{}, Hist{}) != 0 || TV(a, Hist{}) != 1 {
		t.Error("TV: identity, disjoint or empty cases wrong")
	}
}

// w1Brute integrates |F_a - G_b| on a fine grid, for checking W1.
func w1Brute(a, b []float64) float64 {
	lo, hi := min(a[0], b[0]), max(a[len(a)-1], b[len(b)-1])
	const steps = 200000
	dx := (hi - lo) / steps
	s := 0.0
	for k := range steps {
		x := lo + (float64(k)+0.5)*dx
		fa := float64(sortSearch(a, x)) / float64(len(a))
		fb := float64(sortSearch(b, x)) / float64(len(b))
		s += math.Abs(fa-fb) * dx
	}
	return s
}

// sortSearch counts the values of sorted x at or below v.
func sortSearch(x []float64, v float64) int {
	n := 0
	for n < len(x) && x[n] <= v {
		n++
	}
	return n
}

func TestW1(t *testing.T) {
	if w, ok := W1([]float64{0}, []float64{1}); !ok || w != 1 {
		t.Errorf("W1(δ0, δ1) = %v, %v", w, ok)
	}
	// Equal sizes: W1 is the mean absolute difference of sorted samples.
	a, b := []float64{1, 2, 4}, []float64{0, 3, 3}
	if w, _ := W1(a, b); math.Abs(w-(1+1+1)/3.0) > 1e-15 {
		t.Errorf("W1 = %v, want 1", w)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 5 {
		x, y := make([]float64, 5+trial*7), make([]float64, 3+trial*11)
		for i := range x {
			x[i] = math.Round(r.NormFloat64()*10) / 10 // ties on purpose
		}
		for i := range y {
			y[i] = r.NormFloat64() + 0.3
		}
		slices.Sort(x)
		slices.Sort(y)
		w, _ := W1(x, y)
		if brute := w1Brute(x, y); math.Abs(w-brute) > 1e-3 {
			t.Errorf("trial %d: W1 = %v, grid integral %v", trial, w, brute)
		}
		if w2, _ := W1(y, x); w2 != w {
			t.Errorf("trial %d: W1 not symmetric: %v %v", trial, w, w2)
		}
	}
	for _, bad := range [][]float64{nil, {2, 1}, {math.NaN()}, {math.Inf(1)}} {
		if _, ok := W1(bad, []float64{1}); ok {
			t.Errorf("W1 of %v is defined", bad)
		}
	}
}

func TestHistogram(t *testing.T) {
	h := Histogram([]float64{0.4, 0.5, 0.505, 0.51, 2.49, 2.5, 3}, BondLengthLo, BondLengthWidth, BondLengthBins)
	if h.Under != 1 || h.Over != 2 || h.Counts[0] != 2 || h.Counts[1] != 1 || h.Counts[199] != 1 {
		t.Errorf("histogram: under %d, over %d, first bins %v, last %d", h.Under, h.Over, h.Counts[:2], h.Counts[199])
	}
}

func TestMetricsEmpty(t *testing.T) {
	r := Metrics(nil, []*Molecule{methane()})
	if r.AtomStability != 0 || r.BondLengthW1 != nil || r.AtomTypeTV != 1 {
		t.Errorf("empty generated set: %+v", r)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Error(err)
	}
}

func TestAtomicNumber(t *testing.T) {
	for sym, z := range map[string]int{"H": 1, "C": 6, "Cl": 17, "S": 16, "Og": 118, "Fe": 26,
		"D": 0, "T": 0, "c": 0, "CL": 0, "C ": 0, " C": 0, "eL": 0, "": 0, "Xx": 0, "Uuo": 0} {
		if got := AtomicNumber(sym); got != z {
			t.Errorf("AtomicNumber(%q) = %d, want %d", sym, got, z)
		}
	}
}
