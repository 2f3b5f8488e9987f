package seqio

import (
	"reflect"
	"strings"
	"testing"
)

// tables are the FASTA file and the -labels tables the tests read;
// FuzzTable starts from them.
var tables = struct{ fasta, ordered, short, byName, missing string }{
	fasta:   ">r1 class=HepG2\nACGT\n>chr8:100-104 class=K562\nACGN\n>r3 chrom=chr10 class=HepG2\nTTTT\n",
	ordered: "label,chrom\nA,chr1\nB,chr8\nC,chr10\n",
	short:   "label\nA\n",
	byName:  "id\tlabel\nr3\tX\nr1\tY\nchr8:100-104\tZ\n",
	missing: "id,label\nr3,X\n",
}

func TestColumn(t *testing.T) {
	fa := tables.fasta
	s, err := Parse([]byte(fa), "x.fa", Options{Ambiguity: "drop"})
	if err != nil {
		t.Fatal(err)
	}
	// From the headers (the dropped record is skipped).
	if v, err := Column(s, nil, "class"); err != nil || !reflect.DeepEqual(v, []string{"HepG2", "HepG2"}) {
		t.Fatalf("header class: %v %v", v, err)
	}
	if _, err := Column(s, nil, "chrom"); err == nil || !strings.Contains(err.Error(), `"r1 class=HepG2"`) {
		t.Fatalf("missing chrom: %v", err)
	}
	all, _ := Parse([]byte(fa), "x.fa", Options{Ambiguity: "mask"})
	if _, err := Column(all, nil, "chrom"); err == nil {
		t.Fatal("r1 has no chrom")
	}
	// From a table in file order (rows of dropped records are skipped).
	tab, err := ParseTable([]byte(tables.ordered), "m.csv")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := Column(s, tab, "chrom"); err != nil || !reflect.DeepEqual(v, []string{"chr1", "chr10"}) {
		t.Fatalf("ordered chrom: %v %v", v, err)
	}
	// Columns missing from the table come from the headers.
	if v, err := Column(s, tab, "class"); err != nil || !reflect.DeepEqual(v, []string{"HepG2", "HepG2"}) {
		t.Fatalf("class from headers: %v %v", v, err)
	}
	short, _ := ParseTable([]byte(tables.short), "s.csv")
	if _, err := Column(s, short, "label"); err == nil || !strings.Contains(err.Error(), "1 rows for 3 records") {
		t.Fatalf("short table: %v", err)
	}
	// A TSV matched by name, in any order.
	byName, err := ParseTable([]byte(tables.byName), "m.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := Column(all, byName, "label"); err != nil || !reflect.DeepEqual(v, []string{"Y", "Z", "X"}) {
		t.Fatalf("by name: %v %v", v, err)
	}
	if v, err := Column(all, nil, "chrom"); err == nil {
		t.Fatalf("chrom of r1 invented: %v", v)
	}
	missing, _ := ParseTable([]byte(tables.missing), "m.csv")
	if _, err := Column(all, missing, "label"); err == nil || !strings.Contains(err.Error(), `no row for record "r1"`) {
		t.Fatalf("missing row: %v", err)
	}
	if _, err := ParseTable(nil, "e.csv"); err == nil {
		t.Fatal("empty table accepted")
	}
}
