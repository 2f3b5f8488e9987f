package mol

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ethyne is a valid record; its lines are numbered in the comments of
// badCases.
const ethyne = `ethyne
  fflowmol          3D
a comment
  4  3  0  0  0  0  0  0  0  0999 V2000
   -0.6000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    0.6000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
   -1.6600    0.0000    0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0
    1.6600    0.0000    0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  3  0
  1  3  1  0
  2  4  1  0
M  END
>  <smiles>
C#C

$$$$
`

// badCase is a broken copy of ethyne, the first old replaced by new (or
// new alone where old is "*"), and the error the reader must give for it
// in file "t.sdf".
type badCase struct {
	name, old, new, want string
}

var badCases = []badCase{
	{"counts not numbers", "  4  3  0", "  x  3  0", `t.sdf:4: bad counts line "  x  3  0  0  0  0  0  0  0  0999 V2000": atom and bond counts must be numbers in columns 1-3 and 4-6`},
	{"counts line too short", "  4  3  0  0  0  0  0  0  0  0999 V2000", "  4", `t.sdf:4: bad counts line "  4": atom and bond counts expected in columns 1-6`},
	{"counts version", "0999 V2000", "0999 V2001", `t.sdf:4: bad counts line "  4  3  0  0  0  0  0  0  0  0999 V2001": version "V2001", want V2000`},
	{"V3000", "0999 V2000", "0999 V3000", `t.sdf:4: V3000 molfiles are not supported; convert to V2000 with obabel in.sdf -osdf -O out.sdf (or RDKit's Chem.MolToMolBlock)`},
	{"atom line too short", "   -1.6600    0.0000    0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0\n", "   -1.6600    0.0000    0.0000\n", `t.sdf:7: atom 3: line "   -1.6600    0.0000    0.0000" is too short: x, y, z in columns 1-30 and the element symbol in 32-34 expected`},
	{"x not a number", "   -1.6600    0.0000    0.0000 H", "   -1.6a00    0.0000    0.0000 H", `t.sdf:7: atom 3: x coordinate "   -1.6a00" (columns 1-10) is not a number`},
	{"z not a number", "    1.6600    0.0000    0.0000 H", "    1.6600    0.0000          H", `t.sdf:8: atom 4: z coordinate "          " (columns 21-30) is not a number`},
	{"hexadecimal coordinate", "    0.6000    0.0000", "    0x1p-1    0.0000", `t.sdf:6: atom 2: x coordinate "    0x1p-1" (columns 1-10) is not a number`},
	{"NaN coordinate", "    0.6000    0.0000", "       NaN    0.0000", `t.sdf:6: atom 2: x coordinate "       NaN" (columns 1-10) is not a number`},
	{"coordinate too large", "    0.6000    0.0000", "     1e+06    0.0000", `t.sdf:6: atom 2: x coordinate 1e+06 does not fit the 10-character field (-9999.9999 to 99999.9999)`},
	{"unknown element", "0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0\n    1.66", "0.0000 Xx  0  0  0  0  0  0  0  0  0  0  0  0\n    1.66", `t.sdf:7: atom 3: unknown element "Xx"`},
	{"query atom", "0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0\n    1.66", "0.0000 A   0  0  0  0  0  0  0  0  0  0  0  0\n    1.66", `t.sdf:7: atom 3: unknown element "A"`},
	{"mass difference", "0.0000 C   0  0", "0.0000 C   x  0", `t.sdf:5: atom 1: mass difference " x" (columns 35-36) is not an integer`},
	{"charge code", "0.0000 C   0  0", "0.0000 C   0  8", `t.sdf:5: atom 1: charge code "  8" (columns 37-39) is not 0 to 7`},
	{"bond to a missing atom", "  2  4  1  0", "  2  5  1  0", `t.sdf:11: bond 3: atom 5 does not exist (the molecule has 4 atoms)`},
	{"bond to atom 0", "  2  4  1  0", "  0  4  1  0", `t.sdf:11: bond 3: atom 0 does not exist (the molecule has 4 atoms)`},
	{"bond to itself", "  2  4  1  0", "  4  4  1  0", `t.sdf:11: bond 3: atom 4 is bonded to itself`},
	{"duplicate bond", "  2  4  1  0", "  2  1  1  0", `t.sdf:11: bond 3: atoms 2 and 1 are already bonded by bond 1`},
	{"bond order 0", "  2  4  1  0", "  2  4  0  0", `t.sdf:11: bond 3: bond order 0 is out of range (1, 2 or 3)`},
	{"bond order 5", "  2  4  1  0", "  2  4  5  0", `t.sdf:11: bond 3: bond order 5 is out of range (1, 2 or 3)`},
	{"aromatic bond", "  1  2  3  0", "  1  2  4  0", `t.sdf:9: bond 1: bond order 4 (aromatic) is not supported: write Kekulé bonds (RDKit: Chem.Kekulize(m, clearAromaticFlags=True); obabel in.sdf -osdf -O out.sdf writes them)`},
	{"bond not numbers", "  2  4  1  0", "  2  b  1  0", `t.sdf:11: bond 3: line "  2  b  1  0": atoms and bond type must be numbers in columns 1-3, 4-6 and 7-9`},
	{"bond line too short", "  2  4  1  0", "  2  4", `t.sdf:11: bond 3: line "  2  4" is too short: two atoms and a bond type in columns 1-9 expected`},
	{"truncated in the atoms", "    1.6600    0.0000    0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0\n  1  2  3  0\n  1  3  1  0\n  2  4  1  0\nM  END\n>  <smiles>\nC#C\n\n$$$$\n", "", `t.sdf:8: truncated record: the file ends where atom line 4 of 4 was expected`},
	{"truncated in the bonds", "  2  4  1  0\nM  END\n>  <smiles>\nC#C\n\n$$$$\n", "", `t.sdf:11: truncated record: the file ends where bond line 3 of 3 was expected`},
	{"truncated before M  END", "M  END\n>  <smiles>\nC#C\n\n$$$$\n", "", `t.sdf:12: truncated record: the file ends where M  END was expected`},
	{"truncated header", "*", "ethyne\n  fflowmol          3D\n", `t.sdf:3: truncated record: the file ends in the header block`},
	{"blank lines, then text", "*", "\n\n\n\n\nethyne\n", `t.sdf:4: bad counts line "": atom and bond counts expected in columns 1-6`},
	{"blank lines, then a truncated header", "*", "\n\nethyne\n", `t.sdf:4: truncated record: the file ends where the counts line was expected`},
	{"missing M  END", "M  END\n", "", `t.sdf:12: missing M  END before ">  <smiles>"`},
	{"M  CHG atom", "M  END", "M  CHG  1   5   1\nM  END", `t.sdf:12: bad M  CHG line "M  CHG  1   5   1": atom 5 does not exist (the molecule has 4 atoms)`},
	{"M  CHG count", "M  END", "M  CHG  2   1   1\nM  END", `t.sdf:12: bad M  CHG line "M  CHG  2   1   1": want an entry count of 1 to 8 and that many atom-charge pairs`},
	{"M  CHG charge", "M  END", "M  CHG  1   1  16\nM  END", `t.sdf:12: bad M  CHG line "M  CHG  1   1  16": charge 16 is beyond ±15`},
	{"M  CHG not numbers", "M  END", "M  CHG  1   1   +\nM  END", `t.sdf:12: bad M  CHG line "M  CHG  1   1   +": atom and charge must be integers`},
	{"M  CHG empty", "M  END", "M  CHG\nM  END", `t.sdf:12: bad M  CHG line "M  CHG": no entry count`},
	{"V3000 property", "M  END", "M  V30 BEGIN CTAB\nM  END", `t.sdf:12: V3000 molfiles are not supported; convert to V2000 with obabel in.sdf -osdf -O out.sdf (or RDKit's Chem.MolToMolBlock)`},
	{"data header without name", ">  <smiles>", ">  smiles", `t.sdf:13: data header ">  smiles" has no <name>`},
	{"junk after M  END", ">  <smiles>", "smiles", `t.sdf:13: expected a data header (>  <name>) or $$$$, got "smiles"`},
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestBadInput(t *testing.T) {
	for _, c := range badCases {
		in := c.new
		if c.old != "*" {
			if !strings.Contains(ethyne, c.old) {
				t.Fatalf("%s: %q is not in the record", c.name, c.old)
			}
			in = strings.Replace(ethyne, c.old, c.new, 1)
		}
		_, err := ReadAll(strings.NewReader(in), "t.sdf")
		if err == nil || err.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %s", c.name, err, c.want)
		}
	}
}

