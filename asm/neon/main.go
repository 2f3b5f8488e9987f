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
// Every kernel runs a main loop over 4 vectors (16 float32 or 8 float64)
// with 4 independent accumulators where it reduces, then a scalar tail.
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

func (g *gen) f(format string, args ...any) { fmt.Fprintf(&g.s, "\t"+format+"\n", args...) }
func (g *gen) w(in a64.Inst)                { g.f("%s", in.Go()) }
func (g *gen) lbl(name string) string {
	g.label++
	return fmt.Sprintf("%s_%d", name, g.label)
}
func (g *gen) at(l string) { fmt.Fprintf(&g.s, "%s:\n", l) }

// fn starts a function: its TEXT line, its frame size, its Go signature
// and doc comment for the stubs file.
func (g *gen) fn(name string, frame int, sig, doc string) {
	fmt.Fprintf(&g.s, "\n// func %s%s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", name, sig, name, frame)
	fmt.Fprintf(&g.stubs, "\n// %s %s\n//\n//go:noescape\nfunc %s%s\n", name, doc, name, sig)
}

// vlist is the register list [Va.A, Va+1.A, Va+2.A, Va+3.A].
func vlist(first int, arr string) string {
	var r []string
	for i := 0; i < 4; i++ {
		r = append(r, fmt.Sprintf("V%d.%s", first+i, arr))
	}
	return "[" + strings.Join(r, ", ") + "]"
}

// The kernels use V0-V3 as accumulators, V4-V7 and V16-V19 for data and
// V30/V31 for a broadcast scalar; R0-R2 hold pointers and the count.

// zero clears the vector registers regs.
func (g *gen) zero(regs ...int) {
	for _, r := range regs {
		g.f("VEOR V%d.B16, V%d.B16, V%d.B16", r, r, r)
	}
}

// bcast loads the scalar argument arg (of type p, "name+offset") into
// F(r) and all lanes of V(v).
func (g *gen) bcast(p prec, arg string, r, v int) {
	g.f("%s %s(FP), F%d", p.fmov, arg, r)
	g.f("VDUP V%d.%s[0], V%d.%s", r, p.fs, v, p.va)
}

// reduce adds the four accumulators into lane 0 of V0 (= F0).
func (g *gen) reduce(p prec) { g.fold(p, 0, a64.FADD, a64.FADDP, a64.FADDPScalar) }

// fold combines the four vectors V(v)..V(v+3) by op into lane 0 of V(v):
// op across the vectors, then pair (float32) and scalar across the lanes.
func (g *gen) fold(p prec, v int, op, pair func(a64.Arr, int, int, int) a64.Inst, scalar func(a64.Arr, int, int) a64.Inst) {
	g.w(op(p.arr, v, v, v+1))
	g.w(op(p.arr, v+2, v+2, v+3))
	g.w(op(p.arr, v, v, v+2))
	if p.arr == a64.S4 {
		g.w(pair(p.arr, v, v, v))
	}
	g.w(scalar(p.arr, v, v))
}

// loop emits a main loop over the R2 elements, step per iteration
// (body), then mid if not nil (a reduction of the accumulators), then the
// scalar tail, one element at a time.
func (g *gen) loop(step int, body, mid, tail func()) {
	main, red, rest, done := g.lbl("loop"), g.lbl("mid"), g.lbl("tail"), g.lbl("done")
	g.at(main)
	g.f("CMP $%d, R2", step)
	g.f("BLT %s", red)
	body()
	g.f("SUB $%d, R2", step)
	g.f("B %s", main)
	g.at(red)
	if mid != nil {
		mid()
	}
	g.at(rest)
	g.f("CBZ R2, %s", done)
	tail()
	g.f("SUB $1, R2")
	g.f("B %s", rest)
	g.at(done)
}

