package mol

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Molecule is one record of an SDF file: a molecular graph with 3D
// coordinates, its three header lines and its data items.
type Molecule struct {
	// Name is the first header line (e.g. "qm7-0001").
	Name string `json:"name"`
	// Program is the second header line as it stands (user initials,
	// program, date, dimension code); see DefaultProgramLine.
	Program string `json:"program,omitempty"`
	// Comment is the third header line.
	Comment string `json:"comment,omitempty"`
	// Atoms in file order; bonds refer to them by index.
	Atoms []Atom `json:"atoms"`
	// Bonds in file order.
	Bonds []Bond `json:"bonds"`
	// Props are the data items in file order (names may repeat).
	Props []Prop `json:"props,omitempty"`
}

// Atom is an atom of a Molecule.
type Atom struct {
	// Element is the element symbol as the periodic table spells it ("C", "Cl").
	Element string `json:"element"`
	// Charge is the formal charge.
	Charge int `json:"charge,omitempty"`
	// Pos is the position in ångström.
	Pos [3]float64 `json:"pos"`
}

// Bond is a bond between atoms I and J (indices into Molecule.Atoms,
// from 0) of order 1, 2 or 3.
type Bond struct {
	I     int `json:"i"`
	J     int `json:"j"`
	Order int `json:"order"`
}

// Prop is an SDF data item: `>  <Name>` followed by the lines of Value.
type Prop struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// DefaultProgramLine is a second header line in the V2000 layout (program
// name in columns 3-10, dimension code "3D" in columns 21-22), for
// molecules made here rather than read.
const DefaultProgramLine = "  fflowmol          3D"

