package main

import (
	"fmt"
	"strings"

	"github.com/fisherflow/fisherflow/asm/internal/a64"
)

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
