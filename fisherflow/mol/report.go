package mol

import "strconv"

// Report is the quality of a set of generated molecules against a
// reference set, as the trainer writes it into result.json. Shares are in
// [0, 1]; a share of an empty set is 0.
type Report struct {
	// Molecules and Reference count the generated and reference molecules.
	Molecules int `json:"molecules"`
	Reference int `json:"reference_molecules"`
	// AtomStability is the share of generated atoms that are stable
	// (Molecule.StableAtoms over all atoms).
	AtomStability float64 `json:"atom_stability"`
	// MoleculeStability is the share of generated molecules whose atoms are
	// all stable.
	MoleculeStability float64 `json:"molecule_stability"`
	// Connectivity is the share of generated molecules that are one fragment.
	Connectivity float64 `json:"connectivity"`
	// AtomTypeTV, ChargeTV, BondTypeTV and SizeTV are the total variation
	// distances (see TV) between the generated and the reference
	// histograms of elements, formal charges, bond orders and atom counts.
	AtomTypeTV float64 `json:"atom_type_tv"`
	ChargeTV   float64 `json:"charge_tv"`
	BondTypeTV float64 `json:"bond_type_tv"`
	SizeTV     float64 `json:"size_tv"`
	// BondLengthW1 is the Wasserstein-1 distance (Å) between the generated
	// and reference lengths of all bonds; null when either has no bond.
	BondLengthW1 *float64 `json:"bond_length_w1"`
	// BondLengthW1ByOrder is the same per bond order ("1", "2", "3"), for
	// the orders that both sets have.
	BondLengthW1ByOrder map[string]float64 `json:"bond_length_w1_by_order"`
	// AtomTypes, BondTypes and BondLengths describe the generated set: its
	// histograms of elements and bond orders, and of the lengths of all
	// bonds in the bins BondLengthLo, BondLengthWidth, BondLengthBins.
	AtomTypes   Hist `json:"atom_types"`
	BondTypes   Hist `json:"bond_types"`
	BondLengths Bins `json:"bond_lengths"`
}

// Metrics scores generated molecules against reference ones (usually the
// training set). Validity, uniqueness and novelty need a chemistry
// toolkit and are computed by bench/peers/molecules.py.
func Metrics(generated, reference []*Molecule) Report {
	r := Report{Molecules: len(generated), Reference: len(reference), BondLengthW1ByOrder: map[string]float64{}}
	atoms, stableAtoms, stable, connected := 0, 0, 0, 0
	for _, m := range generated {
		atoms += len(m.Atoms)
		s := m.StableAtoms()
		stableAtoms += s
		if len(m.Atoms) > 0 && s == len(m.Atoms) {
			stable++
		}
		if m.Connected() {
			connected++
		}
	}
	r.AtomStability = share(stableAtoms, atoms)
	r.MoleculeStability = share(stable, len(generated))
	r.Connectivity = share(connected, len(generated))
	r.AtomTypes, r.BondTypes = AtomTypes(generated), BondTypes(generated)
	r.AtomTypeTV = TV(r.AtomTypes, AtomTypes(reference))
	r.ChargeTV = TV(Charges(generated), Charges(reference))
	r.BondTypeTV = TV(r.BondTypes, BondTypes(reference))
	r.SizeTV = TV(Sizes(generated), Sizes(reference))
	all := BondLengths(generated, 0)
	r.BondLengths = Histogram(all, BondLengthLo, BondLengthWidth, BondLengthBins)
	if w, ok := W1(all, BondLengths(reference, 0)); ok {
		r.BondLengthW1 = &w
	}
	for order := 1; order <= 3; order++ {
		if w, ok := W1(BondLengths(generated, order), BondLengths(reference, order)); ok {
			r.BondLengthW1ByOrder[strconv.Itoa(order)] = w
		}
	}
	return r
}

// share returns k/n, or 0 when n is 0.
func share(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}
