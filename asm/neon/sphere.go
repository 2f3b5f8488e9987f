package main

import (
	"fmt"

	"github.com/fisherflow/fisherflow/asm/internal/a64"
)

// The sphere primitives (spherePrims in kernels/sphere_simd.go): the row
// loops of ToSphere, ToSimplex (divOp serves both) and the geodesics.
// The float64-accumulating ones widen float32 input with fcvtl/fcvtl2 and
// round once with fcvtn/fcvtn2, as the amd64 paths do. One 128-bit vector
// of input per iteration, then a scalar tail.

func (g *gen) diffSumSq(p prec) {
	name := "diffSumSqNEON" + p.name
	g.fn(name, 64, fmt.Sprintf("(x []%s, y []%s) (sm float64, sp float64)", p.typ, p.typ),
		"returns sum (x[i]-y[i])^2 and sum (x[i]+y[i])^2 in float64.")
	g.f("MOVD x_base+0(FP), R0")
	g.f("MOVD x_len+8(FP), R2")
	g.f("MOVD y_base+24(FP), R1")
	g.zero(0, 1, 2, 3) // V0, V1: minus; V2, V3: plus
	g.loop(p.lanes, func() {
		g.widen(p, 0, 4, 16, 17)
		g.widen(p, 1, 5, 18, 19)
		for h := 0; h < halves(p); h++ {
			g.w(a64.FSUB(a64.D2, 20+h, 16+h, 18+h))
			g.w(a64.FADD(a64.D2, 22+h, 16+h, 18+h))
			g.f("VFMLA V%d.D2, V%d.D2, V%d.D2", 20+h, 20+h, h)
			g.f("VFMLA V%d.D2, V%d.D2, V%d.D2", 22+h, 22+h, 2+h)
		}
	}, func() {
		g.reduce2(0, 1)
		g.reduce2(2, 3)
	}, func() {
		g.scalarIn(p, 0, 4)
		g.scalarIn(p, 1, 5)
		g.f("FSUBD F5, F4, F6") // F6 = F4 - F5
		g.f("FADDD F5, F4, F7")
		g.f("FMADDD F6, F0, F6, F0")
		g.f("FMADDD F7, F2, F7, F2")
	})
	g.f("FMOVD F0, sm+48(FP)")
	g.f("FMOVD F2, sp+56(FP)")
	g.f("RET")
}

// divOp emits dst[i] = op(x[i]) / s in float64 (divSqrt: sqrt(x/s);
// divSquare: x*x/s).
func (g *gen) divOp(p prec, base, doc string, square bool) {
	name := base + "NEON" + p.name
	g.fn(name, 56, fmt.Sprintf("(dst []%s, x []%s, s float64)", p.typ, p.typ), doc)
	g.f("MOVD dst_base+0(FP), R1")
	g.f("MOVD x_base+24(FP), R0")
	g.f("MOVD x_len+32(FP), R2")
	g.f("FMOVD s+48(FP), F30")
	g.f("VDUP V30.D[0], V31.D2")
	g.loop(p.lanes, func() {
		g.widen(p, 0, 4, 16, 17)
		for h := 0; h < halves(p); h++ {
			if square {
				g.w(a64.FMUL(a64.D2, 16+h, 16+h, 16+h))
				g.w(a64.FDIV(a64.D2, 16+h, 16+h, 31))
			} else {
				g.w(a64.FDIV(a64.D2, 16+h, 16+h, 31))
				g.w(a64.FSQRT(a64.D2, 16+h, 16+h))
			}
		}
		g.narrowStore(p, 1, 16, 17, 18)
	}, nil, func() {
		g.scalarIn(p, 0, 4)
		if square {
			g.f("FMULD F4, F4, F4")
			g.f("FDIVD F30, F4, F4")
		} else {
			g.f("FDIVD F30, F4, F4")
			g.f("FSQRTD F4, F4")
		}
		g.scalarOut(p, 1, 4)
	})
	g.f("RET")
}

