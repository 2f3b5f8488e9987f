package main

import (
	"fmt"

	"github.com/fisherflow/fisherflow/asm/internal/a64"
)

// scaleShiftKernel and colMomentsKernel are two of the normalisation
// primitives (asm/level1/norm.go on amd64), the same operations in the
// same order: ScaleShift's dst[i] = a[i]*s[i] + (b[i]*t + c), two FMAs
// in the elements' precision; AddColumnMoments' sum[i] += a[i] and
// dot[i] += a[i]*(b[i] - shift), in float64. Both return how many
// elements they left; their callers pass b cut to the count.
func scaleShiftKernel() kspec {
	return kspec{name: "scaleShift", doc: "sets dst[i] = a[i]*s[i] + (b[i]*t + c), each sum rounded once (len(a), len(s) >= len(b) = len(dst))",
		slices:  []kslice{{name: "dst", out: true}, {name: "a", in: true}, {name: "s", in: true}, {name: "b", in: true}},
		scalars: []string{"t", "c"}, tail: "rest",
		body: func(m *nops, in, sc map[string]nval) (map[string]nval, ncond) {
			r := m.FMA(sc["t"], in["b"], sc["c"])                              // b*t + c
			return map[string]nval{"dst": m.FMA(in["s"], in["a"], r)}, ncond{} // a*s + that
		}}
}

func colMomentsKernel() kspec {
	return kspec{name: "colMoments", doc: "adds a[i] to sum[i] and a[i]*(b[i]-shift) to dot[i], in float64 (len(sum), len(dot) >= len(b) = len(a))",
		slices: []kslice{{name: "sum", f64: true, in: true, out: true}, {name: "dot", f64: true, in: true, out: true},
			{name: "a", in: true}, {name: "b", in: true}},
		scalars: []string{"shift"}, scalarF64: true, wide: true, tail: "rest",
		body: func(m *nops, in, sc map[string]nval) (map[string]nval, ncond) {
			a := in["a"]
			return map[string]nval{"sum": m.Add(a, in["sum"]), "dot": m.FMA(a, m.Sub(sc["shift"], in["b"]), in["dot"])}, ncond{}
		}}
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
