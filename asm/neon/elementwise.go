package main

import (
	"fmt"

	"github.com/fisherflow/fisherflow/asm/internal/a64"
)

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