// rootQuot is ToSphere's row map for rows whose quotients are all zero or
// normal in T (asm/sphere's rootQuot on amd64): dst[i] = sqrt(q) with q =
// x[i]*y (y = 1/s) refined by one FMA step, q + (x[i] - q*s)*y, and the
// root in T; four vectors per iteration. Float32 only: there it replaces
// divSqrt's widening to float64, FDIV and FSQRT on two lanes, and takes
// fewer instructions per element (neoncost); in float64 the sumMin test
// and the FMA steps cost more instructions than FDIV saves, and the
// divider's cost, which the cost model leaves out, cannot be measured
// without arm64 hardware.
func (g *gen) rootQuot(p prec) {
	name := "rootQuotNEON" + p.name
	g.fn(name, 48+2*p.size, fmt.Sprintf("(dst []%s, x []%s, s %s, y %s)", p.typ, p.typ, p.typ, p.typ),
		"sets dst[i] = sqrt(x[i]/s) with the quotient from y = 1/s and one FMA step, in T.")
	g.f("MOVD dst_base+0(FP), R1")
	g.f("MOVD x_base+24(FP), R0")
	g.f("MOVD x_len+32(FP), R2")
	g.bcast(p, "s+48", 28, 29)
	g.bcast(p, fmt.Sprintf("y+%d", 48+p.size), 30, 31)
	g.loop(4*p.lanes, func() {
		g.f("VLD1.P %d(R0), %s", 4*16, vlist(4, p.va))
		for i := 0; i < 4; i++ {
			g.w(a64.FMUL(p.arr, 16+i, 4+i, 31)) // q = x*y
		}
		for i := 0; i < 4; i++ {
			g.f("VFMLS V29.%s, V%d.%s, V%d.%s", p.va, 16+i, p.va, 4+i, p.va) // x -= q*s: the remainder
		}
		for i := 0; i < 4; i++ {
			g.f("VFMLA V31.%s, V%d.%s, V%d.%s", p.va, 4+i, p.va, 16+i, p.va) // q += r*y
			g.w(a64.FSQRT(p.arr, 16+i, 16+i))
		}
		g.f("VST1.P %s, %d(R1)", vlist(16, p.va), 4*16)
	}, nil, func() {
		g.f("%s.P %d(R0), F4", p.fmov, p.size)
		g.f("FMUL%s F30, F4, F5", p.fs)      // q = x*y
		g.f("FMSUB%s F28, F4, F5, F4", p.fs) // x -= q*s
		g.f("FMADD%s F30, F5, F4, F5", p.fs) // q += r*y
		g.f("FSQRT%s F5, F5", p.fs)
		g.f("%s.P F5, %d(R1)", p.fmov, p.size)
	})
	g.f("RET")
}

func (g *gen) axpby(p prec) {
	name := "axpbyNEON" + p.name
	g.fn(name, 88, fmt.Sprintf("(dst []%s, a %s, x []%s, b %s, y []%s)", p.typ, p.typ, p.typ, p.typ, p.typ),
		"sets dst[i] = a*x[i] + b*y[i].")
	g.f("MOVD dst_base+0(FP), R3")
	g.f("MOVD x_base+32(FP), R0")
	g.f("MOVD x_len+40(FP), R2")
	g.f("MOVD y_base+64(FP), R1")
	g.bcast(p, "a+24", 28, 29)
	g.bcast(p, "b+56", 30, 31)
	g.loop(p.lanes, func() {
		g.f("VLD1.P 16(R0), [V4.%s]", p.va)
		g.f("VLD1.P 16(R1), [V5.%s]", p.va)
		g.w(a64.FMUL(p.arr, 6, 5, 31))                      // b*y
		g.f("VFMLA V4.%s, V29.%s, V6.%s", p.va, p.va, p.va) // + a*x
		g.f("VST1.P [V6.%s], 16(R3)", p.va)
	}, nil, func() {
		g.f("%s.P %d(R0), F4", p.fmov, p.size)
		g.f("%s.P %d(R1), F5", p.fmov, p.size)
		g.f("FMUL%s F30, F5, F6", p.fs)
		g.f("FMADD%s F4, F6, F28, F6", p.fs) // F6 += F28*F4
		g.f("%s.P F6, %d(R3)", p.fmov, p.size)
	})
	g.f("RET")
}

func (g *gen) logMapRow(p prec) {
	name := "logMapRowNEON" + p.name
	kOff := 76
	frame := 80
	if p.size == 8 {
		kOff, frame = 80, 88
	}
	g.fn(name, frame, fmt.Sprintf("(dst []%s, x []%s, y []%s, c %s, k %s)", p.typ, p.typ, p.typ, p.typ, p.typ),
		"sets dst[i] = ((y[i] - x[i]) + c*x[i]) * k.")
	g.f("MOVD dst_base+0(FP), R3")
	g.f("MOVD x_base+24(FP), R0")
	g.f("MOVD x_len+32(FP), R2")
	g.f("MOVD y_base+48(FP), R1")
	g.bcast(p, "c+72", 28, 29)
	g.bcast(p, fmt.Sprintf("k+%d", kOff), 30, 31)
	g.loop(p.lanes, func() {
		g.f("VLD1.P 16(R0), [V4.%s]", p.va)
		g.f("VLD1.P 16(R1), [V5.%s]", p.va)
		g.w(a64.FSUB(p.arr, 6, 5, 4))                       // y - x
		g.f("VFMLA V4.%s, V29.%s, V6.%s", p.va, p.va, p.va) // + c*x
		g.w(a64.FMUL(p.arr, 6, 6, 31))                      // * k
		g.f("VST1.P [V6.%s], 16(R3)", p.va)
	}, nil, func() {
		g.f("%s.P %d(R0), F4", p.fmov, p.size)
		g.f("%s.P %d(R1), F5", p.fmov, p.size)
		g.f("FSUB%s F4, F5, F6", p.fs)       // F6 = F5 - F4
		g.f("FMADD%s F4, F6, F28, F6", p.fs) // F6 += F28*F4
		g.f("FMUL%s F30, F6, F6", p.fs)
		g.f("%s.P F6, %d(R3)", p.fmov, p.size)
	})
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
