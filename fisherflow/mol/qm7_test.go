package mol

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
)

// parsedQM7 parses the embedded data set once for all the tests, which
// must not change it.
var parsedQM7 = sync.OnceValues(QM7)

// qm7 returns the embedded data set or fails the test.
func qm7(t testing.TB) []*Molecule {
	t.Helper()
	mols, err := parsedQM7()
	if err != nil {
		t.Fatal(err)
	}
	return mols
}

func TestQM7Read(t *testing.T) {
	mols := qm7(t)
	if len(mols) != 6802 {
		t.Fatalf("QM7: %d molecules, want 6802", len(mols))
	}
	lo, hi := 1000, 0
	elements := map[string]int{}
	for _, m := range mols {
		lo, hi = min(lo, len(m.Atoms)), max(hi, len(m.Atoms))
		for _, a := range m.Atoms {
			elements[a.Element]++
			if a.Charge != 0 {
				t.Fatalf("%s: charged atom %+v", m.Name, a)
			}
		}
		if _, ok := m.Prop("smiles"); !ok {
			t.Fatalf("%s: no smiles", m.Name)
		}
	}
	if lo != 4 || hi != 23 {
		t.Errorf("atom counts %d..%d, want 4..23", lo, hi)
	}
	if len(elements) != 5 || elements["C"] == 0 || elements["H"] == 0 || elements["N"] == 0 || elements["O"] == 0 || elements["S"] == 0 {
		t.Errorf("elements %v, want C H N O S", elements)
	}
	first := mols[0]
	want := &Molecule{Name: "qm7-0001", Program: "     RDKit          3D",
		Atoms: []Atom{{"C", 0, [3]float64{1.0417, -0.0562, -0.0715}}, {"H", 0, [3]float64{2.1309, -0.0562, -0.0715}},
			{"H", 0, [3]float64{0.6786, 0.1749, -1.0720}}, {"H", 0, [3]float64{0.6786, 0.6947, 0.6290}},
			{"H", 0, [3]float64{0.6786, -1.0383, 0.2286}}},
		Bonds: []Bond{{0, 4, 1}, {0, 3, 1}, {1, 0, 1}, {2, 0, 1}},
		Props: []Prop{{"smiles", "C"}}}
	if !equalMolecules(first, want, 0) {
		t.Errorf("first record\n got %+v\nwant %+v", first, want)
	}
}

func TestQM7RoundTrip(t *testing.T) {
	mols := qm7(t)
	var b bytes.Buffer
	if err := WriteSDF(&b, mols); err != nil {
		t.Fatal(err)
	}
	back, err := ReadAll(&b, "roundtrip.sdf")
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(mols) {
		t.Fatalf("%d molecules back, want %d", len(back), len(mols))
	}
	for i := range mols {
		if !equalMolecules(back[i], mols[i], 0) {
			t.Fatalf("molecule %d changed:\n got %+v\nwant %+v", i, back[i], mols[i])
		}
	}
}

func TestQM7Reader(t *testing.T) {
	r := QM7Reader()
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 6802 {
		t.Errorf("streamed %d molecules, want 6802", n)
	}
}

func TestQM7SDF(t *testing.T) {
	b := QM7SDF()
	if len(b) != 1437712 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("QM7SDF: %d bytes starting % x", len(b), b[:2])
	}
	b[0] = 0
	if QM7SDF()[0] != 0x1f {
		t.Error("QM7SDF returns the embedded bytes, not a copy")
	}
}

// TestGDB9 reads QM9's gdb9.sdf (MoleculeNet's distribution) when
// FISHERFLOW_GDB9 names it:
//
//	FISHERFLOW_GDB9=/path/to/gdb9.sdf go test -run TestGDB9 -v ./fisherflow/mol
func TestGDB9(t *testing.T) {
	path := os.Getenv("FISHERFLOW_GDB9")
	if path == "" {
		t.Skip("set FISHERFLOW_GDB9 to the path of gdb9.sdf to read QM9")
	}
	mols, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(mols) != 133885 {
		t.Errorf("%d records, want 133,885", len(mols))
	}
	for el := range AtomTypes(mols) {
		if !strings.Contains(" H C N O F ", " "+el+" ") {
			t.Errorf("element %s in QM9", el)
		}
	}
	r := Metrics(mols, mols)
	t.Logf("QM9: %d molecules; atom stability %.4f, molecule stability %.4f, connectivity %.4f; charges %v",
		len(mols), r.AtomStability, r.MoleculeStability, r.Connectivity, Charges(mols))
}
