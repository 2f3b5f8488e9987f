package seqio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fisherflow/fisherflow/internal/testutil"
)

// npy builds a version-1 .npy file by the format description.
func npy(descr, shape string, data []byte) []byte {
	h := "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"
	for (10+len(h)+1)%64 != 0 {
		h += " "
	}
	h += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	return append(append(b, h...), data...)
}

func TestParseNPY(t *testing.T) {
	good, _ := smallF32()
	a, err := ParseNPY(good)
	if err != nil || len(a.Shape) != 2 || a.Shape[0] != 2 || a.Shape[1] != 3 || a.Data[5] != 5.5 {
		t.Fatalf("float32 (2, 3): %+v, %v", a, err)
	}
	if a, err := ParseNPY(bigF64()); err != nil || a.Data[1] != -2.25 || len(a.Shape) != 1 {
		t.Fatalf("big-endian float64: %+v, %v", a, err)
	}
	for name, b := range badNPY() {
		if _, err := ParseNPY(b); !errors.Is(err, ErrNPY) {
			t.Errorf("%s: error %v, want ErrNPY", name, err)
		}
	}
}

// smallF32 is a valid (2, 3) float32 file, bigF64 a big-endian (2,)
// float64 one.
func smallF32() ([]byte, []byte) {
	f32 := make([]byte, 4*6)
	for i := 0; i < 6; i++ {
		binary.LittleEndian.PutUint32(f32[4*i:], math.Float32bits(float32(i)+0.5))
	}
	return npy("<f4", "(2, 3)", f32), f32
}

func bigF64() []byte {
	f64 := make([]byte, 8*2)
	binary.BigEndian.PutUint64(f64[8:], math.Float64bits(-2.25))
	return npy(">f8", "(2,)", f64)
}

// badNPY are the files ParseNPY refuses, by what is wrong with them.
func badNPY() map[string][]byte {
	good, f32 := smallF32()
	return map[string][]byte{
		"int64":     npy("<i8", "(2, 3)", make([]byte, 48)),
		"fortran":   []byte(string(good[:10]) + "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n" + string(f32)),
		"short":     good[:len(good)-1],
		"long":      append(append([]byte(nil), good...), 0),
		"magic":     append([]byte("NUMPY!"), good[6:]...),
		"version":   append(append([]byte(nil), good[:6]...), append([]byte{9, 0}, good[8:]...)...),
		"shape":     npy("<f4", "(2, -3)", f32),
		"no header": good[:12],
	}
}

// numpy writes a (2, 3, 2) float64 and a (3, 4) float32 signal; ReadNPY
// reads them back, when python3-numpy is installed.
func TestReadNPYFromNumpy(t *testing.T) {
	py := testutil.Python(t, "numpy")
	dir := t.TempDir()
	script := `import numpy as np, sys
np.save(sys.argv[1], np.arange(12, dtype=np.float64).reshape(2, 3, 2) / 4)
np.save(sys.argv[2], (np.arange(12, dtype=np.float32).reshape(3, 4) - 5))
`
	a, b := filepath.Join(dir, "a.npy"), filepath.Join(dir, "b.npy")
	if out, err := exec.Command(py, "-c", script, a, b).CombinedOutput(); err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	x, err := ReadNPY(a)
	if err != nil || len(x.Shape) != 3 || x.Shape[2] != 2 || x.Data[11] != 2.75 {
		t.Fatalf("a.npy: %+v, %v", x, err)
	}
	y, err := ReadNPY(b)
	if err != nil || len(y.Shape) != 2 || y.Shape[1] != 4 || y.Data[0] != -5 || y.Data[11] != 6 {
		t.Fatalf("b.npy: %+v, %v", y, err)
	}
	if _, err := ReadNPY(filepath.Join(dir, "missing.npy")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

// WriteNPY's files read back, here and (when installed) in numpy.
func TestWriteNPY(t *testing.T) {
	for _, shape := range [][]int{{3}, {2, 3}, {2, 1, 3}, {0, 4}} {
		n := 1
		for _, s := range shape {
			n *= s
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(i) - 1.25
		}
		var b bytes.Buffer
		if err := WriteNPY(&b, shape, data); err != nil {
			t.Fatal(err)
		}
		a, err := ParseNPY(b.Bytes())
		if err != nil || !reflect.DeepEqual(a.Shape, shape) || len(a.Data) != n {
			t.Fatalf("shape %v: %+v %v", shape, a, err)
		}
		for i, v := range a.Data {
			if v != float64(data[i]) {
				t.Fatalf("shape %v: value %d is %v, want %v", shape, i, v, data[i])
			}
		}
	}
	if err := WriteNPY(io.Discard, []int{2, 2}, make([]float32, 3)); err == nil {
		t.Fatal("3 values for shape (2, 2) accepted")
	}
	py := testutil.Python(t, "numpy")
	path := filepath.Join(t.TempDir(), "s.npy")
	var b bytes.Buffer
	WriteNPY(&b, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6.5})
	os.WriteFile(path, b.Bytes(), 0o644)
	out, err := exec.Command(py, "-c", "import numpy, sys; a = numpy.load(sys.argv[1]); print(a.dtype, a.shape, a[1, 2])", path).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "float32 (2, 3) 6.5" {
		t.Fatalf("numpy reads %q", got)
	}
}
