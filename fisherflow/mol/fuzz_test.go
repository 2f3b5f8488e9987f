package mol

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
)

// FuzzReadSDF reads arbitrary input as SDF: the reader must not panic,
// must allocate in proportion to the input, must name the file and a line
// of it in every error, and must read only molecules that the writer
// writes back to the same molecules (positions to 1e-4).
func FuzzReadSDF(f *testing.F) {
	f.Add([]byte(ethyne))
	f.Add([]byte(ethyne + ethyne))
	f.Add(gz(f, []byte(ethyne)))
	for _, c := range badCases {
		if c.old == "*" {
			f.Add([]byte(c.new))
		} else {
			f.Add([]byte(ethyne + strings.Replace(ethyne, c.old, c.new, 1)))
		}
	}
	for _, name := range []string{"testdata/charged.sdf", "testdata/obabel.sdf"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		size := decodedSize(data)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		mols := checkRead(t, data, size)
		runtime.ReadMemStats(&after)
		// Buffers of the reader and the gzip decoder, then a bounded
		// factor of the text (lines, atoms, bonds, maps of bonds).
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(1<<20+256*size) {
			t.Errorf("reading %d bytes (%d decoded) allocated %d bytes", len(data), size, alloc)
		}
		for _, m := range mols {
			checkRoundTrip(t, m)
		}
	})
}

// decodedSize returns the length of the text the reader sees: data, or
// what its gzip stream decodes to.
func decodedSize(data []byte) int {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return len(data)
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return len(data)
	}
	n, _ := io.Copy(io.Discard, zr)
	return len(data) + int(n)
}

// checkRead reads every record of data, checking each error, and returns
// the molecules read.
func checkRead(t *testing.T, data []byte, size int) []*Molecule {
	r := NewReader(bytes.NewReader(data), "fuzz.sdf")
	var mols []*Molecule
	for range size + 2 {
		m, err := r.Next()
		if err == io.EOF {
			return mols
		}
		var pe *ParseError
		switch {
		case errors.As(err, &pe):
			if pe.File != "fuzz.sdf" || pe.Line < 1 || pe.Line > size+1 || !strings.HasPrefix(err.Error(), "fuzz.sdf:") {
				t.Fatalf("error %q does not name fuzz.sdf and a line of its %d bytes", err, size)
			}
		case err != nil:
			if !strings.HasPrefix(err.Error(), "fuzz.sdf") {
				t.Fatalf("error %q does not name the file", err)
			}
			return mols
		default:
			if verr := m.Validate(); verr != nil {
				t.Fatalf("read a molecule that does not validate: %v", verr)
			}
			mols = append(mols, m)
		}
	}
	t.Fatalf("more than %d records from %d bytes", size+2, size)
	return nil
}

// checkRoundTrip writes m, reads it back and writes it again.
func checkRoundTrip(t *testing.T, m *Molecule) {
	var b bytes.Buffer
	if err := NewWriter(&b).Write(m); err != nil {
		t.Fatalf("cannot write back what was read: %v", err)
	}
	text := b.String()
	back, err := ReadAll(strings.NewReader(text), "written.sdf")
	if err != nil || len(back) != 1 {
		t.Fatalf("cannot read back what was written (%d records, %v):\n%s", len(back), err, text)
	}
	if !equalMolecules(back[0], m, 1e-4) {
		t.Fatalf("read(write(m)) != m:\n got %+v\nwant %+v\n%s", back[0], m, text)
	}
	b.Reset()
	if err := NewWriter(&b).Write(back[0]); err != nil || b.String() != text {
		t.Fatalf("writing again changed the text (%v):\n%s\n%s", err, text, b.String())
	}
}
