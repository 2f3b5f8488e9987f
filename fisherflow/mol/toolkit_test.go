package mol

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fisherflow/fisherflow/internal/testutil"
)

// toolkitSample returns molecules for the toolkit tests: every 97th QM7
// molecule, those with sulfur among the first thousand, the charged ones
// of testdata and one that went through Encode and Decode (with this
// package's header line), all carrying their RDKit canonical SMILES.
func toolkitSample(t *testing.T) []*Molecule {
	t.Helper()
	var out []*Molecule
	for i, m := range qm7(t) {
		hasS := false
		for _, a := range m.Atoms {
			hasS = hasS || a.Element == "S"
		}
		if i%97 == 0 || hasS && i < 1000 {
			out = append(out, m)
		}
	}
	charged, err := ReadFile("testdata/charged.sdf")
	if err != nil {
		t.Fatal(err)
	}
	v := NewVocab(charged)
	g, err := v.Encode(charged[1])
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := v.Decode(g, "decoded")
	if err != nil {
		t.Fatal(err)
	}
	decoded.Props = charged[1].Props[:1]
	return append(append(out, charged...), decoded)
}

// rdkitCheck reads an SDF with RDKit (hydrogens kept, sanitised) and
// prints, per record, the name, the atom count and the canonical SMILES
// without hydrogens.
const rdkitCheck = `
import sys
from rdkit import Chem, RDLogger
RDLogger.DisableLog("rdApp.*")
for m in Chem.SDMolSupplier(sys.argv[1], removeHs=False, sanitize=True):
    if m is None:
        print("None")
        continue
    print(m.GetProp("_Name"), m.GetNumAtoms(), Chem.MolToSmiles(Chem.RemoveHs(m)))
`

// readBack writes the toolkit sample to a file and runs a toolkit's
// command on it (the file's path in place of the first argument that is
// empty, or last), and returns the sample and a line of output per record.
func readBack(t *testing.T, toolkit, command string, args ...string) ([]*Molecule, []string) {
	t.Helper()
	mols := toolkitSample(t)
	path := filepath.Join(t.TempDir(), "sample.sdf")
	if err := WriteFile(path, mols); err != nil {
		t.Fatal(err)
	}
	if k := slices.Index(args, ""); k >= 0 {
		args[k] = path
	} else {
		args = append(args, path)
	}
	out, err := exec.Command(command, args...).Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", toolkit, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(mols) {
		t.Fatalf("%s read %d records of %d:\n%s", toolkit, len(lines), len(mols), out)
	}
	return mols, lines
}

func TestRDKitReadsWriter(t *testing.T) {
	py := testutil.Python(t, "rdkit") // skips, saying so, without python3-rdkit
	mols, lines := readBack(t, "RDKit", py, "-c", rdkitCheck)
	for i, line := range lines {
		m := mols[i]
		smiles, _ := m.Prop("smiles")
		if want := m.Name + " " + strconv.Itoa(len(m.Atoms)) + " " + smiles; line != want {
			t.Errorf("RDKit read %q, want %q", line, want)
		}
	}
	t.Logf("RDKit read %d molecules written here with their atom counts and canonical SMILES", len(lines))
}

func TestOpenBabelReadsWriter(t *testing.T) {
	obabel, err := exec.LookPath("obabel")
	if err != nil {
		t.Skip("obabel not installed (apt-get install openbabel)")
	}
	mols, lines := readBack(t, "obabel", obabel, "-isdf", "", "-osmi", "--append", "atoms")
	for i, line := range lines {
		f := strings.Fields(line)
		if len(f) != 3 || f[1] != mols[i].Name || f[2] != strconv.Itoa(len(mols[i].Atoms)) {
			t.Errorf("obabel read %q, want %s with %d atoms", line, mols[i].Name, len(mols[i].Atoms))
		}
	}
	t.Logf("Open Babel read %d molecules written here with their atom counts", len(lines))
}

// join returns a and b as one molecule of two fragments, b moved by 10 Å.
func join(a, b *Molecule) *Molecule {
	m := a.Clone()
	m.Name = a.Name + "+" + b.Name
	for _, at := range b.Atoms {
		at.Pos[0] += 10
		m.Atoms = append(m.Atoms, at)
	}
	for _, bd := range b.Bonds {
		m.Bonds = append(m.Bonds, Bond{bd.I + len(a.Atoms), bd.J + len(a.Atoms), bd.Order})
	}
	return m
}

func TestPeerScript(t *testing.T) {
	py := testutil.Python(t, "rdkit")
	q := qm7(t)
	penta := methane()
	penta.Name = "pentavalent"
	penta.Atoms = append(penta.Atoms, Atom{Element: "H", Pos: [3]float64{0, 0, -1.1}})
	penta.Bonds = append(penta.Bonds, Bond{0, 5, 1})
	// Valid: CH4 twice, ethane, and ethene beside a methane (the largest
	// fragment counts); the pentavalent carbon is not.
	generated := []*Molecule{q[0], q[0], q[1], penta, join(q[2], q[0])}
	dir := t.TempDir()
	gen, train := filepath.Join(dir, "generated.sdf"), filepath.Join(dir, "train.sdf.gz")
	if err := WriteFile(gen, generated); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(train, q[:1]); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join("..", "..", "bench", "peers", "molecules.py")
	out, err := exec.Command(py, script, gen, train).Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
	var r struct {
		Molecules, Valid, Unique, Novel int
		Validity, Uniqueness, Novelty   float64
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if r.Molecules != 5 || r.Valid != 4 || r.Unique != 3 || r.Novel != 2 || r.Validity != 0.8 || r.Uniqueness != 0.75 || r.Novelty != 2.0/3 {
		t.Errorf("peer script: %+v\nwant 5 molecules, 4 valid, 3 unique, 2 novel", r)
	}
}
