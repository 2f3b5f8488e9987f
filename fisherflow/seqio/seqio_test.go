package seqio

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// files are the sequence files the tests read, valid and refused;
// FuzzParse starts from every one of them.
var files = struct {
	fasta, protein, foreign, withN, text, csv, csvBad, csvK, ragged string
	ambiguous, allN, foreignMasked, nClass                          string
	badFASTA                                                        []string
}{
	fasta:     ">s1 first\nACGT\nacgt\n\n>s2\nTTTT\nGGGG\n",
	protein:   ">p\nMKWVTFISLL\n",
	foreign:   ">a\nACGT\nAC#T\n",
	withN:     ">a\nACGTN\n",
	text:      "abc\ncab\n\n",
	csv:       "a,b,c\n0,1,2\n2, 0 ,5\n",
	csvBad:    "0,1\n1,x\n",
	csvK:      "0,1\n1,7\n",
	ragged:    "ACGT\nAC\nACG\n",
	ambiguous: ">a\nACGT\n>b\nANGT\nRC\n>c\nacgn\n",
	allN:      ">b\nNNNN\n", foreignMasked: ">b\nAC#T\n", nClass: ">b\nACNT\n",
	badFASTA: []string{"ACGT\n>a\nAC\n", ">a\n>b\nAC\n", "", "  \n\n"},
}

func TestFASTA(t *testing.T) {
	s, err := Parse([]byte(files.fasta), "x.fa", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Format != FASTA || s.Alphabet != DNA || s.K != 4 {
		t.Fatalf("format %s alphabet %q K %d", s.Format, s.Alphabet, s.K)
	}
	want := [][]int{{0, 1, 2, 3, 0, 1, 2, 3}, {3, 3, 3, 3, 2, 2, 2, 2}}
	if !reflect.DeepEqual(s.Seqs, want) || !reflect.DeepEqual(s.Names, []string{"s1 first", "s2"}) {
		t.Fatalf("got %v %v", s.Seqs, s.Names)
	}
	var out bytes.Buffer
	if err := Write(&out, FASTA, s.Alphabet, s.Seqs); err != nil {
		t.Fatal(err)
	}
	back, err := Parse(out.Bytes(), "y", Options{})
	if err != nil || !reflect.DeepEqual(back.Seqs, want) {
		t.Fatalf("round trip: %v %v", back, err)
	}
	// Protein is detected; a foreign symbol is located.
	p, err := Parse([]byte(files.protein), "p.fasta", Options{})
	if err != nil || p.Alphabet != Protein {
		t.Fatalf("protein: %v %v", p, err)
	}
	_, err = Parse([]byte(files.foreign), "bad.fa", Options{Alphabet: "dna"})
	if err == nil || !strings.Contains(err.Error(), "bad.fa:3:3:") {
		t.Fatalf("error %v, want bad.fa:3:3", err)
	}
	_, err = Parse([]byte(files.withN), "n.fa", Options{})
	if err == nil || !strings.Contains(err.Error(), "ACGTN") {
		t.Fatalf("N: %v", err)
	}
	if s, err := Parse([]byte(files.withN), "n.fa", Options{Alphabet: "ACGTN"}); err != nil || s.K != 5 {
		t.Fatalf("explicit alphabet: %v %v", s, err)
	}
	for _, bad := range files.badFASTA {
		if _, err := Parse([]byte(bad), "b.fa", Options{}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTextAndCSV(t *testing.T) {
	s, err := Parse([]byte(files.text), "x.txt", Options{})
	if err != nil || s.Alphabet != "abc" || !reflect.DeepEqual(s.Seqs, [][]int{{0, 1, 2}, {2, 0, 1}}) {
		t.Fatalf("text: %+v %v", s, err)
	}
	c, err := Parse([]byte(files.csv), "x.csv", Options{})
	if err != nil || c.K != 6 || !reflect.DeepEqual(c.Seqs, [][]int{{0, 1, 2}, {2, 0, 5}}) {
		t.Fatalf("csv: %+v %v", c, err)
	}
	_, err = Parse([]byte(files.csvBad), "y.csv", Options{})
	if err == nil || !strings.Contains(err.Error(), "y.csv:2:3:") {
		t.Fatalf("csv error %v", err)
	}
	_, err = Parse([]byte(files.csvK), "y.csv", Options{K: 3})
	if err == nil || !strings.Contains(err.Error(), "y.csv:2:3:") {
		t.Fatalf("csv -k error %v", err)
	}
}

func TestEqualize(t *testing.T) {
	mk := func() *Set {
		s, err := Parse([]byte(files.ragged), "r.txt", Options{Alphabet: "dna"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if err := mk().Equalize(""); !errors.Is(err, ErrRagged) || !strings.Contains(err.Error(), `"pad" or "crop"`) {
		t.Fatalf("ragged: %v", err)
	}
	c := mk()
	if err := c.Equalize("crop"); err != nil || !reflect.DeepEqual(c.Seqs, [][]int{{0, 1}, {0, 1}, {0, 1}}) {
		t.Fatalf("crop: %v %v", c.Seqs, err)
	}
	p := mk()
	if err := p.Equalize("pad"); err != nil || p.K != 5 || p.Alphabet != "ACGT-" || !reflect.DeepEqual(p.Seqs[1], []int{0, 1, 4, 4}) {
		t.Fatalf("pad: %+v %v", p, err)
	}
}

func TestAmbiguity(t *testing.T) {
	in := files.ambiguous
	_, err := Parse([]byte(in), "n.fa", Options{Alphabet: "dna"})
	if err == nil || !strings.Contains(err.Error(), "n.fa:4:2: 3 ambiguous bases") || !strings.Contains(err.Error(), `"b"`) {
		t.Fatalf("error mode: %v", err)
	}
	m, err := Parse([]byte(in), "n.fa", Options{Ambiguity: "mask"})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int{{0, 1, 2, 3}, {0, Masked, 2, 3, Masked, 1}, {0, 1, 2, Masked}}
	if m.Alphabet != DNA || m.Masked != 3 || !reflect.DeepEqual(m.Seqs, want) {
		t.Fatalf("mask: %q %d %v", m.Alphabet, m.Masked, m.Seqs)
	}
	d, err := Parse([]byte(in), "n.fa", Options{Ambiguity: "drop"})
	if err != nil || d.Dropped != 2 || !reflect.DeepEqual(d.Seqs, want[:1]) || !reflect.DeepEqual(d.Names, []string{"a"}) {
		t.Fatalf("drop: %+v %v", d, err)
	}
	if _, err := Parse([]byte(files.allN), "n.fa", Options{Ambiguity: "drop"}); err == nil {
		t.Fatal("drop of every record accepted")
	}
	// A symbol that is no IUPAC code is still an error; N kept as a class is not masked.
	if _, err := Parse([]byte(files.foreignMasked), "n.fa", Options{Ambiguity: "mask", Alphabet: "dna"}); err == nil || !strings.Contains(err.Error(), "n.fa:2:3") {
		t.Fatalf("foreign symbol under mask: %v", err)
	}
	if s, err := Parse([]byte(files.nClass), "n.fa", Options{Ambiguity: "mask", Alphabet: "ACGTN"}); err != nil || s.Masked != 0 || s.K != 5 {
		t.Fatalf("N as a class: %+v %v", s, err)
	}
	if _, err := Parse([]byte(files.nClass), "n.fa", Options{Ambiguity: "blur"}); err == nil {
		t.Fatal("unknown mode accepted")
	}
}
