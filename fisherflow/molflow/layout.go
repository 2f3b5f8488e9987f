package molflow

import (
	"errors"
	"fmt"

	"github.com/fisherflow/fisherflow/fisherflow/mol"
)

// Capacity is the largest batch a Flow plans its buffers for: at most
// Molecules molecules of at most MaxAtoms atoms each.
type Capacity struct {
	Molecules int
	MaxAtoms  int
}

// Atoms returns the most atoms a batch within c holds.
func (c Capacity) Atoms() int { return c.Molecules * c.MaxAtoms }

// Pairs returns the most atom pairs i < j a batch within c holds.
func (c Capacity) Pairs() int { return c.Molecules * mol.NumPairs(c.MaxAtoms) }

// validate reports a capacity that cannot hold a molecule.
func (c Capacity) validate() error {
	if c.Molecules < 1 || c.MaxAtoms < 2 {
		return fmt.Errorf("molflow: capacity of %d molecules of up to %d atoms: want at least 1 molecule of at least 2 atoms", c.Molecules, c.MaxAtoms)
	}
	return nil
}

// ErrEmptyBatch is returned for a batch without molecules.
var ErrEmptyBatch = errors.New("molflow: empty batch")

// Layout is where each molecule of a batch lives in the concatenated
// per-atom and per-pair arrays: molecule b has atoms AtomOff[b] to
// AtomOff[b+1]-1 and pairs PairOff[b] to PairOff[b+1]-1, its pairs i < j
// in mol.PairIndex's row-major order. PairI and PairJ give each pair's two
// atoms as batch atom indices, and AtomMol and PairMol each atom's and
// pair's molecule, which is what a network over the fully connected
// molecule graph gathers and scatters by. A Layout's slices are planned
// once (NewLayout) and re-cut by Set, which allocates nothing.
type Layout struct {
	Sizes   []int // atoms of each molecule
	AtomOff []int // len(Sizes)+1 offsets into the atoms
	PairOff []int // len(Sizes)+1 offsets into the pairs
	PairI   []int // first atom (batch index) of each pair
	PairJ   []int // second atom (batch index) of each pair
	AtomMol []int // molecule of each atom
	PairMol []int // molecule of each pair

	cap Capacity
}

// NewLayout returns a Layout planned for batches within c, holding no
// molecules until Set.
func NewLayout(c Capacity) (*Layout, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	l := &Layout{
		Sizes:   make([]int, 0, c.Molecules),
		AtomOff: make([]int, 1, c.Molecules+1),
		PairOff: make([]int, 1, c.Molecules+1),
		PairI:   make([]int, 0, c.Pairs()),
		PairJ:   make([]int, 0, c.Pairs()),
		AtomMol: make([]int, 0, c.Atoms()),
		PairMol: make([]int, 0, c.Pairs()),
		cap:     c,
	}
	return l, nil
}

// Set lays out a batch of molecules of the given sizes. An empty batch, a
// molecule of fewer than 2 atoms (it has no pair, and its centred position
// is a point) and a batch beyond the planned Capacity are errors.
func (l *Layout) Set(sizes []int) error {
	if len(sizes) == 0 {
		return ErrEmptyBatch
	}
	if len(sizes) > l.cap.Molecules {
		return fmt.Errorf("molflow: batch of %d molecules, planned for %d", len(sizes), l.cap.Molecules)
	}
	for b, n := range sizes {
		if n < 2 || n > l.cap.MaxAtoms {
			return fmt.Errorf("molflow: molecule %d has %d atoms, want 2 to %d", b, n, l.cap.MaxAtoms)
		}
	}
	l.clear()
	l.Sizes = append(l.Sizes, sizes...)
	for b, n := range sizes {
		a0 := l.AtomOff[b]
		for i := 0; i < n; i++ {
			l.AtomMol = append(l.AtomMol, b)
			for j := i + 1; j < n; j++ {
				l.PairI = append(l.PairI, a0+i)
				l.PairJ = append(l.PairJ, a0+j)
				l.PairMol = append(l.PairMol, b)
			}
		}
		l.AtomOff = append(l.AtomOff, a0+n)
		l.PairOff = append(l.PairOff, l.PairOff[b]+mol.NumPairs(n))
	}
	return nil
}

// clear leaves the layout without molecules.
func (l *Layout) clear() {
	l.Sizes, l.AtomOff, l.PairOff = l.Sizes[:0], l.AtomOff[:1], l.PairOff[:1]
	l.PairI, l.PairJ, l.AtomMol, l.PairMol = l.PairI[:0], l.PairJ[:0], l.AtomMol[:0], l.PairMol[:0]
}

// Molecules returns the number of molecules in the batch.
func (l *Layout) Molecules() int { return len(l.Sizes) }

// Atoms returns the number of atoms in the batch.
func (l *Layout) Atoms() int { return l.AtomOff[len(l.Sizes)] }

// Pairs returns the number of atom pairs i < j in the batch.
func (l *Layout) Pairs() int { return l.PairOff[len(l.Sizes)] }

// Capacity returns the batch size the layout was planned for.
func (l *Layout) Capacity() Capacity { return l.cap }

// Dims are the numbers of classes of the categorical parts: atom types
// (the vocabulary's elements), formal charges (its charges) and bond
// classes (mol.NumBondClasses).
type Dims struct {
	Types, Charges, Bonds int
}

// DimsOf returns the dimensions of the categorical parts for v.
func DimsOf(v mol.Vocab) Dims {
	return Dims{Types: len(v.Elements), Charges: len(v.Charges), Bonds: mol.NumBondClasses}
}

// Parts holds one value per part of a batch of molecules, laid out by a
// Layout: Pos has 3 values an atom, Types and Charges Dims.Types and
// Dims.Charges an atom, Bonds Dims.Bonds a pair. It is used for points
// (priors, data, interpolants), for fields (network outputs, targets) and
// for gradients.
type Parts struct {
	Pos, Types, Charges, Bonds []float64
}

// newParts returns Parts with room for a batch within c.
func newParts(c Capacity, d Dims) Parts {
	a, p := c.Atoms(), c.Pairs()
	return Parts{
		Pos:     make([]float64, 0, 3*a),
		Types:   make([]float64, 0, d.Types*a),
		Charges: make([]float64, 0, d.Charges*a),
		Bonds:   make([]float64, 0, d.Bonds*p),
	}
}

// cut re-slices p to the sizes of the batch laid out by l.
func (p *Parts) cut(l *Layout, d Dims) {
	a, q := l.Atoms(), l.Pairs()
	p.Pos = p.Pos[:3*a]
	p.Types = p.Types[:d.Types*a]
	p.Charges = p.Charges[:d.Charges*a]
	p.Bonds = p.Bonds[:d.Bonds*q]
}

// check reports a Parts whose lengths do not fit the batch of l.
func (p *Parts) check(l *Layout, d Dims, what string) error {
	a, q := l.Atoms(), l.Pairs()
	if len(p.Pos) != 3*a || len(p.Types) != d.Types*a || len(p.Charges) != d.Charges*a || len(p.Bonds) != d.Bonds*q {
		return fmt.Errorf("molflow: %s has %d, %d, %d and %d values; the batch of %d atoms and %d pairs needs %d, %d, %d and %d",
			what, len(p.Pos), len(p.Types), len(p.Charges), len(p.Bonds), a, q, 3*a, d.Types*a, d.Charges*a, d.Bonds*q)
	}
	return nil
}
