package safetensors

import (
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/fisherflow/fisherflow/internal/testutil"
)

func sample() []Tensor {
	return []Tensor{
		{Name: "w", Shape: []int{2, 3}, F32: []float32{1, 2, 3, 4, 5, -6.5}},
		{Name: "m", Shape: []int{3}, F64: []float64{0.25, -1e300, 7}},
		{Name: "s", Shape: []int{}, F32: []float32{42}},
	}
}

func TestRoundTrip(t *testing.T) {
	b, err := Marshal(sample(), map[string]string{"format": "pt", "k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	if n := binary.LittleEndian.Uint64(b); (8+n)%8 != 0 {
		t.Errorf("data not 8-byte aligned: header %d bytes", n)
	}
	ts, meta, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ts, sample()) {
		t.Errorf("tensors: got %+v", ts)
	}
	if meta["format"] != "pt" || meta["k"] != "v" {
		t.Errorf("metadata: %v", meta)
	}
}

// TestKnownBytes decodes a file laid out by hand after the format's
// specification, so the reader does not only agree with our writer.
func TestKnownBytes(t *testing.T) {
	ts, _, err := Unmarshal(knownBytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || !reflect.DeepEqual(ts[0].F32, []float32{1, -2}) {
		t.Errorf("got %+v", ts)
	}
}

// knownBytes is a file of one F32 tensor [1, -2] laid out by hand.
func knownBytes() []byte {
	h := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	b = append(b, h...)
	return append(b, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0) // 1.0, -2.0
}

func TestCorrupt(t *testing.T) {
	good, err := Marshal(sample(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Every truncation fails cleanly.
	for n := 0; n < len(good); n++ {
		if _, _, err := Unmarshal(good[:n]); !errors.Is(err, ErrFormat) {
			t.Fatalf("truncated to %d bytes: err = %v", n, err)
		}
	}
	// Flipping any header byte either fails cleanly or still decodes.
	hl := int(binary.LittleEndian.Uint64(good)) + 8
	for i := 0; i < hl; i++ {
		b := append([]byte(nil), good...)
		b[i] ^= 0x5a
		if _, _, err := Unmarshal(b); err != nil && !errors.Is(err, ErrFormat) {
			t.Fatalf("byte %d flipped: err = %v", i, err)
		}
	}
	if _, _, err := Unmarshal(append(good, 0)); !errors.Is(err, ErrFormat) {
		t.Errorf("trailing byte accepted: %v", err)
	}
	for _, h := range oddHeaders {
		if _, _, err := Unmarshal(withHeader(h)); !errors.Is(err, ErrFormat) {
			t.Errorf("header %s accepted: %v", h, err)
		}
	}
}

func TestMarshalErrors(t *testing.T) {
	for _, ts := range [][]Tensor{
		{{Name: "", F32: []float32{1}, Shape: []int{1}}},
		{{Name: "a", F32: []float32{1}, Shape: []int{2}}},
		{{Name: "a", F32: []float32{1}, F64: []float64{1}, Shape: []int{1}}},
		{{Name: "a", F32: []float32{1}, Shape: []int{1}}, {Name: "a", F32: []float32{1}, Shape: []int{1}}},
	} {
		if _, err := Marshal(ts, nil); err == nil {
			t.Errorf("%+v: no error", ts)
		}
	}
}

// TestNumpyReadsIt parses our file with an independent reader written
// from the format description in Python/numpy, when python3-numpy is
// installed.
func TestNumpyReadsIt(t *testing.T) {
	py := testutil.Python(t, "numpy")
	b, err := Marshal(sample(), map[string]string{"format": "pt"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "x.safetensors")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import json, struct, sys, numpy as np
b = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8+n]); data = b[8+n:]
for k in sorted(h):
    if k == "__metadata__": continue
    e = h[k]; lo, hi = e["data_offsets"]
    a = np.frombuffer(data[lo:hi], dtype={"F32": "<f4", "F64": "<f8"}[e["dtype"]]).reshape(e["shape"])
    print(k, a.dtype, list(a.shape), a.ravel().tolist())
`
	out, err := exec.Command(py, "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := "m float64 [3] [0.25, -1e+300, 7.0]\ns float32 [] [42.0]\nw float32 [2, 3] [1.0, 2.0, 3.0, 4.0, 5.0, -6.5]\n"
	if string(out) != want {
		t.Errorf("numpy read:\n%s\nwant:\n%s", out, want)
	}
}
