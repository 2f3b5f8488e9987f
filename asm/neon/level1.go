package main

import (
	"fmt"

	"github.com/fisherflow/fisherflow/asm/internal/a64"
)

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

func (g *gen) sumSq(p prec) {
	name := "sumSqNEON" + p.name
	g.fn(name, 32, fmt.Sprintf("(x []%s) (r float64)", p.typ), "returns sum x[i]^2, accumulated in float64.")
	g.f("MOVD x_base+0(FP), R0")
	g.f("MOVD x_len+8(FP), R2")
	g.zero(0, 1)
	g.loop(p.lanes, func() {
		g.widen(p, 0, 4, 16, 17)
		for h := 0; h < halves(p); h++ {
			g.f("VFMLA V%d.D2, V%d.D2, V%d.D2", 16+h, 16+h, h)
		}
	}, func() { g.reduce2(0, 1) }, func() {
		g.scalarIn(p, 0, 4)
		g.f("FMADDD F4, F0, F4, F0")
	})
	g.f("FMOVD F0, r+24(FP)")
	g.f("RET")
}
