package mol

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Limits that bound what the reader holds for one record, whatever the input.
const (
	// MaxLineBytes is the longest line the reader accepts.
	MaxLineBytes = 1 << 20
	// MaxRecordBytes is the largest record (header to $$$$) the reader accepts.
	MaxRecordBytes = 16 << 20
)

// ParseError is an error about the content of an SDF file: File and Line
// (from 1) locate it and Msg says what is wrong.
type ParseError struct {
	File string
	Line int
	Msg  string
}

// Error returns "file:line: message".
func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Reader reads the records of an SDF file (MDL molfile V2000) one at a
// time, from plain text or gzip (told apart by the first two bytes).
//
// After a *ParseError, Next skips to the end of the broken record and
// goes on with the next one; any other error (of the underlying reader or
// of the gzip stream) is returned again by every later call.
type Reader struct {
	name    string
	src     io.Reader
	br      *bufio.Reader
	line    int    // number of the last line read
	last    string // the last line read
	bytes   int    // bytes of the current record so far
	broken  bool   // the last record ended in a ParseError before its $$$$
	err     error  // sticky error of the underlying stream
	started bool
}

// NewReader returns a Reader of r; name (usually the file's path) is the
// file named in error messages.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{name: name, src: r}
}

// ReadFile reads every record of an SDF file, plain or gzip; at the first
// error it stops and returns the records before it with the error.
func ReadFile(path string) ([]*Molecule, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read SDF: %w", err)
	}
	defer f.Close()
	return ReadAll(f, path)
}

// ReadAll reads every record from r (plain or gzip), as ReadFile does;
// name is the file named in error messages.
func ReadAll(r io.Reader, name string) ([]*Molecule, error) {
	rd := NewReader(r, name)
	var out []*Molecule
	for {
		m, err := rd.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, m)
	}
}

// Next returns the next record, or io.EOF after the last one.
func (r *Reader) Next() (*Molecule, error) {
	if r.err != nil {
		return nil, r.err
	}
	if !r.started {
		if err := r.start(); err != nil {
			r.err = err
			return nil, err
		}
	}
	r.bytes = 0
	var m *Molecule
	var err error
	if r.broken {
		err = r.skipRecord()
		r.bytes = 0
	}
	if err == nil {
		m, err = r.record()
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		r.broken = !isRecordEnd(r.last)
	} else if err != nil && err != io.EOF {
		r.err = err
	}
	return m, err
}

// start looks at the first two bytes and puts a gzip reader in between
// when they are gzip's magic number.
func (r *Reader) start() error {
	r.started = true
	r.br = bufio.NewReader(r.src)
	magic, err := r.br.Peek(2)
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(r.br)
		if err != nil {
			return fmt.Errorf("%s: not a valid gzip stream: %w", r.name, err)
		}
		r.br = bufio.NewReader(gz)
		return nil
	}
	if err != nil && err != io.EOF {
		return fmt.Errorf("%s: %w", r.name, err)
	}
	return nil
}

// skipRecord reads up to and including the next $$$$ line.
func (r *Reader) skipRecord() error {
	for {
		s, err := r.readLine()
		if err != nil {
			return err
		}
		if isRecordEnd(s) {
			return nil
		}
	}
}

// errf returns a *ParseError at the last line read.
func (r *Reader) errf(format string, args ...any) error {
	return &ParseError{File: r.name, Line: r.line, Msg: fmt.Sprintf(format, args...)}
}

// readLine returns the next line without its line break (LF or CRLF, and
// any further carriage returns before it), or io.EOF when there is none.
func (r *Reader) readLine() (string, error) {
	var buf []byte
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLineBytes {
			r.line++
			r.last = ""
			if derr := r.drainLine(err); derr != nil {
				return "", derr
			}
			return "", r.errf("line is longer than %d bytes", MaxLineBytes)
		}
		buf = append(buf, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(buf) == 0 {
			return "", io.EOF
		}
		if err != nil && err != io.EOF {
			return "", fmt.Errorf("%s:%d: %w", r.name, r.line+1, err)
		}
		break
	}
	r.line++
	r.bytes += len(buf)
	if r.bytes > MaxRecordBytes {
		return "", r.errf("record is larger than %d bytes", MaxRecordBytes)
	}
	r.last = strings.TrimRight(strings.TrimSuffix(string(buf), "\n"), "\r")
	return r.last, nil
}

