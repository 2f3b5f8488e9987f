package safetensors

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/fisherflow/fisherflow/internal/testutil"
)

// FuzzUnmarshal decodes arbitrary bytes: no panic, allocation in
// proportion to the input, errors that wrap ErrFormat, and what decodes
// encodes and decodes again to the same tensors and metadata.
func FuzzUnmarshal(f *testing.F) {
	good, err := Marshal(sample(), map[string]string{"format": "pt", "k": "v"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(knownBytes())
	// TestCorrupt's files: truncations, a flipped header byte, a trailing byte.
	hl := int(binary.LittleEndian.Uint64(good)) + 8
	for _, n := range []int{0, 7, 8, hl - 1, hl, len(good) - 1} {
		f.Add(good[:n])
	}
	flipped := append([]byte(nil), good...)
	flipped[hl/2] ^= 0x5a
	f.Add(flipped)
	f.Add(append(append([]byte(nil), good...), 0))
	for _, h := range oddHeaders {
		f.Add(withHeader(h))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var ts []Tensor
		var meta map[string]string
		var err error
		alloc := testutil.Allocated(func() { ts, meta, err = Unmarshal(data) })
		// The JSON decoder's buffers and maps, then the values (a float32
		// tensor takes as many bytes as its data).
		if limit := uint64(1<<20 + 64*len(data)); alloc > limit {
			t.Fatalf("decoding %d bytes allocated %d", len(data), alloc)
		}
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		b, err := Marshal(ts, meta)
		if err != nil {
			t.Fatalf("decoded tensors do not encode: %v", err)
		}
		ts2, meta2, err := Unmarshal(b)
		if err != nil {
			t.Fatalf("re-encoded file does not decode: %v", err)
		}
		checkSame(t, ts, ts2)
		if len(meta) != len(meta2) {
			t.Fatalf("metadata %v decodes again as %v", meta, meta2)
		}
		for k, v := range meta {
			if meta2[k] != v {
				t.Fatalf("metadata %q: %q decodes again as %q", k, v, meta2[k])
			}
		}
	})
}

// checkSame compares tensors bit for bit (a NaN keeps its payload).
func checkSame(t *testing.T, a, b []Tensor) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d tensors decode again as %d", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Name != y.Name || x.DType() != y.DType() || len(x.Shape) != len(y.Shape) || x.len() != y.len() {
			t.Fatalf("tensor %q %s %v decodes again as %q %s %v", x.Name, x.DType(), x.Shape, y.Name, y.DType(), y.Shape)
		}
		for j := range x.Shape {
			if x.Shape[j] != y.Shape[j] {
				t.Fatalf("tensor %q: shape %v decodes again as %v", x.Name, x.Shape, y.Shape)
			}
		}
		for j := range x.F32 {
			if math.Float32bits(x.F32[j]) != math.Float32bits(y.F32[j]) {
				t.Fatalf("tensor %q: value %d changed", x.Name, j)
			}
		}
		for j := range x.F64 {
			if math.Float64bits(x.F64[j]) != math.Float64bits(y.F64[j]) {
				t.Fatalf("tensor %q: value %d changed", x.Name, j)
			}
		}
	}
}

// oddHeaders are headers the reader once accepted and the writer cannot
// write: an empty tensor name, and bytes after the JSON object.
var oddHeaders = []string{
	`{"":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}`,
	`{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}x`,
}

// withHeader is a file of header h and no data.
func withHeader(h string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, uint64(len(h))), h...)
}
