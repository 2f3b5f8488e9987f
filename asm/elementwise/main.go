// Command elementwise generates kernels/elementwise_amd64.s, the
// elementwise family for AVX2+FMA and AVX-512, float32 and float64: sqrt
// and square (single correctly rounded instructions, 4 vectors per
// iteration), their twins sqrtStream and squareStream with non-temporal
// stores and the storeFence that follows them, and, in vecmath.go, the
// vector math functions exp, sigmoid, log, acos, atan2, sin and cos and
// Sinkhorn's relax and gibbs. -tables also writes the vector math
// constants as Go, for the generic path (kernels/elementwise_tables.go).
package main

import (
	"bytes"
	"flag"
	"log"
	"os"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/emit"
	"github.com/fisherflow/fisherflow/asm/internal/primtab"
	"github.com/fisherflow/fisherflow/asm/internal/vm"
)

func main() {
	tables := flag.String("tables", "", "also write the vector math constants to this Go file")
	ConstraintExpr("!purego")
	for _, k := range emit.Variants() {
		for _, stream := range []bool{false, true} {
			unary(k, "sqrt", "sets dst[i] = sqrt(x[i]).", stream, func(v reg.VecVirtual) { k.Sqrt(v, v) })
			unary(k, "square", "sets dst[i] = x[i]*x[i].", stream, func(v reg.VecVirtual) { k.Mul(v, v, v) })
		}
		vecmath(k)
	}
	emit.Fence("storeFence")
	emit.GenerateFamily(primtab.Family{Name: "elementwise", Paths: amd64Paths,
		Extra: func(path, prec string) []string { return []string{"p.fence = storeFence"} }})
	if *tables != "" {
		var b bytes.Buffer
		cmd := "go run main.go " + strings.Join(os.Args[1:], " ")
		if err := vm.WriteGo(&b, "kernels", cmd); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*tables, b.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// unary emits name (with stream, nameStream: the same with non-temporal
// stores to dst, emit.MapStream, for outputs beyond the caches; the
// caller runs storeFence after it).
func unary(k emit.Kernel, name, doc string, stream bool, op func(v reg.VecVirtual)) {
	name, doc = k.StreamTwin(name, doc+" len(dst) >= len(x).", stream)
	k.Begin(name, "func(dst, x []T)", doc)
	dst, x, n := emit.Ptr("dst"), emit.Ptr("x"), emit.Len("x")
	k.MapOne(stream, n, []reg.GPVirtual{x}, dst, 4, func(in []reg.VecVirtual) []reg.VecVirtual {
		op(in[0])
		return in
	})
	emit.Ret()
}

// amd64Paths are the kernels' path names, in the order of their tables.
var amd64Paths = []string{"AVX2", "AVX512"}
