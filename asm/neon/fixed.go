package main

import (
	"fmt"
	"strings"

	"github.com/fisherflow/fisherflow/asm/internal/a64"
	"github.com/fisherflow/fisherflow/asm/internal/doc"
)

// The fixed-register style's helpers (see the package doc): f prints an
// instruction, w one that package a64 encodes, lbl and at a label, fn a
// function's TEXT line and Go declaration.

func (g *gen) f(format string, args ...any) { fmt.Fprintf(&g.s, "\t"+format+"\n", args...) }

func (g *gen) w(in a64.Inst) { g.f("%s", in.Go()) }

func (g *gen) lbl(name string) string {
	g.label++
	return fmt.Sprintf("%s_%d", name, g.label)
}

func (g *gen) at(l string) { fmt.Fprintf(&g.s, "%s:\n", l) }

// fn starts a function: its TEXT line, its frame size, its Go signature
// and doc comment for the stubs file.
func (g *gen) fn(name string, frame int, sig, text string) {
	fmt.Fprintf(&g.s, "\n// func %s%s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", name, sig, name, frame)
	fmt.Fprintf(&g.stubs, "\n%s//\n//go:noescape\nfunc %s%s\n", doc.Comment(name+" "+text), name, sig)
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

// widen loads one vector of p from R(ptr) (post-increment) into V(src)
// and leaves its float64 halves in V(lo), V(hi) (float32), or V(lo)
// itself (float64: hi is unused).
func (g *gen) widen(p prec, ptr, src, lo, hi int) {
	if p.arr == a64.D2 {
		g.f("VLD1.P 16(R%d), [V%d.D2]", ptr, lo)
		return
	}
	g.f("VLD1.P 16(R%d), [V%d.S4]", ptr, src)
	g.w(a64.FCVTL(lo, src))
	g.w(a64.FCVTL2(hi, src))
}

// halves is the number of float64 vectors per input vector.
func halves(p prec) int {
	if p.arr == a64.D2 {
		return 1
	}
	return 2
}

// scalarIn loads one element from R(ptr) (post-increment) into F(r) as a
// float64.
func (g *gen) scalarIn(p prec, ptr, r int) {
	g.f("%s.P %d(R%d), F%d", p.fmov, p.size, ptr, r)
	if p.arr == a64.S4 {
		g.f("FCVTSD F%d, F%d", r, r)
	}
}

// scalarOut stores the float64 in F(r) to R(ptr) (post-increment) as p.
func (g *gen) scalarOut(p prec, ptr, r int) {
	if p.arr == a64.S4 {
		g.f("FCVTDS F%d, F%d", r, r)
	}
	g.f("%s.P F%d, %d(R%d)", p.fmov, r, p.size, ptr)
}

// narrowStore rounds the float64 vectors V(lo), V(hi) to p and stores one
// vector at R(ptr) (post-increment).
func (g *gen) narrowStore(p prec, ptr, lo, hi, tmp int) {
	if p.arr == a64.D2 {
		g.f("VST1.P [V%d.D2], 16(R%d)", lo, ptr)
		return
	}
	g.w(a64.FCVTN(tmp, lo))
	g.w(a64.FCVTN2(tmp, hi))
	g.f("VST1.P [V%d.S4], 16(R%d)", tmp, ptr)
}

// reduce2 adds the float64 accumulators V(a), V(b) into D(a).
func (g *gen) reduce2(a, b int) {
	g.w(a64.FADD(a64.D2, a, a, b))
	g.w(a64.FADDPScalar(a64.D2, a, a))
}