func TestBadInputLaterRecord(t *testing.T) {
	// The same errors in a second record name the line in the whole file.
	for _, c := range badCases {
		if c.old == "*" {
			continue
		}
		in := ethyne + strings.Replace(ethyne, c.old, c.new, 1)
		r := NewReader(strings.NewReader(in), "t.sdf")
		if _, err := r.Next(); err != nil {
			t.Fatalf("%s: first record: %v", c.name, err)
		}
		_, err := r.Next()
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%s: second record: %v is not a *ParseError", c.name, err)
		}
		var first *ParseError
		_, err1 := ReadAll(strings.NewReader(strings.Replace(ethyne, c.old, c.new, 1)), "t.sdf")
		if !errors.As(err1, &first) || pe.Line != first.Line+16 || pe.Msg != first.Msg {
			t.Errorf("%s: second record: %v, want line %d of %v", c.name, err, first.Line+16, err1)
		}
	}
}

func TestRecovery(t *testing.T) {
	// After a broken record, Next goes on with the next one.
	for _, c := range badCases {
		if c.old == "*" || strings.HasPrefix(c.name, "truncated") {
			continue
		}
		in := ethyne + strings.Replace(ethyne, c.old, c.new, 1) + strings.Replace(ethyne, "ethyne\n", "third\n", 1)
		r := NewReader(strings.NewReader(in), "t.sdf")
		var names []string
		errs := 0
		for {
			m, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				errs++
				continue
			}
			names = append(names, m.Name)
		}
		if errs != 1 || strings.Join(names, " ") != "ethyne third" {
			t.Errorf("%s: %d errors, records %v; want 1 error and ethyne, third", c.name, errs, names)
		}
	}
}

