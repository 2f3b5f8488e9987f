package primtab

import (
	"strings"
	"testing"
)

func TestAppend(t *testing.T) {
	stubs := `package kernels

//go:noescape
func dotAVX2F32(x, y []float32) (r float32)

//go:noescape
func dotAVX2F64(x, y []float64) (r float64)

//go:noescape
func expBlocksAVX2F32(dst, x []float32)

func expAVX2F32(dst, x []float32) {}

func expAVX2F64(dst, x []float64) {}
`
	f := Family{
		Name:  "demo",
		Paths: []string{"AVX2"},
		Field: func(base string) string {
			if strings.HasSuffix(base, "Blocks") {
				return ""
			}
			return base
		},
		Value: func(base, name string) string {
			if base == "exp" {
				return "wrap(" + name + ")"
			}
			return name
		},
		Extra: func(path, prec string) []string { return []string{"p.n = 1"} },
	}
	out, err := f.Append([]byte(stubs))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"func demoPrimsAVX2(p32 *prims[float32], p64 *prims[float64]) {\n\tdemoPrimsAVX2F32(p32)\n\tdemoPrimsAVX2F64(p64)\n}",
		"func demoPrimsAVX2F32(p *prims[float32]) {\n\tp.dot = dotAVX2F32\n\tp.exp = wrap(expAVX2F32)\n\tp.n = 1\n}",
		"func demoPrimsAVX2F64(p *prims[float64]) {\n\tp.dot = dotAVX2F64\n\tp.exp = wrap(expAVX2F64)\n\tp.n = 1\n}",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks\n%s\ngot:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "p.expBlocks") {
		t.Error("a kernel mapped to no field was assigned")
	}
	// A path with one precision missing is an error.
	if _, err := (Family{Name: "demo", Paths: []string{"NEON"}}).Append([]byte(stubs)); err == nil {
		t.Error("no error for a path without kernels")
	}
}