func (g *gen) dot(p prec) {
	name := "dotNEON" + p.name
	g.fn(name, 48+p.size, fmt.Sprintf("(x []%s, y []%s) (r %s)", p.typ, p.typ, p.typ), "returns sum x[i]*y[i] (len(y) >= len(x)).")
	g.f("MOVD x_base+0(FP), R0")
	g.f("MOVD x_len+8(FP), R2")
	g.f("MOVD y_base+24(FP), R1")
	g.zero(0, 1, 2, 3)
	// The scalar tail accumulates into F0 after the vector sums are
	// reduced into it.
	g.loop(4*p.lanes, func() {
		g.f("VLD1.P %d(R0), %s", 4*16, vlist(4, p.va))
		g.f("VLD1.P %d(R1), %s", 4*16, vlist(16, p.va))
		for i := 0; i < 4; i++ {
			g.f("VFMLA V%d.%s, V%d.%s, V%d.%s", 4+i, p.va, 16+i, p.va, i, p.va)
		}
	}, func() { g.reduce(p) }, func() {
		g.f("%s.P %d(R0), F4", p.fmov, p.size)
		g.f("%s.P %d(R1), F5", p.fmov, p.size)
		g.f("FMADD%s F5, F0, F4, F0", p.fs)
	})
	g.f("%s F0, r+48(FP)", p.fmov)
	g.f("RET")
}

func (g *gen) sum(p prec) {
	name := "sumNEON" + p.name
	g.fn(name, 24+p.size, fmt.Sprintf("(x []%s) (r %s)", p.typ, p.typ), "returns sum x[i].")
	g.f("MOVD x_base+0(FP), R0")
	g.f("MOVD x_len+8(FP), R2")
	g.zero(0, 1, 2, 3)
	g.loop(4*p.lanes, func() {
		g.f("VLD1.P %d(R0), %s", 4*16, vlist(4, p.va))
		for i := 0; i < 4; i++ {
			g.w(a64.FADD(p.arr, i, i, 4+i))
		}
	}, func() { g.reduce(p) }, func() {
		g.f("%s.P %d(R0), F4", p.fmov, p.size)
		g.f("FADD%s F4, F0, F0", p.fs)
	})
	g.f("%s F0, r+24(FP)", p.fmov)
	g.f("RET")
}

// sumMin is sum with the smallest nonzero element beside it (ToSphere's
// fast-row test, as asm/level1's sumMin on amd64; float32 only, as
// rootQuot): the same accumulators and order as sum, so r is sum's to the
// bit; each vector's zero lanes become +Inf (fcmeq, bsl) before four
// running minima (V20-V23).
func (g *gen) sumMin(p prec) {
	name := "sumMinNEON" + p.name
	g.fn(name, 24+2*p.size, fmt.Sprintf("(x []%s) (r %s, mn %s)", p.typ, p.typ, p.typ),
		"returns sum x[i] (as sum does) and the smallest nonzero x[i] (+Inf if there is none).")
	g.f("MOVD x_base+0(FP), R0")
	g.f("MOVD x_len+8(FP), R2")
	g.zero(0, 1, 2, 3, 25)
	if p.arr == a64.S4 {
		g.f("MOVW $0x7f800000, R3")
	} else {
		g.f("MOVD $0x7ff0000000000000, R3")
	}
	g.f("VDUP R3, V24.%s", p.va) // +Inf
	for i := 0; i < 4; i++ {
		g.f("VORR V24.B16, V24.B16, V%d.B16", 20+i)
	}
	g.loop(4*p.lanes, func() {
		g.f("VLD1.P %d(R0), %s", 4*16, vlist(4, p.va))
		for i := 0; i < 4; i++ {
			g.w(a64.FADD(p.arr, i, i, 4+i))
		}
		for i := 0; i < 4; i++ {
			g.w(a64.FCMEQ(p.arr, 16+i, 4+i, 25))             // lanes == 0
			g.f("VBSL V%d.B16, V24.B16, V%d.B16", 4+i, 16+i) // +Inf there, x elsewhere
			g.w(a64.FMIN(p.arr, 20+i, 20+i, 16+i))
		}
	}, func() {
		g.reduce(p)
		g.fold(p, 20, a64.FMIN, a64.FMINP, a64.FMINPScalar)
	}, func() {
		g.f("%s.P %d(R0), F4", p.fmov, p.size)
		g.f("FADD%s F4, F0, F0", p.fs)
		g.f("FCMP%s $(0.0), F4", p.fs)
		g.f("FCSEL%s EQ, F24, F4, F5", p.fs) // +Inf for a zero
		g.f("FMIN%s F5, F20, F20", p.fs)
	})
	g.f("%s F0, r+24(FP)", p.fmov)
	g.f("%s F20, mn+%d(FP)", p.fmov, 24+p.size)
	g.f("RET")
}

