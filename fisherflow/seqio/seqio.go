// Package seqio reads and writes the sequence files fisherflow trains on:
// FASTA (DNA or protein), plain text (one sequence per line, one
// character per position) and CSV (one sequence per line, comma-separated
// integer classes). Every parse error names the file, line and column.
//
// Where things are: seqio.go reads (ReadFile, Parse: a Set) and writes
// (Write) sequence files; equalize.go makes their lengths equal
// (Set.Equalize); table.go reads CSV/TSV tables of per-record values
// (ReadTable, Column); npy.go reads and writes NumPy .npy arrays (ReadNPY,
// WriteNPY), such as per-base signals.
package seqio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Format is a file format.
type Format string

const (
	FASTA Format = "fasta" // ">name" lines, then sequence lines (multi-line records)
	Text  Format = "text"  // one sequence per line, one character per position
	CSV   Format = "csv"   // one sequence per line, comma-separated classes 0..K-1
)

// Alphabets known by name: the class of a symbol is its index.
const (
	DNA     = "ACGT"
	Protein = "ACDEFGHIKLMNPQRSTVWY"
)

// Set is a read sequence file.
type Set struct {
	Format Format
	// Alphabet maps class i to the symbol Alphabet[i] (FASTA and text);
	// empty for CSV.
	Alphabet string
	// K is the number of classes.
	K     int
	Names []string // FASTA record names (without '>'), else nil
	// Seqs are the sequences as classes 0..K-1; under Ambiguity "mask"
	// class Masked marks an ambiguous base (an IUPAC code such as N).
	Seqs [][]int
	// Masked counts the masked positions and Dropped the records left out
	// under Ambiguity "drop".
	Masked, Dropped int
	// Records is the 0-based record number in the file of each sequence
	// (they differ after records are dropped), to match rows of a table.
	Records []int
}

// Masked is the class of a masked position: a base that is not known
// (N or another IUPAC ambiguity code read with Ambiguity "mask").
const Masked = -1

// IUPAC are the nucleotide ambiguity codes of the IUPAC alphabet (N any
// base, R A/G, Y C/T, S G/C, W A/T, K G/T, M A/C, B not A, D not C, H not
// G, V not T); U (uracil) is not among them: give it in -alphabet.
const IUPAC = "NRYSWKMBDHV"

// Options say how to read a file.
type Options struct {
	// Format is "fasta", "text", "csv" or "" (from the extension, else the
	// first byte: '>' is FASTA).
	Format string
	// Alphabet is "dna", "protein", "auto" or "" (auto: DNA if every
	// symbol is one of ACGT, else protein if every symbol is an amino
	// acid, else for text files the sorted set of characters seen), or an
	// explicit string of symbols. Letters are case-insensitive for dna and
	// protein.
	Alphabet string
	// K fixes the number of classes of a CSV file (0: the largest class + 1).
	K int
	// Ambiguity says what becomes of IUPAC ambiguity codes (N, R, Y, ...)
	// in DNA: "" or "error" refuses them (the error counts them and
	// locates the first), "drop" leaves out every record that has one,
	// "mask" keeps them as class Masked (a position the trainer leaves out
	// of the loss). It applies when the alphabet is ACGT (given as dna or
	// detected).
	Ambiguity string
}

