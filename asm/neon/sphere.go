package main

import (
	"fmt"

	"github.com/fisherflow/fisherflow/asm/internal/a64"
)

// The sphere primitives (spherePrims in kernels/sphere_simd.go): the row loops of
// ToSphere, ToSimplex and the geodesics. The float64-accumulating ones
// widen float32 input with fcvtl/fcvtl2 and round once with fcvtn/fcvtn2,
// as the amd64 paths do. One 128-bit vector of input per iteration, then
// a scalar tail.

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

// moments emits Moments' sums of x[i] - shift and of their squares in
// float64 (float32 widened), four elements per iteration in two pairs of
// accumulators, and its scalar tail: it leaves no elements (rest 0).
func (g *gen) moments(p prec) {
	name := "momentsNEON" + p.name
	g.fn(name, 56, fmt.Sprintf("(x []%s, shift float64) (s1 float64, s2 float64, rest int)", p.typ),
		"returns the sums of x[i] - shift and of their squares, in float64, and the number of elements it left (0).")
	g.f("MOVD x_base+0(FP), R0")
	g.f("MOVD x_len+8(FP), R2")
	g.f("FMOVD shift+24(FP), F30")
	g.f("VDUP V30.D[0], V31.D2")
	g.zero(0, 1, 2, 3) // V0, V1: the sums; V2, V3: the squares
	g.loop(4, func() {
		if p.arr == a64.D2 {
			g.f("VLD1.P 32(R0), [V16.D2, V17.D2]")
		} else {
			g.widen(p, 0, 4, 16, 17)
		}
		for h := 0; h < 2; h++ {
			g.w(a64.FSUB(a64.D2, 16+h, 16+h, 31)) // x - shift
			g.w(a64.FADD(a64.D2, h, h, 16+h))
			g.f("VFMLA V%d.D2, V%d.D2, V%d.D2", 16+h, 16+h, 2+h)
		}
	}, func() {
		g.reduce2(0, 1)
		g.reduce2(2, 3)
	}, func() {
		g.scalarIn(p, 0, 4)
		g.f("FSUBD F30, F4, F4") // F4 = F4 - shift
		g.f("FADDD F4, F0, F0")
		g.f("FMADDD F4, F2, F4, F2") // F2 += F4*F4
	})
	g.f("FMOVD F0, s1+32(FP)")
	g.f("FMOVD F2, s2+40(FP)")
	g.f("MOVD ZR, rest+48(FP)")
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