func (g *gen) axpy(p prec) {
	name := "axpyNEON" + p.name
	g.fn(name, 56, fmt.Sprintf("(alpha %s, x []%s, y []%s)", p.typ, p.typ, p.typ), "sets y[i] += alpha*x[i] (len(y) >= len(x)).")
	g.bcast(p, "alpha+0", 30, 31)
	g.f("MOVD x_base+8(FP), R0")
	g.f("MOVD x_len+16(FP), R2")
	g.f("MOVD y_base+32(FP), R1")
	g.loop(4*p.lanes, func() {
		g.f("VLD1.P %d(R0), %s", 4*16, vlist(4, p.va))
		g.f("VLD1 (R1), %s", vlist(16, p.va))
		for i := 0; i < 4; i++ {
			g.f("VFMLA V%d.%s, V31.%s, V%d.%s", 4+i, p.va, p.va, 16+i, p.va)
		}
		g.f("VST1.P %s, %d(R1)", vlist(16, p.va), 4*16)
	}, nil, func() {
		g.f("%s.P %d(R0), F4", p.fmov, p.size)
		g.f("%s (R1), F5", p.fmov)
		g.f("FMADD%s F4, F5, F30, F5", p.fs)
		g.f("%s.P F5, %d(R1)", p.fmov, p.size)
	})
	g.f("RET")
}

func (g *gen) scale(p prec) {
	name := "scaleNEON" + p.name
	g.fn(name, 32, fmt.Sprintf("(alpha %s, x []%s)", p.typ, p.typ), "sets x[i] *= alpha.")
	g.bcast(p, "alpha+0", 30, 31)
	g.f("MOVD x_base+8(FP), R0")
	g.f("MOVD x_len+16(FP), R2")
	g.loop(4*p.lanes, func() {
		g.f("VLD1 (R0), %s", vlist(4, p.va))
		for i := 0; i < 4; i++ {
			g.w(a64.FMUL(p.arr, 4+i, 4+i, 31))
		}
		g.f("VST1.P %s, %d(R0)", vlist(4, p.va), 4*16)
	}, nil, func() {
		g.f("%s (R0), F4", p.fmov)
		g.f("FMUL%s F30, F4, F4", p.fs)
		g.f("%s.P F4, %d(R0)", p.fmov, p.size)
	})
	g.f("RET")
}

// unary emits dst[i] = op(x[i]) over len(x) elements.
func (g *gen) unary(p prec, base, doc string, vec func(d, n int) a64.Inst, scalar string) {
	name := base + "NEON" + p.name
	g.fn(name, 48, fmt.Sprintf("(dst []%s, x []%s)", p.typ, p.typ), doc)
	g.f("MOVD dst_base+0(FP), R1")
	g.f("MOVD x_base+24(FP), R0")
	g.f("MOVD x_len+32(FP), R2")
	g.loop(4*p.lanes, func() {
		g.f("VLD1.P %d(R0), %s", 4*16, vlist(4, p.va))
		for i := 0; i < 4; i++ {
			g.w(vec(4+i, 4+i))
		}
		g.f("VST1.P %s, %d(R1)", vlist(4, p.va), 4*16)
	}, nil, func() {
		g.f("%s.P %d(R0), F4", p.fmov, p.size)
		g.f(scalar, p.fs)
		g.f("%s.P F4, %d(R1)", p.fmov, p.size)
	})
	g.f("RET")
}

