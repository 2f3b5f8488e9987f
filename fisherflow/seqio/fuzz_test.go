package seqio

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/fisherflow/fisherflow/internal/testutil"
)

// fuzzName is the file name the fuzz targets read under: without an
// extension, so the format comes from the options or the first byte.
const fuzzName = "in.dat"

// located is what every error of a text reader starts with: the file,
// then a line and a column when the error has a place.
var located = regexp.MustCompile(`^in\.(dat|csv|tsv)(:[1-9][0-9]*:[1-9][0-9]*)?: `)

// lineOnly is a line without its column, which located alone would let by.
var lineOnly = regexp.MustCompile(`^in\.(dat|csv|tsv):[0-9]+: `)

func checkLocated(t *testing.T, err error) {
	t.Helper()
	if msg := err.Error(); !located.MatchString(msg) || lineOnly.MatchString(msg) {
		t.Fatalf("error %q does not start with the file and, if any, line:column", msg)
	}
}

// fuzzOptions decodes one byte into the reading options: format,
// ambiguity mode and Options.K.
func fuzzOptions(mode uint8, alphabet string) Options {
	return Options{
		Format:    []string{"", "fasta", "text", "csv"}[mode%4],
		Ambiguity: []string{"", "drop", "mask", "error"}[mode/4%4],
		K:         int(mode / 16),
		Alphabet:  alphabet,
	}
}

// FuzzParse reads arbitrary bytes as a FASTA, text or CSV sequence file:
// no panic, allocation in proportion to the input, every error located,
// and what is read is written and read back to the same sequences.
func FuzzParse(f *testing.F) {
	for _, in := range []string{files.fasta, files.protein, files.foreign, files.withN, files.text, files.csv,
		files.csvBad, files.csvK, files.ragged, files.ambiguous, files.allN, files.foreignMasked, files.nClass, tables.fasta} {
		for _, mode := range []uint8{0, 4, 8, 3 + 16*3} {
			f.Add([]byte(in), mode, "")
		}
		f.Add([]byte(in), uint8(0), "dna")
		f.Add([]byte(in), uint8(8), "ACGTN")
	}
	for _, in := range files.badFASTA {
		f.Add([]byte(in), uint8(1), "")
	}
	f.Fuzz(func(t *testing.T, data []byte, mode uint8, alphabet string) {
		o := fuzzOptions(mode, alphabet)
		var s *Set
		var err error
		alloc := testutil.Allocated(func() { s, err = Parse(data, fuzzName, o) })
		// The scanner's first buffer, then per symbol its class and its
		// place for messages.
		if limit := uint64(2<<20 + 64*len(data)); alloc > limit {
			t.Fatalf("reading %d bytes allocated %d", len(data), alloc)
		}
		if err != nil {
			if !errors.Is(err, ErrAlphabetOption) {
				checkLocated(t, err)
			}
			return
		}
		checkSet(t, s)
		if !writable(s) {
			return
		}
		var out bytes.Buffer
		if err := Write(&out, s.Format, s.Alphabet, s.Seqs); err != nil {
			t.Fatal(err)
		}
		back, err := Parse(out.Bytes(), fuzzName, Options{Format: string(s.Format), Alphabet: s.Alphabet, K: s.K})
		if err != nil {
			t.Fatalf("reading back what Write wrote (%q): %v", out.Bytes(), err)
		}
		if !reflect.DeepEqual(back.Seqs, s.Seqs) || back.K != s.K {
			t.Fatalf("round trip: %v (K %d), read back %v (K %d)", s.Seqs, s.K, back.Seqs, back.K)
		}
	})
}

// checkSet checks a Set's classes against its K and its bookkeeping.
func checkSet(t *testing.T, s *Set) {
	t.Helper()
	if len(s.Seqs) == 0 || len(s.Records) != len(s.Seqs) || s.K < 2 {
		t.Fatalf("%d sequences, %d records, K %d", len(s.Seqs), len(s.Records), s.K)
	}
	for _, q := range s.Seqs {
		if len(q) == 0 {
			t.Fatal("an empty sequence")
		}
		for _, c := range q {
			if c >= s.K || (c < 0 && c != Masked) {
				t.Fatalf("class %d outside [0, %d)", c, s.K)
			}
		}
	}
}

