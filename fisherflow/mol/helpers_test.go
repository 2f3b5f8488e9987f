package mol

import "math"

// equalMolecules compares two molecules, positions within tol.
func equalMolecules(a, b *Molecule, tol float64) bool {
	if a.Name != b.Name || a.Program != b.Program || a.Comment != b.Comment ||
		len(a.Atoms) != len(b.Atoms) || len(a.Bonds) != len(b.Bonds) || len(a.Props) != len(b.Props) {
		return false
	}
	for i, x := range a.Atoms {
		y := b.Atoms[i]
		if x.Element != y.Element || x.Charge != y.Charge {
			return false
		}
		for k := range 3 {
			if math.Abs(x.Pos[k]-y.Pos[k]) > tol {
				return false
			}
		}
	}
	for i := range a.Bonds {
		if a.Bonds[i] != b.Bonds[i] {
			return false
		}
	}
	for i := range a.Props {
		if a.Props[i] != b.Props[i] {
			return false
		}
	}
	return true
}
