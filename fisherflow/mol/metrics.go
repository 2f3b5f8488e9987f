package mol

import (
	"math"
	"slices"
	"strconv"
)

// Hist is a histogram over named categories (element symbols, bond
// orders, charges, sizes), as counts.
type Hist map[string]int

// Total returns the sum of the counts.
func (h Hist) Total() int {
	n := 0
	for _, c := range h {
		n += c
	}
	return n
}

// TV returns the total variation distance between the distributions of
// two histograms, (1/2) Σ_k |p_k − q_k| over the union of their
// categories, each normalised by its total: 0 for the same distribution,
// 1 for disjoint ones. Two empty histograms are at 0, an empty and a
// non-empty one at 1. Categories are summed in sorted order, so that the
// result does not depend on map order.
func TV(a, b Hist) float64 {
	na, nb := a.Total(), b.Total()
	if na == 0 || nb == 0 {
		if na == nb {
			return 0
		}
		return 1
	}
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	s := 0.0
	for _, k := range keys {
		s += math.Abs(float64(a[k])/float64(na) - float64(b[k])/float64(nb))
	}
	return s / 2
}

// AtomTypes returns the histogram of element symbols over all atoms.
func AtomTypes(mols []*Molecule) Hist {
	return atomHist(mols, func(a Atom) string { return a.Element })
}

// Charges returns the histogram of formal charges ("0", "1", "-1") over
// all atoms.
func Charges(mols []*Molecule) Hist {
	return atomHist(mols, func(a Atom) string { return strconv.Itoa(a.Charge) })
}

// atomHist returns the histogram of key over all atoms.
func atomHist(mols []*Molecule, key func(Atom) string) Hist {
	h := Hist{}
	for _, m := range mols {
		for _, a := range m.Atoms {
			h[key(a)]++
		}
	}
	return h
}

// BondTypes returns the histogram of bond orders ("1", "2", "3") over all
// bonds; pairs without a bond are not counted.
func BondTypes(mols []*Molecule) Hist {
	h := Hist{}
	for _, m := range mols {
		for _, b := range m.Bonds {
			h[strconv.Itoa(b.Order)]++
		}
	}
	return h
}

// Sizes returns the histogram of atom counts.
func Sizes(mols []*Molecule) Hist {
	h := Hist{}
	for _, m := range mols {
		h[strconv.Itoa(len(m.Atoms))]++
	}
	return h
}

// BondLengths returns the lengths (Å) of the bonds of the given order, or
// of all bonds for order 0, in ascending order.
func BondLengths(mols []*Molecule, order int) []float64 {
	var d []float64
	for _, m := range mols {
		for _, b := range m.Bonds {
			if b.within(len(m.Atoms)) && (order == 0 || b.Order == order) {
				d = append(d, Distance(m.Atoms[b.I].Pos, m.Atoms[b.J].Pos))
			}
		}
	}
	slices.Sort(d)
	return d
}

// Distance returns the Euclidean distance between two points.
func Distance(p, q [3]float64) float64 {
	dx, dy, dz := p[0]-q[0], p[1]-q[1], p[2]-q[2]
	return math.Sqrt(dx*dx + dy*dy + dz*dz)
}

// W1 returns the Wasserstein-1 distance between the empirical
// distributions of two samples in ascending order, ∫ |F_a(x) − F_b(x)| dx
// over the merged sample points, which is exact for empirical
// distributions of any two sizes; ok is false when either is empty, not
// sorted or not finite.
func W1(a, b []float64) (w float64, ok bool) {
	if !sortedFinite(a) || !sortedFinite(b) {
		return 0, false
	}
	na, nb := float64(len(a)), float64(len(b))
	i, j := 0, 0
	x := min(a[0], b[0])
	for i < len(a) || j < len(b) {
		// The next point where either step function jumps.
		var next float64
		switch {
		case j == len(b) || (i < len(a) && a[i] <= b[j]):
			next = a[i]
		default:
			next = b[j]
		}
		w += math.Abs(float64(i)/na-float64(j)/nb) * (next - x)
		x = next
		for i < len(a) && a[i] == x {
			i++
		}
		for j < len(b) && b[j] == x {
			j++
		}
	}
	return w, true
}

// Bins is a histogram of real values over fixed bins of equal width from
// Lo; values below Lo count in Under and values at or above Lo +
// Width·len(Counts) in Over.
type Bins struct {
	Lo     float64 `json:"lo"`
	Width  float64 `json:"width"`
	Counts []int   `json:"counts"`
	Under  int     `json:"under"`
	Over   int     `json:"over"`
}

// Bond-length bins of the reports: 0.5 to 2.5 Å by 0.01 Å, which holds
// every covalent bond of first- and second-row elements.
const (
	BondLengthLo    = 0.5
	BondLengthWidth = 0.01
	BondLengthBins  = 200
)

// Histogram bins values into n bins of the given width from lo.
func Histogram(values []float64, lo, width float64, n int) Bins {
	h := Bins{Lo: lo, Width: width, Counts: make([]int, n)}
	for _, v := range values {
		k := math.Floor((v - lo) / width)
		switch {
		case k < 0:
			h.Under++
		case k >= float64(n):
			h.Over++
		default:
			h.Counts[int(k)]++
		}
	}
	return h
}

// sortedFinite tells whether x is non-empty, finite and in ascending order.
func sortedFinite(x []float64) bool {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) || (i > 0 && v < x[i-1]) {
			return false
		}
	}
	return len(x) > 0
}