func TestWriteLayout(t *testing.T) {
	mols, err := ReadAll(strings.NewReader(ethyne), "t.sdf")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteSDF(&b, mols); err != nil {
		t.Fatal(err)
	}
	if b.String() != ethyne {
		t.Errorf("writing the record back changed it:\n%s", b.String())
	}
}

func TestCharges(t *testing.T) {
	mols, err := ReadFile("testdata/charged.sdf")
	if err != nil {
		t.Fatal(err)
	}
	if len(mols) != 2 || mols[0].Atoms[1].Charge != 1 || mols[0].Atoms[3].Charge != -1 || mols[1].Atoms[0].Charge != 1 {
		t.Fatalf("charges of testdata/charged.sdf not read: %+v", mols)
	}
	for _, m := range mols {
		if !m.Stable() || !m.Connected() {
			t.Errorf("%s: stable %v, connected %v", m.Name, m.Stable(), m.Connected())
		}
	}
	if v, _ := mols[0].Prop("note"); v != "written by RDKit 2022.09.3\nfor the reader tests" {
		t.Errorf("two-line data item read as %q", v)
	}
	// The atom block's charge codes, and M  CHG superseding all of them.
	block := strings.Replace(ethyne, "0.0000 C   0  0", "0.0000 C   0  3", 1)
	block = strings.Replace(block, "0.0000 H   0  0", "0.0000 H   0  4", 1)
	m := mustRead(t, block)[0]
	if m.Atoms[0].Charge != 1 || m.Atoms[2].Charge != 0 {
		t.Errorf("charge codes 3 and 4 read as %d and %d, want +1 and 0 (radical)", m.Atoms[0].Charge, m.Atoms[2].Charge)
	}
	m = mustRead(t, strings.Replace(block, "M  END", "M  CHG  1   2  -2\nM  END", 1))[0]
	if m.Atoms[0].Charge != 0 || m.Atoms[1].Charge != -2 {
		t.Errorf("M  CHG did not supersede the atom block: charges %d, %d", m.Atoms[0].Charge, m.Atoms[1].Charge)
	}
	m = mustRead(t, strings.Replace(block, "M  END", "M  RAD  1   1   2\nM  END", 1))[0]
	if m.Atoms[0].Charge != 0 {
		t.Errorf("M  RAD did not supersede the atom block: charge %d", m.Atoms[0].Charge)
	}
	// Charges beyond ±3, and more than eight of them, round-trip through M  CHG.
	big := &Molecule{Name: "ions"}
	for i := range 11 {
		big.Atoms = append(big.Atoms, Atom{Element: "Fe", Charge: i - 5, Pos: [3]float64{float64(i), 0, 0}})
	}
	back := roundTrip(t, big)
	if !equalMolecules(back, big, 0) {
		t.Errorf("charges -5..5 came back as %+v", back.Atoms)
	}
}

// mustRead reads SDF text or fails the test.
func mustRead(t testing.TB, s string) []*Molecule {
	t.Helper()
	mols, err := ReadAll(strings.NewReader(s), "t.sdf")
	if err != nil {
		t.Fatal(err)
	}
	return mols
}