// writable says whether Write's output can read back as s: no masked
// positions (Write has no symbol for them), and no alphabet symbol that
// the format reads as a separator, header or comment.
func writable(s *Set) bool {
	if s.Masked > 0 {
		return false
	}
	switch s.Format {
	case FASTA:
		return !strings.ContainsAny(s.Alphabet, " \t\r\n>;")
	case Text:
		return !strings.ContainsAny(s.Alphabet, "\r\n")
	}
	return true
}

// FuzzParseNPY reads arbitrary bytes as a .npy file: no panic, allocation
// in proportion to the input, errors that wrap ErrNPY, and float32
// arrays that WriteNPY writes back to the same values.
func FuzzParseNPY(f *testing.F) {
	good, _ := smallF32()
	f.Add(good)
	f.Add(bigF64())
	for _, b := range badNPY() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var a *Array
		var err error
		alloc := testutil.Allocated(func() { a, err = ParseNPY(data) })
		// The header's regular expressions, then a float64 per value.
		if limit := uint64(1<<20 + 16*len(data)); alloc > limit {
			t.Fatalf("reading %d bytes allocated %d", len(data), alloc)
		}
		if err != nil {
			if !errors.Is(err, ErrNPY) {
				t.Fatalf("error %v does not wrap ErrNPY", err)
			}
			return
		}
		n := 1
		for _, d := range a.Shape {
			n *= d
		}
		if n != len(a.Data) {
			t.Fatalf("shape %v holds %d values, data has %d", a.Shape, n, len(a.Data))
		}
		f32 := make([]float32, len(a.Data))
		for i, v := range a.Data {
			if f32[i] = float32(v); float64(f32[i]) != v && !math.IsNaN(v) {
				return // a float64 array: WriteNPY writes float32
			}
		}
		var out bytes.Buffer
		if err := WriteNPY(&out, a.Shape, f32); err != nil {
			return // a shape too long for a version-1 header
		}
		back, err := ParseNPY(out.Bytes())
		if err != nil {
			t.Fatalf("reading back what WriteNPY wrote: %v", err)
		}
		if !reflect.DeepEqual(back.Shape, a.Shape) && !(len(back.Shape) == 0 && len(a.Shape) == 0) {
			t.Fatalf("shape %v read back as %v", a.Shape, back.Shape)
		}
		for i, v := range back.Data {
			if v != a.Data[i] && !(math.IsNaN(v) && math.IsNaN(a.Data[i])) {
				t.Fatalf("value %d: %v read back as %v", i, a.Data[i], v)
			}
		}
	})
}

// FuzzTable reads arbitrary bytes as a -labels table and takes a column
// of it for the records of a FASTA file: no panic, allocation in
// proportion to the input, and every error located in the table.
func FuzzTable(f *testing.F) {
	for _, in := range []string{tables.ordered, tables.short, tables.byName, tables.missing, "", "a,b\n\"x\n", "a,b\n1,2,3\n"} {
		f.Add([]byte(in), false, "label")
		f.Add([]byte(in), true, "chrom")
	}
	set, err := Parse([]byte(tables.fasta), "x.fa", Options{Ambiguity: "mask"})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, tsv bool, column string) {
		name := "in.csv"
		if tsv {
			name = "in.tsv"
		}
		var tab *Table
		alloc := testutil.Allocated(func() { tab, err = ParseTable(data, name) })
		// The CSV reader's buffers, then the fields and their places.
		if limit := uint64(1<<20 + 64*len(data)); alloc > limit {
			t.Fatalf("reading %d bytes allocated %d", len(data), alloc)
		}
		if err != nil {
			checkLocated(t, err)
			return
		}
		vals, err := Column(set, tab, column)
		if err != nil {
			if tab.Col(column) >= 0 {
				checkLocated(t, err) // the table's fault, not the headers'
			}
			return
		}
		if len(vals) != len(set.Seqs) {
			t.Fatalf("%d values for %d sequences", len(vals), len(set.Seqs))
		}
	})
}
