// Package safetensors reads and writes the safetensors format
// (github.com/huggingface/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON header mapping each tensor name to
// {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the data
// that follows the header) plus an optional "__metadata__" object of
// strings, then the little-endian tensor data.
//
// The reader checks everything a truncated or corrupted file can break
// (header length, JSON, dtypes, shapes against offsets, offsets against
// the file, overlaps) and returns an error instead of panicking.
package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
)

// Tensor is one named tensor. Exactly one of F32 and F64 is set.
type Tensor struct {
	Name  string
	Shape []int
	F32   []float32
	F64   []float64
}

// DType returns the safetensors dtype name, "F32" or "F64".
func (t Tensor) DType() string {
	if t.F64 != nil {
		return "F64"
	}
	return "F32"
}

func (t Tensor) len() int {
	if t.F64 != nil {
		return len(t.F64)
	}
	return len(t.F32)
}

type entry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// maxHeader bounds the header size, as the reference implementation does
// (100 MB), so a corrupted length cannot ask for a huge allocation.
const maxHeader = 100 << 20

// Marshal encodes tensors (in the given order) and metadata.
func Marshal(tensors []Tensor, metadata map[string]string) ([]byte, error) {
	header := map[string]any{}
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var off int64
	for _, t := range tensors {
		if t.Name == "" || t.Name == "__metadata__" {
			return nil, fmt.Errorf("safetensors: invalid tensor name %q", t.Name)
		}
		if _, dup := header[t.Name]; dup {
			return nil, fmt.Errorf("safetensors: duplicate tensor %q", t.Name)
		}
		if (t.F32 == nil) == (t.F64 == nil) && t.len() > 0 {
			return nil, fmt.Errorf("safetensors: tensor %q: set exactly one of F32 and F64", t.Name)
		}
		n := 1
		for _, s := range t.Shape {
			n *= s
		}
		if n != t.len() {
			return nil, fmt.Errorf("safetensors: tensor %q: shape %v holds %d values, data has %d", t.Name, t.Shape, n, t.len())
		}
		size := int64(t.len()) * 4
		if t.F64 != nil {
			size *= 2
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = entry{DType: t.DType(), Shape: shape, Offsets: [2]int64{off, off + size}}
		off += size
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return nil, fmt.Errorf("safetensors: header: %w", err)
	}
	// Pad the header with spaces so the data starts 8-byte aligned.
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	buf := make([]byte, 8, 8+len(hj)+int(off))
	binary.LittleEndian.PutUint64(buf, uint64(len(hj)))
	buf = append(buf, hj...)
	for _, t := range tensors {
		if t.F64 != nil {
			for _, v := range t.F64 {
				buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
			}
		} else {
			for _, v := range t.F32 {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
		}
	}
	return buf, nil
}

// ErrFormat is wrapped by every error about a malformed file.
var ErrFormat = errors.New("not a valid safetensors file")

// Unmarshal decodes a whole file. Tensors come back sorted by data
// offset (the order they were written in).
func Unmarshal(b []byte) ([]Tensor, map[string]string, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
	}
	if len(b) < 8 {
		return nil, nil, bad("%d bytes, shorter than the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n > maxHeader || n > uint64(len(b)-8) {
		return nil, nil, bad("header length %d does not fit in a file of %d bytes", n, len(b))
	}
	hb, data := b[8:8+n], b[8+n:]
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(hb))
	if err := dec.Decode(&raw); err != nil {
		return nil, nil, bad("header JSON: %v", err)
	}
	// Only the padding may follow the object, as the writer pads.
	if rest := bytes.TrimRight(hb[dec.InputOffset():], " "); len(rest) > 0 {
		return nil, nil, bad("%d bytes after the header's JSON object", len(rest))
	}
	var meta map[string]string
	type named struct {
		name string
		e    entry
	}
	var es []named
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &meta); err != nil {
				return nil, nil, bad("__metadata__: %v", err)
			}
			continue
		}
		if name == "" {
			return nil, nil, bad("a tensor without a name")
		}
		var e entry
		if err := json.Unmarshal(msg, &e); err != nil {
			return nil, nil, bad("tensor %q: %v", name, err)
		}
		es = append(es, named{name, e})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].e.Offsets[0] < es[j].e.Offsets[0] })
	var end int64
	out := make([]Tensor, 0, len(es))
	for _, ne := range es {
		e := ne.e
		size := int64(4)
		switch e.DType {
		case "F32":
		case "F64":
			size = 8
		default:
			return nil, nil, bad("tensor %q: dtype %q (this reader knows F32 and F64)", ne.name, e.DType)
		}
		count := int64(1)
		for _, s := range e.Shape {
			if s < 0 || (s > 0 && count > math.MaxInt32/int64(s)) {
				return nil, nil, bad("tensor %q: shape %v", ne.name, e.Shape)
			}
			count *= int64(s)
		}
		lo, hi := e.Offsets[0], e.Offsets[1]
		if lo != end || hi-lo != count*size || hi > int64(len(data)) {
			return nil, nil, bad("tensor %q: offsets [%d, %d) for %d values of %s in %d data bytes (truncated or overlapping)",
				ne.name, lo, hi, count, e.DType, len(data))
		}
		end = hi
		t := Tensor{Name: ne.name, Shape: e.Shape}
		p := data[lo:hi]
		if size == 8 {
			t.F64 = make([]float64, count)
			for i := range t.F64 {
				t.F64[i] = math.Float64frombits(binary.LittleEndian.Uint64(p[8*i:]))
			}
		} else {
			t.F32 = make([]float32, count)
			for i := range t.F32 {
				t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
			}
		}
		out = append(out, t)
	}
	if end != int64(len(data)) {
		return nil, nil, bad("%d data bytes after the last tensor", int64(len(data))-end)
	}
	return out, meta, nil
}
