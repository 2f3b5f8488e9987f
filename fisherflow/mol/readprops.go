package mol

import (
	"io"
	"strconv"
	"strings"
)

// propertyBlock reads the property lines up to `M  END`. `M  CHG` sets
// charges; as MDL specifies, the first `M  CHG` or `M  RAD` line of a
// record supersedes every charge of the atom block. Other property lines
// (isotopes, radicals, atom lists, S-groups) are read past: the model has
// no use for them.
func (r *Reader) propertyBlock(m *Molecule) error {
	superseded := false
	for {
		s, err := r.need("M  END", 0, 0)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(s, "M  END"):
			return nil
		case isRecordEnd(s) || strings.HasPrefix(s, ">"):
			return r.errf("missing M  END before %q", s)
		case strings.HasPrefix(s, "M  V30"):
			return r.errf("V3000 molfiles are not supported; convert to V2000 with obabel in.sdf -osdf -O out.sdf (or RDKit's Chem.MolToMolBlock)")
		case strings.HasPrefix(s, "M  CHG"), strings.HasPrefix(s, "M  RAD"):
			if !superseded {
				for i := range m.Atoms {
					m.Atoms[i].Charge = 0
				}
				superseded = true
			}
			if strings.HasPrefix(s, "M  CHG") {
				if err := r.parseCharges(m, s); err != nil {
					return err
				}
			}
		}
	}
}

// parseCharges applies an `M  CHGnn8 aaa vvv ...` line.
func (r *Reader) parseCharges(m *Molecule, s string) error {
	f := strings.Fields(s[len("M  CHG"):])
	if len(f) == 0 {
		return r.errf("bad M  CHG line %q: no entry count", s)
	}
	n, ok := parseUint(f[0])
	if !ok || n < 1 || n > 8 || len(f) != 1+2*n {
		return r.errf("bad M  CHG line %q: want an entry count of 1 to 8 and that many atom-charge pairs", s)
	}
	for k := range n {
		a, okA := parseUint(f[1+2*k])
		c, err := strconv.Atoi(f[2+2*k])
		switch {
		case !okA || err != nil:
			return r.errf("bad M  CHG line %q: atom and charge must be integers", s)
		case a < 1 || a > len(m.Atoms):
			return r.errf("bad M  CHG line %q: atom %d does not exist (the molecule has %d atoms)", s, a, len(m.Atoms))
		case c < -MaxCharge || c > MaxCharge:
			return r.errf("bad M  CHG line %q: charge %d is beyond ±%d", s, c, MaxCharge)
		}
		m.Atoms[a-1].Charge = c
	}
	return nil
}

// dataItems reads the data items after `M  END` up to `$$$$`; the end of
// the file also ends the last record.
func (r *Reader) dataItems(m *Molecule) error {
	for {
		s, err := r.readLine()
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		case isRecordEnd(s):
			return nil
		case strings.TrimSpace(s) == "":
			continue
		case !strings.HasPrefix(s, ">"):
			return r.errf("expected a data header (>  <name>) or $$$$, got %q", s)
		}
		open := strings.IndexByte(s, '<')
		end := -1
		if open >= 0 {
			end = strings.IndexByte(s[open:], '>')
		}
		if end < 0 {
			return r.errf("data header %q has no <name>", s)
		}
		p := Prop{Name: s[open+1 : open+end]}
		done, err := r.dataValue(&p)
		if err != nil {
			return err
		}
		m.Props = append(m.Props, p)
		if done {
			return nil
		}
	}
}

// dataValue reads the lines of a value up to a blank line; it tells
// whether the record ended too ($$$$ or the end of the file).
func (r *Reader) dataValue(p *Prop) (bool, error) {
	var lines []string
	defer func() { p.Value = strings.Join(lines, "\n") }()
	for {
		s, err := r.readLine()
		switch {
		case err == io.EOF:
			return true, nil
		case err != nil:
			return false, err
		case isRecordEnd(s):
			return true, nil
		case strings.TrimSpace(s) == "":
			return false, nil
		}
		lines = append(lines, s)
	}
}
