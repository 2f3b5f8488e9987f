package mol

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"

	"github.com/fisherflow/fisherflow/internal/atomicfile"
)

// Writer writes molecules as SDF records (MDL molfile V2000) in the
// fixed-width layout that RDKit and Open Babel read.
type Writer struct {
	w io.Writer
	n int
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write validates m (see Molecule.Validate) and writes it as one record;
// a molecule that fails validation writes nothing.
func (w *Writer) Write(m *Molecule) error {
	w.n++
	if err := m.Validate(); err != nil {
		return fmt.Errorf("write SDF record %d (%q): %w", w.n, m.Name, err)
	}
	var b bytes.Buffer
	appendRecord(&b, m)
	if _, err := w.w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write SDF record %d (%q): %w", w.n, m.Name, err)
	}
	return nil
}

// WriteSDF writes mols to w as SDF records.
func WriteSDF(w io.Writer, mols []*Molecule) error {
	sw := NewWriter(w)
	for _, m := range mols {
		if err := sw.Write(m); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile writes mols to an SDF file, gzip-compressed when path ends in
// ".gz"; the file appears whole or not at all.
func WriteFile(path string, mols []*Molecule) error {
	var b bytes.Buffer
	var w io.Writer = &b
	var gz *gzip.Writer
	if strings.HasSuffix(path, ".gz") {
		gz = gzip.NewWriter(&b)
		w = gz
	}
	if err := WriteSDF(w, mols); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if gz != nil {
		if err := gz.Close(); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := atomicfile.WriteFile(path, b.Bytes()); err != nil {
		return fmt.Errorf("write SDF: %w", err)
	}
	return nil
}

// chargeCode returns the atom block's charge field for a formal charge;
// charges beyond ±3 have none and go only to `M  CHG`.
func chargeCode(c int) int {
	if c < -3 || c > 3 || c == 0 {
		return 0
	}
	return 4 - c
}

// appendRecord writes a validated molecule as a V2000 record.
func appendRecord(b *bytes.Buffer, m *Molecule) {
	fmt.Fprintf(b, "%s\n%s\n%s\n", m.Name, m.Program, m.Comment)
	fmt.Fprintf(b, "%3d%3d  0  0  0  0  0  0  0  0999 V2000\n", len(m.Atoms), len(m.Bonds))
	var charged []int
	for i, a := range m.Atoms {
		fmt.Fprintf(b, "%10.4f%10.4f%10.4f %-3s 0%3d  0  0  0  0  0  0  0  0  0  0\n",
			a.Pos[0], a.Pos[1], a.Pos[2], a.Element, chargeCode(a.Charge))
		if a.Charge != 0 {
			charged = append(charged, i)
		}
	}
	for _, bd := range m.Bonds {
		fmt.Fprintf(b, "%3d%3d%3d  0\n", bd.I+1, bd.J+1, bd.Order)
	}
	for len(charged) > 0 {
		k := min(len(charged), 8)
		fmt.Fprintf(b, "M  CHG%3d", k)
		for _, i := range charged[:k] {
			fmt.Fprintf(b, " %3d %3d", i+1, m.Atoms[i].Charge)
		}
		b.WriteString("\n")
		charged = charged[k:]
	}
	b.WriteString("M  END\n")
	for _, p := range m.Props {
		fmt.Fprintf(b, ">  <%s>\n", p.Name)
		if p.Value != "" {
			fmt.Fprintf(b, "%s\n", p.Value)
		}
		b.WriteString("\n")
	}
	b.WriteString("$$$$\n")
}