// gemmShape is the micro-kernel tile: MR rows of A (broadcast by element
// from MR/lanes vectors) times NV vectors of B, MR x NV accumulators in
// V8..V31 (24 of the 32 registers), the A and B vectors below them:
//
//	float32: 8 x 3 vectors = 8 x 12; A in V0-V1, B in V2-V4.
//	float64: 8 x 3 vectors = 8 x 6;  A in V0-V3, B in V4-V6.
//
// Per k step: MR/lanes + 3 vector loads for 24 FMLAs by element, which
// keeps two FMA pipes busy on cores with two to four 128-bit pipes
// (Neoverse N1/V1/V2, Apple M1-M4) without running out of load ports.
func gemmShape(p prec) (mr, nv int) { return 8, 3 }

func (g *gen) gemm(p prec) {
	mr, nv := gemmShape(p)
	nr := nv * p.lanes
	na := mr / p.lanes // A vectors per k step
	name := "gemmKernelNEON" + p.name
	g.fn(name, 40+p.size, fmt.Sprintf("(kc int, a *%s, b *%s, c *%s, ldc int, alpha %s)", p.typ, p.typ, p.typ, p.typ),
		fmt.Sprintf("adds alpha * A * B to the %dx%d tile at c (row stride ldc elements); a is a packed %d x kc panel, b a packed kc x %d panel.", mr, nr, mr, nr))
	g.f("MOVD kc+0(FP), R2")
	g.f("MOVD a+8(FP), R0")
	g.f("MOVD b+16(FP), R1")
	acc := func(i, j int) int { return 8 + nv*i + j }
	for i := 0; i < mr; i++ {
		for j := 0; j < nv; j++ {
			g.zero(acc(i, j))
		}
	}
	bv := na // first B register
	loop, done := g.lbl("loop"), g.lbl("done")
	g.at(loop)
	g.f("CBZ R2, %s", done)
	aregs := make([]string, na)
	for i := range aregs {
		aregs[i] = fmt.Sprintf("V%d.%s", i, p.va)
	}
	g.f("VLD1.P %d(R0), [%s]", na*16, strings.Join(aregs, ", "))
	bregs := make([]string, nv)
	for j := range bregs {
		bregs[j] = fmt.Sprintf("V%d.%s", bv+j, p.va)
	}
	g.f("VLD1.P %d(R1), [%s]", nv*16, strings.Join(bregs, ", "))
	for i := 0; i < mr; i++ {
		for j := 0; j < nv; j++ {
			g.w(a64.FMLAElem(p.arr, acc(i, j), bv+j, i/p.lanes, i%p.lanes))
		}
	}
	g.f("SUB $1, R2")
	g.f("B %s", loop)
	g.at(done)
	// C += alpha * acc, row by row, through the B registers.
	g.f("MOVD c+24(FP), R3")
	g.f("MOVD ldc+32(FP), R4")
	g.f("LSL $%d, R4", map[int]int{4: 2, 8: 3}[p.size])
	g.bcast(p, "alpha+40", 7, 7)
	for i := 0; i < mr; i++ {
		g.f("VLD1 (R3), [%s]", strings.Join(bregs, ", "))
		for j := 0; j < nv; j++ {
			g.f("VFMLA V%d.%s, V7.%s, V%d.%s", acc(i, j), p.va, p.va, bv+j, p.va)
		}
		g.f("VST1 [%s], (R3)", strings.Join(bregs, ", "))
		if i+1 < mr {
			g.f("ADD R4, R3")
		}
	}
	g.f("RET")
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
