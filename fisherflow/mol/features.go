package mol

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
)

// Bond classes of a pair of atoms: no bond, or the bond's order.
const (
	NoBond = iota
	SingleBond
	DoubleBond
	TripleBond
	// NumBondClasses is the number of bond classes.
	NumBondClasses
)

// Vocab is the categories of a data set's atoms: its elements, by atomic
// number, and its formal charges, ascending. A class is an index into
// these lists.
type Vocab struct {
	Elements []string `json:"elements"`
	Charges  []int    `json:"charges"`
}

// NewVocab returns the elements and charges that occur in mols.
func NewVocab(mols []*Molecule) Vocab {
	els, chs := map[string]bool{}, map[int]bool{}
	for _, m := range mols {
		for _, a := range m.Atoms {
			els[a.Element], chs[a.Charge] = true, true
		}
	}
	var v Vocab
	for e := range els {
		v.Elements = append(v.Elements, e)
	}
	for c := range chs {
		v.Charges = append(v.Charges, c)
	}
	// By atomic number, then by symbol for symbols that are not elements.
	sort.Slice(v.Elements, func(i, j int) bool {
		zi, zj := AtomicNumber(v.Elements[i]), AtomicNumber(v.Elements[j])
		return zi < zj || zi == zj && v.Elements[i] < v.Elements[j]
	})
	slices.Sort(v.Charges)
	return v
}

// Graph is a molecule as categorical classes and positions, the form the
// model works on: Types and Charges are classes of a Vocab per atom, and
// Bonds the bond class (NoBond ... TripleBond) of every pair i < j, in
// the order of PairIndex.
type Graph struct {
	Types   []int        `json:"types"`
	Charges []int        `json:"charges"`
	Bonds   []int        `json:"bonds"`
	Pos     [][3]float64 `json:"pos"`
}

// NumPairs returns the number of atom pairs i < j among n atoms.
func NumPairs(n int) int { return n * (n - 1) / 2 }

// PairIndex returns the index of the pair i < j among n atoms, in the
// row-major order (0,1), (0,2), ..., (0,n-1), (1,2), ...
func PairIndex(i, j, n int) int { return i*(2*n-i-1)/2 + j - i - 1 }

// Encode returns the classes and positions of m; an element or a charge
// outside v is an error.
func (v Vocab) Encode(m *Molecule) (*Graph, error) {
	n := len(m.Atoms)
	g := &Graph{Types: make([]int, n), Charges: make([]int, n), Bonds: make([]int, NumPairs(n)), Pos: make([][3]float64, n)}
	for i, a := range m.Atoms {
		t, c := slices.Index(v.Elements, a.Element), slices.Index(v.Charges, a.Charge)
		if t < 0 || c < 0 {
			return nil, fmt.Errorf("encode %q: atom %d (%s, charge %d) is outside the vocabulary %v %v", m.Name, i+1, a.Element, a.Charge, v.Elements, v.Charges)
		}
		g.Types[i], g.Charges[i], g.Pos[i] = t, c, a.Pos
	}
	for k, b := range m.Bonds {
		if !b.within(n) || b.I == b.J || b.Order < SingleBond || b.Order > TripleBond {
			return nil, fmt.Errorf("encode %q: bond %d (%d-%d, order %d) is not a bond of classes 1 to 3 between two atoms", m.Name, k+1, b.I+1, b.J+1, b.Order)
		}
		p := PairIndex(min(b.I, b.J), max(b.I, b.J), n)
		if g.Bonds[p] != NoBond {
			return nil, fmt.Errorf("encode %q: bond %d repeats a bond between atoms %d and %d", m.Name, k+1, b.I+1, b.J+1)
		}
		g.Bonds[p] = b.Order
	}
	return g, nil
}

