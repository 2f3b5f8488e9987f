package mol

import (
	"slices"
	"strconv"
)

// AllowedValences returns the sums of bond orders that make an atom of
// this element and formal charge stable, or nil when the pair is not in
// the table:
//
//	H   0: 1
//	B   0: 3
//	C   0: 4        +1: 3      -1: 3
//	N   0: 3        +1: 4      -1: 2
//	O   0: 2        +1: 3      -1: 1
//	F   0: 1
//	P   0: 3, 5     +1: 4
//	S   0: 2, 4, 6  +1: 3      -1: 1
//	Cl  0: 1        Br 0: 1    I 0: 1
//
// This is the valence model of EDM (Hoogeboom et al. 2022) extended to
// formal charges, with hydrogens explicit so that no implicit hydrogen
// fills a valence. It is stricter than MiDi's table (Vignac et al. 2023,
// also used by FlowMol), which accepts neutral trivalent carbon (C 0:
// {3, 4}), neutral divalent nitrogen (N 0: {2, 3}), N+ with 2 or 3, S
// with 2 or 6 but not 4, S+ with 2 or 3 and S- with 3: a radical or a
// carbene is unstable here.
func AllowedValences(element string, charge int) []int {
	switch element + signed(charge) {
	case "H", "F", "Cl", "Br", "I", "O-", "S-":
		return []int{1}
	case "O", "N-":
		return []int{2}
	case "B", "N", "C+", "C-", "O+", "S+":
		return []int{3}
	case "C", "N+", "P+":
		return []int{4}
	case "P":
		return []int{3, 5}
	case "S":
		return []int{2, 4, 6}
	}
	return nil
}

// signed spells a formal charge as a suffix: "" for 0, "+", "-", "+2", "-3".
func signed(c int) string {
	switch {
	case c == 0:
		return ""
	case c == 1:
		return "+"
	case c == -1:
		return "-"
	case c > 0:
		return "+" + strconv.Itoa(c)
	default:
		return "-" + strconv.Itoa(-c)
	}
}

// Valences returns, for each atom, the sum of the orders of its bonds.
// Here and in the other measures, a bond to a missing atom (which
// Validate reports) is left out rather than trusted.
func (m *Molecule) Valences() []int {
	v := make([]int, len(m.Atoms))
	for _, b := range m.Bonds {
		if !b.within(len(m.Atoms)) {
			continue
		}
		v[b.I] += b.Order
		v[b.J] += b.Order
	}
	return v
}

// StableAtoms returns how many atoms of m are stable: those whose sum of
// bond orders is one of AllowedValences for their element and charge.
func (m *Molecule) StableAtoms() int {
	n := 0
	for i, v := range m.Valences() {
		if slices.Contains(AllowedValences(m.Atoms[i].Element, m.Atoms[i].Charge), v) {
			n++
		}
	}
	return n
}

// Stable tells whether every atom of m is stable (a molecule without
// atoms is not).
func (m *Molecule) Stable() bool {
	return len(m.Atoms) > 0 && m.StableAtoms() == len(m.Atoms)
}

// Fragments returns the number of connected components of m's bond
// graph (0 for a molecule without atoms).
func (m *Molecule) Fragments() int {
	parent := make([]int, len(m.Atoms))
	for i := range parent {
		parent[i] = i
	}
	root := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	n := len(m.Atoms)
	atoms := n
	for _, b := range m.Bonds {
		if !b.within(atoms) {
			continue
		}
		if ri, rj := root(b.I), root(b.J); ri != rj {
			parent[ri] = rj
			n--
		}
	}
	return n
}

// Connected tells whether m is one fragment.
func (m *Molecule) Connected() bool { return m.Fragments() == 1 }

// within tells whether both atoms of b are among n atoms.
func (b Bond) within(n int) bool { return b.I >= 0 && b.I < n && b.J >= 0 && b.J < n }