// drainLine discards the rest of an overlong line, so that line numbers
// stay right; err is what the last ReadSlice returned.
func (r *Reader) drainLine(err error) error {
	for err == bufio.ErrBufferFull {
		_, err = r.br.ReadSlice('\n')
	}
	if err != nil && err != io.EOF {
		return fmt.Errorf("%s:%d: %w", r.name, r.line, err)
	}
	return nil
}

// need reads the next line of a record, where the end of the file means
// the record is truncated; kind names the line expected, and i of n its
// place in a block where n > 0.
func (r *Reader) need(kind string, i, n int) (string, error) {
	s, err := r.readLine()
	if err == io.EOF {
		r.line++
		if n > 0 {
			kind = fmt.Sprintf("%s %d of %d", kind, i, n)
		}
		return "", r.errf("truncated record: the file ends where %s was expected", kind)
	}
	return s, err
}

// isRecordEnd tells whether a line ends a record.
func isRecordEnd(s string) bool { return strings.HasPrefix(s, "$$$$") }

// record reads one record.
func (r *Reader) record() (*Molecule, error) {
	m := &Molecule{}
	var err error
	if m.Name, err = r.readLine(); err != nil {
		return nil, err
	}
	blank := strings.TrimSpace(m.Name) == ""
	for _, h := range []*string{&m.Program, &m.Comment} {
		if *h, err = r.readLine(); err == io.EOF && blank {
			return nil, io.EOF // trailing blank lines after the last record
		} else if err == io.EOF {
			r.line++
			return nil, r.errf("truncated record: the file ends in the header block")
		} else if err != nil {
			return nil, err
		}
		blank = blank && strings.TrimSpace(*h) == ""
	}
	counts, err := r.readLine()
	if blank && (err == io.EOF || err == nil && strings.TrimSpace(counts) == "") {
		if err := r.blankToEnd(counts); err != nil {
			return nil, err
		}
		return nil, io.EOF // trailing blank lines after the last record
	}
	if err == io.EOF {
		r.line++
		return nil, r.errf("truncated record: the file ends where the counts line was expected")
	} else if err != nil {
		return nil, err
	}
	na, nb, err := r.parseCounts(counts)
	if err != nil {
		return nil, err
	}
	if err := r.atomBlock(m, na); err != nil {
		return nil, err
	}
	if err := r.bondBlock(m, nb); err != nil {
		return nil, err
	}
	if err := r.propertyBlock(m); err != nil {
		return nil, err
	}
	return m, r.dataItems(m)
}

// blankToEnd reads on after a blank header and a blank counts line
// (counts); only blank lines may follow, or the counts line is bad.
func (r *Reader) blankToEnd(counts string) error {
	at := r.line
	for {
		s, err := r.readLine()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if strings.TrimSpace(s) != "" {
			return &ParseError{File: r.name, Line: at, Msg: fmt.Sprintf("bad counts line %q: atom and bond counts expected in columns 1-6", counts)}
		}
	}
}

// parseCounts reads the atom and bond counts of a counts line
// (aaabbblllfffcccsssxxxrrrpppiiimmmvvvvvv).
func (r *Reader) parseCounts(s string) (int, int, error) {
	if strings.Contains(s, "V3000") {
		return 0, 0, r.errf("V3000 molfiles are not supported; convert to V2000 with obabel in.sdf -osdf -O out.sdf (or RDKit's Chem.MolToMolBlock)")
	}
	if len(s) < 6 {
		return 0, 0, r.errf("bad counts line %q: atom and bond counts expected in columns 1-6", s)
	}
	if len(s) >= 34 {
		if v := strings.TrimSpace(s[33:min(len(s), 39)]); v != "" && v != "V2000" {
			return 0, 0, r.errf("bad counts line %q: version %q, want V2000", s, v)
		}
	}
	na, okA := parseUint(s[0:3])
	nb, okB := parseUint(s[3:6])
	if !okA || !okB {
		return 0, 0, r.errf("bad counts line %q: atom and bond counts must be numbers in columns 1-3 and 4-6", s)
	}
	return na, nb, nil
}