// Decode returns the molecule of g, named name: an atom per class, a bond
// per pair of class above NoBond, and DefaultProgramLine as its header.
func (v Vocab) Decode(g *Graph, name string) (*Molecule, error) {
	n := len(g.Types)
	if len(g.Charges) != n || len(g.Pos) != n || len(g.Bonds) != NumPairs(n) {
		return nil, fmt.Errorf("decode %q: %d types, %d charges, %d positions and %d pair classes do not describe one molecule", name, n, len(g.Charges), len(g.Pos), len(g.Bonds))
	}
	m := &Molecule{Name: name, Program: DefaultProgramLine, Atoms: make([]Atom, n)}
	for i := range n {
		t, c := g.Types[i], g.Charges[i]
		if t < 0 || t >= len(v.Elements) || c < 0 || c >= len(v.Charges) {
			return nil, fmt.Errorf("decode %q: atom %d has type class %d and charge class %d; the vocabulary has %d and %d", name, i+1, t, c, len(v.Elements), len(v.Charges))
		}
		m.Atoms[i] = Atom{Element: v.Elements[t], Charge: v.Charges[c], Pos: g.Pos[i]}
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			switch b := g.Bonds[PairIndex(i, j, n)]; {
			case b < NoBond || b >= NumBondClasses:
				return nil, fmt.Errorf("decode %q: pair %d-%d has bond class %d, want 0 to %d", name, i+1, j+1, b, NumBondClasses-1)
			case b != NoBond:
				m.Bonds = append(m.Bonds, Bond{I: i, J: j, Order: b})
			}
		}
	}
	return m, nil
}

// OneHot returns the one-hot rows (len(classes) rows of k) of classes in
// [0, k); a class out of range is an error.
func OneHot(classes []int, k int) ([]float64, error) {
	x := make([]float64, len(classes)*k)
	for i, c := range classes {
		if c < 0 || c >= k {
			return nil, fmt.Errorf("one-hot: class %d at %d is outside [0, %d)", c, i, k)
		}
		x[i*k+c] = 1
	}
	return x, nil
}

// Argmax returns the class of each row of k values (the first of equal
// largest values), the inverse of OneHot and the reading of a sampled
// point of the simplex.
func Argmax(x []float64, k int) ([]int, error) {
	if k <= 0 || len(x)%k != 0 {
		return nil, fmt.Errorf("argmax: %d values are not rows of %d", len(x), k)
	}
	out := make([]int, len(x)/k)
	for r := range out {
		row := x[r*k : (r+1)*k]
		best := 0
		for c, v := range row {
			if v > row[best] {
				best = c
			}
		}
		out[r] = best
	}
	return out, nil
}

// RemoveMean moves pos so that its mean (the unweighted centre, as FlowMol
// uses: no atomic masses) is at the origin, and returns the mean it took
// away; adding it back is the reverse.
func RemoveMean(pos [][3]float64) [3]float64 {
	var c [3]float64
	if len(pos) == 0 {
		return c
	}
	for _, p := range pos {
		for k := range 3 {
			c[k] += p[k]
		}
	}
	for k := range 3 {
		c[k] /= float64(len(pos))
	}
	for i := range pos {
		for k := range 3 {
			pos[i][k] -= c[k]
		}
	}
	return c
}

// Centered returns a copy of m with its mean position at the origin.
func Centered(m *Molecule) *Molecule {
	c := m.Clone()
	pos := make([][3]float64, len(c.Atoms))
	for i, a := range c.Atoms {
		pos[i] = a.Pos
	}
	RemoveMean(pos)
	for i := range c.Atoms {
		c.Atoms[i].Pos = pos[i]
	}
	return c
}

// SizeDist is the distribution of atom counts of a data set, from which
// the sampler draws how many atoms each generated molecule has.
type SizeDist struct {
	Sizes  []int `json:"sizes"`
	Counts []int `json:"counts"`
}

// NewSizeDist returns the atom counts of mols and how often each occurs,
// by ascending size.
func NewSizeDist(mols []*Molecule) SizeDist {
	count := map[int]int{}
	for _, m := range mols {
		count[len(m.Atoms)]++
	}
	var d SizeDist
	for s := range count {
		d.Sizes = append(d.Sizes, s)
	}
	slices.Sort(d.Sizes)
	for _, s := range d.Sizes {
		d.Counts = append(d.Counts, count[s])
	}
	return d
}

// Sample draws n sizes from d with r.
func (d SizeDist) Sample(r *rand.Rand, n int) ([]int, error) {
	total := 0
	for _, c := range d.Counts {
		if c < 0 {
			return nil, fmt.Errorf("sample sizes: negative count %d", c)
		}
		total += c
	}
	if total == 0 || len(d.Sizes) != len(d.Counts) {
		return nil, fmt.Errorf("sample sizes: %d sizes with %d counts adding up to %d", len(d.Sizes), len(d.Counts), total)
	}
	out := make([]int, n)
	for i := range out {
		u := r.IntN(total)
		k := 0
		for u >= d.Counts[k] {
			u -= d.Counts[k]
			k++
		}
		out[i] = d.Sizes[k]
	}
	return out, nil
}