// ReadFile reads a sequence file.
func ReadFile(path string, o Options) (*Set, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Parse(b, path, o)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Parse parses the bytes of a file named name (used in messages and to
// guess the format).
func Parse(b []byte, name string, o Options) (*Set, error) {
	f, err := detect(b, name, o.Format)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("%s: the file is empty", name)
	}
	if f == CSV {
		return parseCSV(b, name, o.K)
	}
	recs, err := scanRecords(b, name, f)
	if err != nil {
		return nil, err
	}
	var all [][]byte
	for _, r := range recs {
		all = append(all, r.seq)
	}
	amb := strings.ToLower(o.Ambiguity)
	switch amb {
	case "", "error", "drop", "mask":
	default:
		return nil, fmt.Errorf("unknown ambiguity mode %q (error, drop or mask)", o.Ambiguity)
	}
	alpha, fold, err := alphabet(all, o.Alphabet, f, amb == "drop" || amb == "mask")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var idx [256]int
	for i := range idx {
		idx[i] = -1
	}
	for i := 0; i < len(alpha); i++ {
		idx[alpha[i]] = i
		if fold {
			idx[lower(alpha[i])] = i
		}
	}
	var ambiguous [256]bool
	if alpha == DNA {
		for i := 0; i < len(IUPAC); i++ {
			ambiguous[IUPAC[i]], ambiguous[lower(IUPAC[i])] = true, true
		}
	}
	s := &Set{Format: f, Alphabet: alpha, K: len(alpha)}
	var first *pos
	var firstName string
	nAmb := 0
records:
	for ri, r := range recs {
		seq := make([]int, len(r.seq))
		for i, c := range r.seq {
			if seq[i] = idx[c]; seq[i] >= 0 {
				continue
			}
			p := r.cols[i]
			if !ambiguous[c] {
				return nil, fmt.Errorf("%s:%d:%d: %q is not in the %s alphabet %q: %w", name, p.line, p.col, rune(c), alphabetName(o.Alphabet, alpha), alpha, ErrAlphabet)
			}
			switch amb {
			case "drop":
				s.Dropped++
				continue records
			case "mask":
				seq[i] = Masked
				s.Masked++
			default:
				if first == nil {
					first, firstName = &p, r.name
				}
				nAmb++
			}
		}
		s.Seqs = append(s.Seqs, seq)
		s.Records = append(s.Records, ri)
		if f == FASTA {
			s.Names = append(s.Names, r.name)
		}
	}
	if nAmb > 0 {
		return nil, fmt.Errorf("%s:%d:%d: %d %w, the first in record %q (Ambiguity mask or drop, or the alphabet ACGTN)",
			name, first.line, first.col, nAmb, ErrAmbiguous, firstName)
	}
	if len(s.Seqs) == 0 {
		return nil, fmt.Errorf("%s: every one of the %d records has an ambiguous base: dropping them left none", name, s.Dropped)
	}
	return s, nil
}

// rec is one record of a FASTA or text file as read.
type rec struct {
	name string
	line int
	seq  []byte
	cols []pos // source of each symbol, for error messages
}

// scanRecords reads the records of a FASTA or text file; every record has
// a sequence.
func scanRecords(b []byte, name string, f Format) ([]rec, error) {
	var recs []rec
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if f == FASTA {
			if strings.HasPrefix(line, ">") {
				recs = append(recs, rec{name: strings.TrimSpace(line[1:]), line: ln})
				continue
			}
			if strings.HasPrefix(line, ";") { // old FASTA comments
				continue
			}
			if len(recs) == 0 {
				if strings.TrimSpace(line) == "" {
					continue
				}
				return nil, fmt.Errorf("%s:%d:1: sequence data before the first '>' header", name, ln)
			}
		} else {
			if strings.TrimSpace(line) == "" {
				continue
			}
			recs = append(recs, rec{line: ln})
		}
		r := &recs[len(recs)-1]
		for col, c := range []byte(line) {
			if f == FASTA && (c == ' ' || c == '\t') {
				continue
			}
			r.seq = append(r.seq, c)
			r.cols = append(r.cols, pos{ln, col + 1})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: no sequences", name)
	}
	for _, r := range recs {
		if len(r.seq) == 0 {
			return nil, fmt.Errorf("%s:%d:1: record %q has no sequence", name, r.line, r.name)
		}
	}
	return recs, nil
}

type pos struct{ line, col int }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func alphabetName(opt, alpha string) string {
	switch {
	case alpha == DNA:
		return "dna"
	case alpha == Protein:
		return "protein"
	case opt == "" || opt == "auto":
		return "detected"
	}
	return "given"
}

// alphabet resolves the alphabet option; fold says letters match in both
// cases. With iupac, DNA with IUPAC ambiguity codes is detected as DNA.
func alphabet(seqs [][]byte, opt string, f Format, iupac bool) (string, bool, error) {
	switch strings.ToLower(opt) {
	case "dna":
		return DNA, true, nil
	case "protein":
		return Protein, true, nil
	case "", "auto":
		var seen [256]bool
		for _, s := range seqs {
			for _, c := range s {
				seen[c] = true
			}
		}
		within := func(set string) bool {
			for c := 0; c < 256; c++ {
				if seen[c] && !strings.ContainsRune(set, rune(c)) && !strings.ContainsRune(strings.ToLower(set), rune(c)) {
					return false
				}
			}
			return true
		}
		switch {
		case within(DNA), iupac && within(DNA+IUPAC):
			return DNA, true, nil
		case within(DNA + "N"):
			return "", false, fmt.Errorf("DNA with N, an unknown base: %w (Ambiguity mask or drop, or the alphabet ACGTN)", ErrAmbiguous)
		case within(Protein):
			return Protein, true, nil
		case f == FASTA:
			var odd []string
			for c := 0; c < 256; c++ {
				if seen[c] && !strings.ContainsRune(Protein+strings.ToLower(Protein), rune(c)) {
					odd = append(odd, strconv.QuoteRune(rune(c)))
				}
			}
			return "", false, fmt.Errorf("symbols %s are neither DNA (ACGT) nor amino acids (%s): %w", strings.Join(odd, " "), Protein, ErrAlphabet)
		}
		var set []byte
		for c := 0; c < 256; c++ {
			if seen[c] {
				set = append(set, byte(c))
			}
		}
		if len(set) < 2 {
			// A one-symbol file still has two classes; the second symbol
			// must differ from the first, or the alphabet repeats it.
			extra := byte('-')
			if set[0] == '-' {
				extra = '.'
			}
			set = append(set, extra)
		}
		return string(set), false, nil
	}
	if len(opt) < 2 {
		return "", false, fmt.Errorf("%w %q: need at least 2 symbols, or dna, protein, auto", ErrAlphabetOption, opt)
	}
	b := []byte(opt)
	sort.Slice(b, func(i, j int) bool { return b[i] < b[j] })
	for i := 1; i < len(b); i++ {
		if b[i] == b[i-1] {
			return "", false, fmt.Errorf("%w %q repeats %q", ErrAlphabetOption, opt, rune(b[i]))
		}
	}
	return opt, false, nil
}

func detect(b []byte, name, opt string) (Format, error) {
	switch strings.ToLower(opt) {
	case "fasta", "fa":
		return FASTA, nil
	case "text", "txt":
		return Text, nil
	case "csv":
		return CSV, nil
	case "", "auto":
	default:
		return "", fmt.Errorf("unknown format %q (choices: fasta, text, csv)", opt)
	}
	if f, ok := FormatOf(name); ok {
		return f, nil
	}
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '>' {
		return FASTA, nil
	}
	return Text, nil
}

// FormatOf returns the format that a file name's extension says, if any:
// .fa .fasta .fna .faa .fas are FASTA, .csv CSV, .txt .seq text.
func FormatOf(name string) (Format, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".fa", ".fasta", ".fna", ".faa", ".fas":
		return FASTA, true
	case ".csv":
		return CSV, true
	case ".txt", ".seq":
		return Text, true
	}
	return "", false
}

