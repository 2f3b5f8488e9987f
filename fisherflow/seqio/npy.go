package seqio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// ErrNPY is wrapped by every error about the content of a .npy file.
var ErrNPY = errors.New("not a supported .npy array")

// Array is a numeric array read from a .npy file, in C (row-major) order.
type Array struct {
	Shape []int
	Data  []float64
}

// ReadNPY reads a .npy file (NumPy's format, versions 1 to 3) of
// little- or big-endian float32 or float64, in C order, such as a
// per-position conditioning signal of shape (n, L) or (n, L, c). Values
// are returned as float64. Anything else (other types, Fortran order,
// object arrays, a truncated or padded file) is an error wrapping ErrNPY
// that names the file.
func ReadNPY(path string) (*Array, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	a, err := ParseNPY(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

var (
	npyDescr   = regexp.MustCompile(`'descr'\s*:\s*'([<>|=])(f4|f8)'`)
	npyFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	npyShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// ParseNPY parses the bytes of a .npy file; see ReadNPY.
func ParseNPY(b []byte) (*Array, error) {
	if len(b) < 10 || !bytes.Equal(b[:6], []byte("\x93NUMPY")) {
		return nil, fmt.Errorf("%w: no .npy magic", ErrNPY)
	}
	major := b[6]
	var hlen, start int
	switch major {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return nil, fmt.Errorf("%w: truncated header", ErrNPY)
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:12])), 12
	default:
		return nil, fmt.Errorf("%w: format version %d", ErrNPY, major)
	}
	if start+hlen > len(b) {
		return nil, fmt.Errorf("%w: header of %d bytes in a file of %d", ErrNPY, hlen, len(b))
	}
	header := string(b[start : start+hlen])
	body := b[start+hlen:]

	d := npyDescr.FindStringSubmatch(header)
	if d == nil {
		return nil, fmt.Errorf("%w: dtype in %q is not float32 or float64", ErrNPY, strings.TrimSpace(header))
	}
	if f := npyFortran.FindStringSubmatch(header); f == nil || f[1] != "False" {
		return nil, fmt.Errorf("%w: Fortran-ordered or unknown order in %q", ErrNPY, strings.TrimSpace(header))
	}
	sm := npyShape.FindStringSubmatch(header)
	if sm == nil {
		return nil, fmt.Errorf("%w: no shape in %q", ErrNPY, strings.TrimSpace(header))
	}
	var shape []int
	n := 1
	for _, f := range strings.Split(sm[1], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("%w: shape (%s)", ErrNPY, sm[1])
		}
		shape = append(shape, v)
		if v > 0 && n > math.MaxInt/8/v {
			return nil, fmt.Errorf("%w: shape (%s) too large", ErrNPY, sm[1])
		}
		n *= v
	}
	size := map[string]int{"f4": 4, "f8": 8}[d[2]]
	if len(body) != n*size {
		return nil, fmt.Errorf("%w: %d bytes of data for shape (%s) of %s, want %d", ErrNPY, len(body), sm[1], d[2], n*size)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if d[1] == ">" {
		order = binary.BigEndian
	}
	a := &Array{Shape: shape, Data: make([]float64, n)}
	for i := range a.Data {
		if size == 4 {
			a.Data[i] = float64(math.Float32frombits(order.Uint32(body[4*i:])))
		} else {
			a.Data[i] = math.Float64frombits(order.Uint64(body[8*i:]))
		}
	}
	return a, nil
}

// WriteNPY writes data as a version-1 .npy file of little-endian float32
// in C order with the given shape (such as a conditioning signal of shape
// (n, L)); the product of shape must be len(data).
func WriteNPY(w io.Writer, shape []int, data []float32) error {
	n := 1
	dims := make([]string, len(shape))
	for i, s := range shape {
		if s < 0 {
			return fmt.Errorf("WriteNPY: negative dimension in shape %v", shape)
		}
		n *= s
		dims[i] = strconv.Itoa(s)
	}
	if n != len(data) {
		return fmt.Errorf("WriteNPY: shape %v holds %d values, got %d", shape, n, len(data))
	}
	tuple := strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	h := "{'descr': '<f4', 'fortran_order': False, 'shape': (" + tuple + "), }"
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	if len(h) > 65535 {
		return fmt.Errorf("WriteNPY: shape %v: header too long", shape)
	}
	b := make([]byte, 0, 10+len(h)+4*len(data))
	b = append(b, "\x93NUMPY\x01\x00"...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	b = append(b, h...)
	for _, v := range data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	_, err := w.Write(b)
	return err
}