// atomBlock reads n atom lines
// (xxxxx.xxxxyyyyy.yyyyzzzzz.zzzz aaaddccc...).
func (r *Reader) atomBlock(m *Molecule, n int) error {
	m.Atoms = make([]Atom, 0, min(n, 64))
	for i := range n {
		s, err := r.need("atom line", i+1, n)
		if err != nil {
			return err
		}
		a, msg := parseAtom(s)
		if msg != "" {
			return r.errf("atom %d: %s", i+1, msg)
		}
		m.Atoms = append(m.Atoms, a)
	}
	return nil
}

// parseAtom parses an atom line, or says what is wrong with it.
func parseAtom(s string) (Atom, string) {
	var a Atom
	if len(s) < 32 {
		return a, fmt.Sprintf("line %q is too short: x, y, z in columns 1-30 and the element symbol in 32-34 expected", s)
	}
	for k, axis := range []string{"x", "y", "z"} {
		f := s[10*k : 10*k+10]
		x, ok := parseNumber(f)
		if !ok {
			return a, fmt.Sprintf("%s coordinate %q (columns %d-%d) is not a number", axis, f, 10*k+1, 10*k+10)
		}
		if msg := checkCoord(x); msg != "" {
			return a, axis + " " + msg
		}
		a.Pos[k] = x
	}
	a.Element = strings.TrimSpace(s[31:min(len(s), 34)])
	if msg := checkElement(a.Element); msg != "" {
		return a, msg
	}
	if len(s) > 34 {
		if f := s[34:min(len(s), 36)]; strings.TrimSpace(f) != "" {
			if _, err := strconv.Atoi(strings.TrimSpace(f)); err != nil {
				return a, fmt.Sprintf("mass difference %q (columns 35-36) is not an integer", f)
			}
		}
	}
	if len(s) > 36 {
		if f := s[36:min(len(s), 39)]; strings.TrimSpace(f) != "" {
			c, ok := parseUint(f)
			if !ok || c > 7 {
				return a, fmt.Sprintf("charge code %q (columns 37-39) is not 0 to 7", f)
			}
			a.Charge = chargeOfCode(c)
		}
	}
	return a, ""
}

// chargeOfCode returns the formal charge of an atom block's charge code
// 0..7: 1, 2, 3 for +3, +2, +1 and 5, 6, 7 for -1, -2, -3; code 4 marks a
// doublet radical, which carries no charge.
func chargeOfCode(c int) int {
	if c == 0 {
		return 0
	}
	return 4 - c
}

// bondBlock reads n bond lines (111222tttsss...).
func (r *Reader) bondBlock(m *Molecule, n int) error {
	m.Bonds = make([]Bond, 0, min(n, 64))
	seen := make(map[[2]int]int, min(n, 64))
	for k := range n {
		s, err := r.need("bond line", k+1, n)
		if err != nil {
			return err
		}
		if len(s) < 9 {
			return r.errf("bond %d: line %q is too short: two atoms and a bond type in columns 1-9 expected", k+1, s)
		}
		a, okA := parseUint(s[0:3])
		b, okB := parseUint(s[3:6])
		t, okT := parseUint(s[6:9])
		if !okA || !okB || !okT {
			return r.errf("bond %d: line %q: atoms and bond type must be numbers in columns 1-3, 4-6 and 7-9", k+1, s)
		}
		if msg := checkBond(a, b, t, len(m.Atoms), seen, k+1); msg != "" {
			return r.errf("bond %d: %s", k+1, msg)
		}
		m.Bonds = append(m.Bonds, Bond{I: a - 1, J: b - 1, Order: t})
	}
	return nil
}

// parseUint parses a right-justified non-negative integer field.
func parseUint(f string) (int, bool) {
	f = strings.TrimSpace(f)
	if f == "" || len(f) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range f {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = 10*n + int(c-'0')
	}
	return n, true
}

// parseNumber parses a decimal number field: an optional sign, digits with
// at most one point, and an optional exponent; Go's other float syntaxes
// (hexadecimal, underscores, Inf, NaN) are refused.
func parseNumber(f string) (float64, bool) {
	f = strings.TrimSpace(f)
	digits, point, exp := 0, false, false
	for i, c := range f {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case (c == '+' || c == '-') && (i == 0 || f[i-1] == 'e' || f[i-1] == 'E'):
		case c == '.' && !point && !exp:
			point = true
		case (c == 'e' || c == 'E') && !exp && digits > 0:
			exp = true
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	x, err := strconv.ParseFloat(f, 64)
	return x, err == nil
}