// Prop returns the value of the first data item called name.
func (m *Molecule) Prop(name string) (string, bool) {
	for _, p := range m.Props {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

// Clone returns a deep copy of m.
func (m *Molecule) Clone() *Molecule {
	c := *m
	c.Atoms = append([]Atom(nil), m.Atoms...)
	c.Bonds = append([]Bond(nil), m.Bonds...)
	c.Props = append([]Prop(nil), m.Props...)
	return &c
}

// Limits of the V2000 format that the reader and the writer enforce.
const (
	// MaxAtoms is the largest atom count of a V2000 counts line (three digits).
	MaxAtoms = 999
	// MaxBonds is the largest bond count of a V2000 counts line.
	MaxBonds = 999
	// MaxCharge is the largest formal charge magnitude of an `M  CHG` line.
	MaxCharge = 15
)

// Validate reports the first thing in m that a V2000 record cannot hold or
// that is not a molecular graph: an unknown element, a charge beyond
// ±MaxCharge, a coordinate that is not finite or does not fit the
// %10.4f field, a bond to a missing atom or to itself, a repeated bond, a
// bond order other than 1, 2 or 3, too many atoms or bonds, a header line
// with a line break, or a data item that would not read back the same.
func (m *Molecule) Validate() error {
	if len(m.Atoms) > MaxAtoms || len(m.Bonds) > MaxBonds {
		return fmt.Errorf("%d atoms and %d bonds: V2000 holds at most %d of each", len(m.Atoms), len(m.Bonds), MaxAtoms)
	}
	for i, h := range []string{m.Name, m.Program, m.Comment} {
		if strings.Contains(h, "\n") || strings.HasSuffix(h, "\r") {
			return fmt.Errorf("header line %d %q has a line break", i+1, h)
		}
	}
	for i, a := range m.Atoms {
		if msg := checkElement(a.Element); msg != "" {
			return fmt.Errorf("atom %d: %s", i+1, msg)
		}
		if a.Charge < -MaxCharge || a.Charge > MaxCharge {
			return fmt.Errorf("atom %d: charge %d is beyond ±%d", i+1, a.Charge, MaxCharge)
		}
		for _, x := range a.Pos {
			if msg := checkCoord(x); msg != "" {
				return fmt.Errorf("atom %d: %s", i+1, msg)
			}
		}
	}
	seen := make(map[[2]int]int, len(m.Bonds))
	for k, b := range m.Bonds {
		if msg := checkBond(b.I+1, b.J+1, b.Order, len(m.Atoms), seen, k+1); msg != "" {
			return fmt.Errorf("bond %d: %s", k+1, msg)
		}
	}
	for _, p := range m.Props {
		if msg := checkProp(p); msg != "" {
			return fmt.Errorf("data item %q: %s", p.Name, msg)
		}
	}
	return nil
}

// checkElement says what is wrong with an element symbol, or "".
func checkElement(sym string) string {
	if AtomicNumber(sym) == 0 {
		return fmt.Sprintf("unknown element %q", sym)
	}
	return ""
}

// checkCoord says why x cannot be a V2000 coordinate, or "". The writer's
// %10.4f field bounds the range, and the reader applies the same bound so
// that everything it reads can be written back.
func checkCoord(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Sprintf("coordinate %v is not a finite number", x)
	}
	if x > -9999 && x < 99999 {
		return ""
	}
	var buf [32]byte
	if len(strconv.AppendFloat(buf[:0], x, 'f', 4, 64)) > 10 {
		return fmt.Sprintf("coordinate %v does not fit the 10-character field (-9999.9999 to 99999.9999)", x)
	}
	return ""
}

// checkBond says what is wrong with a bond between atoms a and b (from 1)
// of the given order in a molecule of n atoms, or ""; seen maps the bonds
// so far (smaller atom first) to their bond numbers and gets this one.
func checkBond(a, b, order, n int, seen map[[2]int]int, k int) string {
	switch {
	case a < 1 || a > n:
		return fmt.Sprintf("atom %d does not exist (the molecule has %d atoms)", a, n)
	case b < 1 || b > n:
		return fmt.Sprintf("atom %d does not exist (the molecule has %d atoms)", b, n)
	case a == b:
		return fmt.Sprintf("atom %d is bonded to itself", a)
	case order == 4:
		return "bond order 4 (aromatic) is not supported: write Kekulé bonds (RDKit: Chem.Kekulize(m, clearAromaticFlags=True); obabel in.sdf -osdf -O out.sdf writes them)"
	case order < 1 || order > 3:
		return fmt.Sprintf("bond order %d is out of range (1, 2 or 3)", order)
	}
	key := [2]int{min(a, b), max(a, b)}
	if prev, ok := seen[key]; ok {
		return fmt.Sprintf("atoms %d and %d are already bonded by bond %d", a, b, prev)
	}
	seen[key] = k
	return ""
}

// checkProp says why a data item would not read back as it is, or "".
func checkProp(p Prop) string {
	if strings.ContainsAny(p.Name, ">\n") {
		return "name has '>' or a line break"
	}
	if p.Value == "" {
		return ""
	}
	for _, line := range strings.Split(p.Value, "\n") {
		if strings.TrimSpace(line) == "" {
			return "value has a blank line (a blank line ends a value)"
		}
		if strings.HasSuffix(line, "\r") {
			return "value has a line ending in a carriage return"
		}
		if strings.HasPrefix(line, "$$$$") {
			return "value has a line starting with $$$$ (it ends a record)"
		}
	}
	return ""
}

// periodicTable holds the element symbols by atomic number, two
// characters each (one-letter symbols padded with a space).
const periodicTable = "" +
	"H HeLiBeB C N O F NeNaMgAlSiP S ClArK Ca" +
	"ScTiV CrMnFeCoNiCuZnGaGeAsSeBrKrRbSrY Zr" +
	"NbMoTcRuRhPdAgCdInSnSbTeI XeCsBaLaCePrNd" +
	"PmSmEuGdTbDyHoErTmYbLuHfTaW ReOsIrPtAuHg" +
	"TlPbBiPoAtRnFrRaAcThPaU NpPuAmCmBkCfEsFm" +
	"MdNoLrRfDbSgBhHsMtDsRgCnNhFlMcLvTsOg"

// AtomicNumber returns the atomic number of an element symbol, or 0 for a
// symbol that is not an element (query atoms such as "A" or "*", and the
// isotope symbols "D" and "T", are not).
func AtomicNumber(sym string) int {
	if len(sym) == 0 || len(sym) > 2 || sym[0] == ' ' || sym[len(sym)-1] == ' ' {
		return 0
	}
	for z := 0; z < len(periodicTable); z += 2 {
		if periodicTable[z] == sym[0] && (len(sym) == 1 && periodicTable[z+1] == ' ' || len(sym) == 2 && periodicTable[z+1] == sym[1]) {
			return z/2 + 1
		}
	}
	return 0
}