func parseCSV(b []byte, name string, k int) (*Set, error) {
	s := &Set{Format: CSV}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	maxc := -1
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var seq []int
		col := 1
		for _, field := range strings.Split(line, ",") {
			v, err := strconv.Atoi(strings.TrimSpace(field))
			if err != nil || v < 0 {
				if ln == 1 && len(s.Seqs) == 0 && err != nil {
					// A header line of names is allowed once.
					seq = nil
					break
				}
				return nil, fmt.Errorf("%s:%d:%d: %q is not a class (a non-negative integer)", name, ln, col, strings.TrimSpace(field))
			}
			if k > 0 && v >= k {
				return nil, fmt.Errorf("%s:%d:%d: class %d outside [0, %d) (Options.K)", name, ln, col, v, k)
			}
			maxc = max(maxc, v)
			seq = append(seq, v)
			col += len(field) + 1
		}
		if seq != nil {
			s.Records = append(s.Records, len(s.Seqs))
			s.Seqs = append(s.Seqs, seq)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(s.Seqs) == 0 {
		return nil, fmt.Errorf("%s: no sequences", name)
	}
	s.K = max(k, maxc+1, 2)
	return s, nil
}

// The errors that name a remedy the caller chooses, wrapped (errors.Is
// finds them).
var (
	// ErrRagged is wrapped by Equalize when lengths differ and mode is "".
	ErrRagged = errors.New("sequences of unequal length")
	// ErrAlphabet is a symbol outside the alphabet given or detected: the
	// remedy is another Options.Alphabet.
	ErrAlphabet = errors.New("symbol outside the alphabet")
	// ErrAlphabetOption is an Options.Alphabet that is no alphabet.
	ErrAlphabetOption = errors.New("invalid alphabet")
	// ErrAmbiguous is DNA with IUPAC ambiguity codes (N, R, Y, ...) under
	// Ambiguity "" or "error": the remedies are Ambiguity "mask" or
	// "drop", or an alphabet with N.
	ErrAmbiguous = errors.New("ambiguous bases (IUPAC codes such as N)")
)

// Write writes seqs (classes of s's alphabet) in format f: FASTA records
// named sample_1, ... (60 symbols per line), text lines, or CSV lines.
func Write(w io.Writer, f Format, alphabet string, seqs [][]int) error {
	bw := bufio.NewWriter(w)
	for i, q := range seqs {
		switch f {
		case FASTA:
			fmt.Fprintf(bw, ">sample_%d\n", i+1)
			for j, c := range q {
				bw.WriteByte(alphabet[c])
				if j%60 == 59 || j == len(q)-1 {
					bw.WriteByte('\n')
				}
			}
		case Text:
			for _, c := range q {
				bw.WriteByte(alphabet[c])
			}
			bw.WriteByte('\n')
		default:
			for j, c := range q {
				if j > 0 {
					bw.WriteByte(',')
				}
				bw.WriteString(strconv.Itoa(c))
			}
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}
