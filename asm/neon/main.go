// Command neon generates the arm64 assembly of package kernels and its Go
// declarations, one kernel family per run, float32 and float64, with the
// same family split as the amd64 generators:
//
//	-family elementwise  kernels/elementwise_arm64.s: sqrt, square and the
//	                     vector math functions (vecmath.go)
//	-family level1       kernels/level1_arm64.s: dot, axpy, scale, sum, the
//	                     sum of squares, and the update steps (update.go)
//	-family norm         kernels/norm_arm64.s: moments, scaleShift,
//	                     colMoments
//	-family sphere       kernels/sphere_arm64.s: the sphere kernels' rows
//	                     (sphere.go)
//	-family simplex      kernels/simplex_arm64.s: ToSimplex's row
//	-family gemm         kernels/gemm_arm64.s: the GEMM micro-kernels
//
// avo emits only amd64, so this generator writes Go arm64 assembly itself.
// Go's assembler accepts the loads, stores and VFMLA used here; the vector
// floating-point instructions it rejects (fadd, fmul, fsqrt, faddp) come
// from package a64 as WORD directives with the mnemonic in a comment.
//
// # Two styles
//
// The loop kernels (kspec, loop.go) describe one iteration as operations
// on values (nops, nops.go, which implements the vm.Ops machine that the
// amd64 vector math runs on too); a register allocator assigns the
// registers and hoists the constants, and loopKernel writes the loop over
// blocks of two vectors, the tail (a Go wrapper over a zero-padded copy,
// or the count of elements left) and the Go declaration: vecmath.go,
// update.go and norm.go's scaleShift and colMoments. Write new kernels in
// this style.
//
// The other kernels (level1.go, sphere.go, norm.go's moments,
// elementwise.go's sqrt and square, gemm.go) print instructions on fixed
// registers through the helpers of fixed.go: a main loop over 4 vectors
// (16 float32 or 8 float64) with 4 independent accumulators where it
// reduces, then a scalar tail. They stay so because rewriting them would
// change their generated code, and the GEMM micro-kernel's register
// blocking is fixed by design.
//
//	go run ./neon -family level1 -out ../kernels/level1_arm64.s -stubs ../kernels/level1_arm64.go
//
// (kernels/gen.go has every family's line.)
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/fisherflow/fisherflow/asm/internal/a64"
	"github.com/fisherflow/fisherflow/asm/internal/primtab"
)

// prec is one precision: its Go type, sizes and assembler suffixes.
type prec struct {
	name  string // F32, F64
	typ   string // float32, float64
	size  int
	arr   a64.Arr
	va    string // Go assembler arrangement: S4 or D2
	fmov  string // FMOVS or FMOVD
	fs    string // scalar suffix and lane letter: S or D
	lanes int    // per 128-bit vector
}

var precs = []prec{
	{"F32", "float32", 4, a64.S4, "S4", "FMOVS", "S", 4},
	{"F64", "float64", 8, a64.D2, "D2", "FMOVD", "D", 2},
}

// gen accumulates the assembly and the Go declarations.
type gen struct {
	s, stubs bytes.Buffer
	label    int
}

// familyNames are the families, in the order of kernels' files.
var familyNames = []string{"elementwise", "level1", "norm", "sphere", "simplex", "gemm"}

// families emit the kernels of each family in one precision. ToSphere's
// fast row (sumMin, rootQuot) is float32 only: see rootQuot.
var families = map[string]func(g *gen, p prec){
	"elementwise": func(g *gen, p prec) {
		g.unary(p, "sqrt", "sets dst[i] = sqrt(x[i]), correctly rounded (len(dst) >= len(x)).",
			func(d, n int) a64.Inst { return a64.FSQRT(p.arr, d, n) }, "FSQRT%s F4, F4")
		g.unary(p, "square", "sets dst[i] = x[i]*x[i] (len(dst) >= len(x)).",
			func(d, n int) a64.Inst { return a64.FMUL(p.arr, d, n, n) }, "FMUL%s F4, F4, F4")
		for _, k := range vecmathKernels(p) {
			g.loopKernel(p, k)
		}
	},
	"level1": func(g *gen, p prec) {
		g.dot(p)
		g.axpy(p)
		g.scale(p)
		g.sum(p)
		g.sumSq(p)
		g.loopKernel(p, scaleNegKernel())
		g.loopKernel(p, adamWKernel())
	},
	"norm": func(g *gen, p prec) {
		g.moments(p)
		g.loopKernel(p, scaleShiftKernel())
		g.loopKernel(p, colMomentsKernel())
	},
	"sphere": func(g *gen, p prec) {
		if p.arr == a64.S4 {
			g.sumMin(p)
		}
		g.divOp(p, "divSqrt", "sets dst[i] = sqrt(x[i]/s), in float64.", false)
		if p.arr == a64.S4 {
			g.rootQuot(p)
		}
		g.diffSumSq(p)
		g.axpby(p)
		g.logMapRow(p)
	},
	"simplex": func(g *gen, p prec) {
		g.divOp(p, "divSquare", "sets dst[i] = x[i]^2/s, in float64.", true)
	},
	"gemm": func(g *gen, p prec) { g.gemm(p) },
}

func main() {
	out := flag.String("out", "", "assembly output file")
	stubs := flag.String("stubs", "", "Go declarations output file")
	pkg := flag.String("pkg", "kernels", "package of the stubs")
	family := flag.String("family", "level1", "kernels to write: "+strings.Join(familyNames, ", "))
	flag.Parse()
	emitFamily, ok := families[*family]
	if *out == "" || *stubs == "" || !ok {
		log.Fatalf("usage: neon -family %s -out file.s -stubs file.go [-pkg name]", strings.Join(familyNames, "|"))
	}
	cmdline := "go run ./neon " + strings.Join(os.Args[1:], " ")
	var g gen
	fmt.Fprintf(&g.s, "// Code generated by command: %s. DO NOT EDIT.\n\n//go:build !purego\n\n#include \"textflag.h\"\n", cmdline)
	fmt.Fprintf(&g.stubs, "// Code generated by command: %s. DO NOT EDIT.\n\n//go:build !purego\n\npackage %s\n", cmdline, *pkg)
	for _, p := range precs {
		emitFamily(&g, p)
	}
	if err := os.WriteFile(*out, g.s.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	src, err := neonFamily(*family).Append(g.stubs.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*stubs, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// neonFamily describes the path tables of a family: every kernel but the
// blocks behind a pad wrapper fills the prims field of its name; the GEMM
// micro-kernel fills prims.gemm with its shape.
func neonFamily(name string) primtab.Family {
	return primtab.Family{
		Name:  name,
		Paths: []string{"NEON"},
		Field: func(base string) string {
			switch {
			case strings.HasSuffix(base, "Blocks"):
				return ""
			case base == "gemmKernel":
				return "gemm.fn"
			}
			return base
		},
		Value: func(base, name string) string {
			// The loop kernels take their count from their last input
			// slice; kernels' neonScaleShift and neonColMoments cut it.
			switch base {
			case "scaleShift":
				return "neonScaleShift(" + name + ")"
			case "colMoments":
				return "neonColMoments(" + name + ")"
			}
			return name
		},
		Extra: func(_, prec string) []string {
			if name != "gemm" {
				return nil
			}
			for _, p := range precs {
				if p.name == prec {
					mr, nv := gemmShape(p)
					return []string{fmt.Sprintf("p.gemm.mr, p.gemm.nr = %d, %d", mr, nv*p.lanes)}
				}
			}
			return nil
		},
	}
}