// roundTrip writes m and reads it back.
func roundTrip(t testing.TB, m *Molecule) *Molecule {
	t.Helper()
	var b bytes.Buffer
	if err := NewWriter(&b).Write(m); err != nil {
		t.Fatal(err)
	}
	mols := mustRead(t, b.String())
	if len(mols) != 1 {
		t.Fatalf("%d records back", len(mols))
	}
	return mols[0]
}

func TestGzip(t *testing.T) {
	plain := mustRead(t, ethyne+ethyne)
	z := gz(t, []byte(ethyne+ethyne))
	mols, err := ReadAll(bytes.NewReader(z), "t.sdf.gz")
	if err != nil || len(mols) != 2 || !equalMolecules(mols[1], plain[1], 0) {
		t.Fatalf("gzip: %d molecules, %v", len(mols), err)
	}
	if _, err := ReadAll(bytes.NewReader(z[:len(z)-10]), "t.sdf.gz"); err == nil || !strings.HasPrefix(err.Error(), "t.sdf.gz:") {
		t.Errorf("truncated gzip: %v", err)
	}
	bad := append([]byte{0x1f, 0x8b}, "not gzip"...)
	if _, err := ReadAll(bytes.NewReader(bad), "t.sdf.gz"); err == nil || !strings.HasPrefix(err.Error(), "t.sdf.gz: not a valid gzip stream") {
		t.Errorf("bad gzip header: %v", err)
	}
	dir := t.TempDir()
	for _, name := range []string{"a.sdf", "a.sdf.gz"} {
		path := filepath.Join(dir, name)
		if err := WriteFile(path, plain); err != nil {
			t.Fatal(err)
		}
		back, err := ReadFile(path)
		if err != nil || len(back) != 2 || !equalMolecules(back[0], plain[0], 0) {
			t.Errorf("%s: %d molecules back, %v", name, len(back), err)
		}
		raw, _ := os.ReadFile(path)
		if gzipped := len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b; gzipped != strings.HasSuffix(name, ".gz") {
			t.Errorf("%s: gzip %v", name, gzipped)
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.sdf")); err == nil {
		t.Error("reading a missing file: no error")
	}
}

func TestLayouts(t *testing.T) {
	crlf := strings.ReplaceAll(ethyne, "\n", "\r\n")
	noEnd := strings.TrimSuffix(ethyne, "$$$$\n")
	noData := strings.Replace(ethyne, ">  <smiles>\nC#C\n\n", "", 1)
	for name, in := range map[string]string{
		"CRLF":                         crlf,
		"no final $$$$":                noEnd,
		"trailing blank lines":         ethyne + "\n\n",
		"many trailing blank lines":    ethyne + "\n \n\n\t\n\n\n",
		"no final newline":             strings.TrimSuffix(ethyne, "\n"),
		"value at the end of the file": strings.TrimSuffix(ethyne, "\n$$$$\n"),
		"no version field":             strings.Replace(ethyne, "  0  0  0  0  0  0  0  0999 V2000", "", 1),
	} {
		mols := mustRead(t, in)
		if len(mols) != 1 || !equalMolecules(mols[0], mustRead(t, ethyne)[0], 0) {
			t.Errorf("%s: read %+v", name, mols)
		}
	}
	if m := mustRead(t, noData)[0]; len(m.Props) != 0 {
		t.Errorf("no data items: %+v", m.Props)
	}
	if mols := mustRead(t, ""); len(mols) != 0 {
		t.Errorf("empty input: %d molecules", len(mols))
	}
	items := strings.Replace(ethyne, ">  <smiles>\nC#C\n", ">  <a>  (1)\none\ntwo\n\n>  <empty>\n\n\n> 17 <a>\nagain\n", 1)
	m := mustRead(t, items)[0]
	want := []Prop{{"a", "one\ntwo"}, {"empty", ""}, {"a", "again"}}
	if len(m.Props) != 3 || m.Props[0] != want[0] || m.Props[1] != want[1] || m.Props[2] != want[2] {
		t.Errorf("data items %q, want %q", m.Props, want)
	}
	if back := roundTrip(t, m); !equalMolecules(back, m, 0) {
		t.Errorf("data items came back as %q", back.Props)
	}
}

func TestLongLine(t *testing.T) {
	long := strings.Replace(ethyne, "C#C", strings.Repeat("C", MaxLineBytes+1), 1)
	r := NewReader(strings.NewReader(long+ethyne), "t.sdf")
	_, err := r.Next()
	if err == nil || err.Error() != "t.sdf:14: line is longer than 1048576 bytes" {
		t.Errorf("overlong line: %v", err)
	}
	if m, err := r.Next(); err != nil || m.Name != "ethyne" {
		t.Errorf("after an overlong line: %v", err)
	}
}

func TestWriterRefuses(t *testing.T) {
	base := mustRead(t, ethyne)[0]
	for _, c := range []struct {
		name   string
		change func(m *Molecule)
		want   string
	}{
		{"unknown element", func(m *Molecule) { m.Atoms[0].Element = "Q" }, `atom 1: unknown element "Q"`},
		{"charge", func(m *Molecule) { m.Atoms[1].Charge = 16 }, "atom 2: charge 16 is beyond ±15"},
		{"coordinate", func(m *Molecule) { m.Atoms[2].Pos[1] = -1e4 }, "atom 3: coordinate -10000 does not fit the 10-character field (-9999.9999 to 99999.9999)"},
		{"NaN", func(m *Molecule) { m.Atoms[2].Pos[2] = math.NaN() }, "atom 3: coordinate NaN is not a finite number"},
		{"bond", func(m *Molecule) { m.Bonds[0].J = 7 }, "bond 1: atom 8 does not exist (the molecule has 4 atoms)"},
		{"duplicate", func(m *Molecule) { m.Bonds = append(m.Bonds, Bond{1, 0, 1}) }, "bond 4: atoms 2 and 1 are already bonded by bond 1"},
		{"aromatic", func(m *Molecule) { m.Bonds[0].Order = 4 }, "bond 1: bond order 4 (aromatic) is not supported: write Kekulé bonds (RDKit: Chem.Kekulize(m, clearAromaticFlags=True); obabel in.sdf -osdf -O out.sdf writes them)"},
		{"too many atoms", func(m *Molecule) { m.Atoms = make([]Atom, 1000) }, "1000 atoms and 3 bonds: V2000 holds at most 999 of each"},
		{"name", func(m *Molecule) { m.Name = "a\nb" }, `header line 1 "a\nb" has a line break`},
		{"blank value line", func(m *Molecule) { m.Props[0].Value = "a\n\nb" }, `data item "smiles": value has a blank line (a blank line ends a value)`},
		{"$$$$ in a value", func(m *Molecule) { m.Props[0].Value = "$$$$" }, `data item "smiles": value has a line starting with $$$$ (it ends a record)`},
		{"CR in a value", func(m *Molecule) { m.Props[0].Value = "a\r" }, `data item "smiles": value has a line ending in a carriage return`},
		{"'>' in a name", func(m *Molecule) { m.Props[0].Name = "a>b" }, `data item "a>b": name has '>' or a line break`},
	} {
		m := base.Clone()
		c.change(m)
		var b bytes.Buffer
		err := NewWriter(&b).Write(m)
		if want := `write SDF record 1 ("` + strings.ReplaceAll(m.Name, "\n", `\n`) + `"): ` + c.want; err == nil || err.Error() != want {
			t.Errorf("%s:\n got %v\nwant %s", c.name, err, want)
		}
		if b.Len() != 0 {
			t.Errorf("%s: wrote %d bytes of a refused molecule", c.name, b.Len())
		}
	}
	if err := NewWriter(failWriter{}).Write(base); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("failing writer: %v", err)
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestOpenBabelFile(t *testing.T) {
	// testdata/obabel.sdf: QM7 molecules written as XYZ by RDKit and
	// converted by `obabel -ixyz qm7head.xyz -osdf` (Open Babel 3.1.1), the
	// way QM9's gdb9.sdf was made; Open Babel perceives the same bonds.
	mols, err := ReadFile("testdata/obabel.sdf")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*Molecule{}
	for _, m := range qm7(t) {
		byName[m.Name] = m
	}
	if len(mols) != 15 {
		t.Fatalf("%d molecules, want 15", len(mols))
	}
	for _, m := range mols {
		ref := byName[m.Name]
		if ref == nil || len(m.Atoms) != len(ref.Atoms) || !m.Stable() || !m.Connected() || bondSet(m) != bondSet(ref) {
			t.Errorf("%s: read differently from the QM7 record", m.Name)
		}
	}
}

// bondSet spells a molecule's bonds, as unordered pairs, in sorted order.
func bondSet(m *Molecule) string {
	var s []string
	for _, b := range m.Bonds {
		s = append(s, fmt.Sprint(min(b.I, b.J), max(b.I, b.J), b.Order))
	}
	slices.Sort(s)
	return strings.Join(s, ",")
}
