// Package primtab writes a kernel family's path tables into its generated
// Go stubs: for each path and precision (ISA + F32 or F64) whose kernels
// the stubs declare, a function familyPrims<Path><Prec>(p *prims[T]) that
// sets the family's fields of package kernels' prims[T] (one struct per
// family, kernels/dispatch_simd.go) to those kernels. A kernel named
// base+Path+Prec fills the field base, unless the generator maps it
// elsewhere; kernels' archPaths lists the familyPrims<Path> of each path,
// so no table of kernel names is kept by hand.
package primtab

import (
	"bytes"
	"fmt"
	"go/format"
	"regexp"
	"strings"
)

// Family describes one family's tables.
type Family struct {
	// Name prefixes the functions: Name+"Prims"+Path+Prec.
	Name string
	// Paths are the path names the kernels' names carry (AVX2, AVX512;
	// NEON), in the order the functions are written.
	Paths []string
	// Field, if set, maps a kernel's base name to the prims field it
	// fills, or to "" to leave it out; the default is the base name.
	Field func(base string) string
	// Value, if set, wraps a kernel's name in a Go expression (an
	// adapter), given its base name; the default is the name itself.
	Value func(base, name string) string
	// Extra, if set, returns more assignments for one table, after the
	// kernels' (constants such as a micro-kernel's shape).
	Extra func(path, prec string) []string
}

// decl matches a stub's function declaration.
var decl = regexp.MustCompile(`(?m)^func ([a-z][A-Za-z0-9]*?)(AVX2|AVX512|NEON)(F32|F64)\(`)

// Append returns stubs with the family's table functions added, gofmt'd.
func (f Family) Append(stubs []byte) ([]byte, error) {
	type key struct{ path, prec string }
	fields := map[key][]string{}
	for _, m := range decl.FindAllSubmatch(stubs, -1) {
		base, path, prec := string(m[1]), string(m[2]), string(m[3])
		field := base
		if f.Field != nil {
			field = f.Field(base)
		}
		if field == "" {
			continue
		}
		name := base + path + prec
		value := name
		if f.Value != nil {
			value = f.Value(base, name)
		}
		k := key{path, prec}
		fields[k] = append(fields[k], fmt.Sprintf("p.%s = %s", field, value))
	}
	var b bytes.Buffer
	b.Write(stubs)
	for _, path := range f.Paths {
		if len(fields[key{path, "F32"}]) == 0 || len(fields[key{path, "F64"}]) == 0 {
			return nil, fmt.Errorf("primtab: family %s has no %s kernels of one precision", f.Name, path)
		}
		fn := f.Name + "Prims" + path
		fmt.Fprintf(&b, "\n// %s sets the %s fields of the %s path's prims, both precisions.\nfunc %s(p32 *prims[float32], p64 *prims[float64]) {\n\t%sF32(p32)\n\t%sF64(p64)\n}\n",
			fn, f.Name, path, fn, fn, fn)
		for _, prec := range []string{"F32", "F64"} {
			lines := fields[key{path, prec}]
			if f.Extra != nil {
				lines = append(lines, f.Extra(path, prec)...)
			}
			typ := map[string]string{"F32": "float32", "F64": "float64"}[prec]
			fn := f.Name + "Prims" + path + prec
			fmt.Fprintf(&b, "\n// %s sets the %s fields of p to the %s %s kernels.\nfunc %s(p *prims[%s]) {\n\t%s\n}\n",
				fn, f.Name, path, typ, fn, typ, strings.Join(lines, "\n\t"))
		}
	}
	return format.Source(b.Bytes())
}
