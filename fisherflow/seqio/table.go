package seqio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// Table is a CSV (or TSV) file of per-sequence metadata with a header
// row, such as class labels and chromosomes.
type Table struct {
	Name   string // the file, for messages
	Header []string
	Rows   [][]string
	// pos is the line and column of each field of Rows, for messages
	// (blank lines and quoted line breaks make them differ from the row
	// number).
	pos [][]pos
}

// ReadTable reads a metadata table: a header row, then one row per
// sequence; a .tsv file (or a header with tabs and no commas) is
// tab-separated.
func ReadTable(path string) (*Table, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseTable(b, path)
}

// ParseTable parses the bytes of a table named name; see ReadTable.
func ParseTable(b []byte, name string) (*Table, error) {
	r := csv.NewReader(bytes.NewReader(b))
	first, _, _ := bytes.Cut(b, []byte("\n"))
	if strings.HasSuffix(strings.ToLower(name), ".tsv") || (bytes.IndexByte(first, '\t') >= 0 && bytes.IndexByte(first, ',') < 0) {
		r.Comma = '\t'
	}
	r.TrimLeadingSpace = true
	t := &Table{Name: name}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s:%d:%d: %w", name, pe.Line, pe.Column, pe.Err)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if t.Header == nil {
			t.Header = rec
			continue
		}
		ps := make([]pos, len(rec))
		for i := range rec {
			ps[i].line, ps[i].col = r.FieldPos(i)
		}
		t.Rows = append(t.Rows, rec)
		t.pos = append(t.pos, ps)
	}
	if t.Header == nil {
		return nil, fmt.Errorf("%s: the table is empty (want a header row, then one row per sequence)", name)
	}
	return t, nil
}

// at locates field f of row i (the end of the row past its last field)
// as "name:line:col".
func (t *Table) at(i, f int) string {
	if i >= len(t.pos) || len(t.pos[i]) == 0 {
		return fmt.Sprintf("%s:%d:1", t.Name, i+2) // a Table built by hand
	}
	p := t.pos[i][min(f, len(t.pos[i])-1)]
	return fmt.Sprintf("%s:%d:%d", t.Name, p.line, p.col)
}

// Col returns the index of the named column (case-insensitive), or -1.
func (t *Table) Col(name string) int {
	for i, h := range t.Header {
		if strings.EqualFold(h, name) {
			return i
		}
	}
	return -1
}

// nameColumns are the headers by which a table names the FASTA records
// its rows describe.
var nameColumns = []string{"name", "id", "record", "sequence_id"}

// Column returns the value of the named column for every sequence of s:
// from the table t when it has that column (its rows matched to s's
// records by a name, id, record or sequence_id column holding the record
// name's first word, else in file order, one row per record), else from
// s's FASTA headers, where a word "column=value" gives it (">seq1
// chrom=chr8 class=HepG2") and, for the column chrom, a bedtools-style
// name "chr8:100-1124" does. t may be nil. Every sequence must get a
// value.
func Column(s *Set, t *Table, column string) ([]string, error) {
	out := make([]string, len(s.Seqs))
	if t != nil && t.Col(column) >= 0 {
		col, key := t.Col(column), -1
		for _, n := range nameColumns {
			if key = t.Col(n); key >= 0 {
				break
			}
		}
		if key >= 0 {
			rows := map[string][]string{}
			for i, r := range t.Rows {
				if key >= len(r) || col >= len(r) {
					return nil, fmt.Errorf("%s: row has %d fields, the header %d", t.at(i, max(key, col)), len(r), len(t.Header))
				}
				if _, dup := rows[r[key]]; dup {
					return nil, fmt.Errorf("%s: record %q is described twice", t.at(i, key), r[key])
				}
				rows[r[key]] = r
			}
			for i := range s.Seqs {
				if i >= len(s.Names) {
					return nil, fmt.Errorf("%s: the table matches records by %q, and the sequences have no names (FASTA)", t.Name, t.Header[key])
				}
				id := firstWord(s.Names[i])
				r, ok := rows[id]
				if !ok {
					return nil, fmt.Errorf("%s: no row for record %q (column %q)", t.Name, id, t.Header[key])
				}
				out[i] = r[col]
			}
			return out, nil
		}
		records := len(s.Seqs) + s.Dropped
		if len(t.Rows) != records {
			return nil, fmt.Errorf("%s: %d rows for %d records (matched in order; add a name column to match by record name)", t.Name, len(t.Rows), records)
		}
		for i, rec := range s.Records {
			r := t.Rows[rec]
			if col >= len(r) {
				return nil, fmt.Errorf("%s: row has %d fields, the header %d", t.at(rec, col), len(r), len(t.Header))
			}
			out[i] = r[col]
		}
		return out, nil
	}
	for i := range s.Seqs {
		if i >= len(s.Names) {
			return nil, fmt.Errorf("no column %q: the sequences have no FASTA headers and no table gives it", column)
		}
		v, ok := headerField(s.Names[i], column)
		if !ok {
			where := "its FASTA header"
			if t != nil {
				where = fmt.Sprintf("%s (columns %s) nor in its FASTA header", t.Name, strings.Join(t.Header, ", "))
			}
			return nil, fmt.Errorf("record %q has no %q: neither in %s (want a word %s=VALUE)", s.Names[i], column, where, column)
		}
		out[i] = v
	}
	return out, nil
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

var bedName = regexp.MustCompile(`^(chr[^:\s]+):\d+-\d+`)

// headerField finds column in a FASTA header.
func headerField(header, column string) (string, bool) {
	for _, w := range strings.Fields(header) {
		if k, v, ok := strings.Cut(w, "="); ok && strings.EqualFold(k, column) && v != "" {
			return v, true
		}
	}
	if strings.EqualFold(column, "chrom") {
		if m := bedName.FindStringSubmatch(header); m != nil {
			return m[1], true
		}
	}
	return "", false
}
