package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/emit"
)

// scaleNeg emits dst[i] = src[i] * (s if x[i] < 0, else 1), the forward
// and backward passes of a leaky ReLU: the factor is selected per lane
// and multiplied in, as the generic loop does, so the bits agree (a NaN
// x selects 1).
func scaleNeg(k emit.Kernel) {
	k.Begin("scaleNeg", "func(dst, src, x []T, s T)", "sets dst[i] = src[i]*s where x[i] < 0 and src[i]*1 elsewhere (len(src), len(x) >= len(dst)).")
	sv, one, zero := k.Vec(), k.Vec(), k.Vec()
	k.Broadcast(emit.ParamAddr("s"), sv)
	k.Broadcast(k.Const(1), one)
	k.Zero(zero)
	dst, n := emit.Ptr("dst"), emit.Len("dst")
	src, x := emit.Ptr("src"), emit.Ptr("x")
	cmp, mov := VCMPPS, VMOVUPS
	if k.Prec == emit.Float64 {
		cmp, mov = VCMPPD, VMOVUPD
	}
	k.Map(n, []reg.GPVirtual{src, x}, []reg.GPVirtual{dst}, 4, func(in []reg.VecVirtual) []reg.VecVirtual {
		f := k.Vec()
		if k.ISA == emit.AVX512 {
			neg := K()
			cmp(U8(emit.LT), zero, in[1], neg) // x < 0, ordered: false for NaN
			mov(one, f)
			mov(sv, neg, f)
		} else {
			neg := k.Vec()
			cmp(U8(emit.LT), zero, in[1], neg)
			if k.Prec == emit.Float32 {
				VBLENDVPS(neg, sv, one, f)
			} else {
				VBLENDVPD(neg, sv, one, f)
			}
		}
		k.Mul(f, in[0], in[0])
		return in[:1]
	})
	emit.Ret()
}

// adamW emits one AdamW step over whole vectors, returning how many
// elements are left (len(w) mod lanes, for the caller), in float64 for both precisions and
// without FMA, in the generic loop's order (kernels.AdamW):
//
//	m = b1*m + c1*g; v = b2*v + (c2*g)*g; w = w*decay - (sb*m)/(sqrt(v) + eb)
//
// with the coefficients as scalar arguments (a pointer would make the
// caller's array escape through the function values that dispatch
// kernels). Its time goes to the square
// root and the division, which no unrolling hides.
func adamW(k emit.Kernel) {
	k.Begin("adamW", "func(w, g []T, m, v []float64, b1, c1, b2, c2, decay, sb, eb float64) (rest int)",
		"applies one AdamW step to whole vectors of w (see kernels.AdamW) and returns "+
			"the number of elements left at the end; len(g), len(m), len(v) >= len(w).")
	k64 := emit.Kernel{ISA: k.ISA, Prec: emit.Float64}
	names := []string{"b1", "c1", "b2", "c2", "decay", "sb", "eb"}
	cs := make([]reg.VecVirtual, len(names))
	for i, name := range names {
		cs[i] = k64.Vec()
		VBROADCASTSD(emit.ParamAddr(name), cs[i])
	}
	b1, c1, b2, c2, decay, sb, eb := cs[0], cs[1], cs[2], cs[3], cs[4], cs[5], cs[6]
	w, n := emit.Ptr("w"), emit.Len("w")
	g, m, v := emit.Ptr("g"), emit.Ptr("m"), emit.Ptr("v")
	lanes := k64.Lanes()
	load := func(p reg.GPVirtual, dst reg.VecVirtual) {
		if k.Prec == emit.Float32 {
			VCVTPS2PD(Mem{Base: p}, dst)
		} else {
			k64.Load(Mem{Base: p}, dst)
		}
	}
	loop, done := k.Label("loop"), k.Label("done")
	Label(loop)
	CMPQ(n, U8(uint8(lanes)))
	JB(LabelRef(done))
	gv, wv, mv, vv := k64.Vec(), k64.Vec(), k64.Vec(), k64.Vec()
	load(g, gv)
	load(w, wv)
	k64.Load(Mem{Base: m}, mv)
	k64.Load(Mem{Base: v}, vv)
	t := k64.Vec()
	k64.Mul(b1, mv, mv) // b1*m
	k64.Mul(c1, gv, t)  // c1*g
	k64.Add(t, mv, mv)  // m = b1*m + c1*g
	k64.Mul(b2, vv, vv) // b2*v
	k64.Mul(c2, gv, t)  // c2*g
	k64.Mul(gv, t, t)   // (c2*g)*g
	k64.Add(t, vv, vv)  // v = b2*v + (c2*g)*g
	k64.Store(mv, Mem{Base: m})
	k64.Store(vv, Mem{Base: v})
	k64.Sqrt(vv, t)     // sqrt(v)
	k64.Add(eb, t, t)   // sqrt(v) + eb
	k64.Mul(sb, mv, mv) // sb*m
	k64.Div(t, mv, mv)  // (sb*m)/(sqrt(v) + eb)
	k64.Mul(decay, wv, wv)
	k64.Sub(mv, wv, wv) // w*decay - q
	if k.Prec == emit.Float32 {
		k.StoreNarrow(wv, Mem{Base: w})
	} else {
		k64.Store(wv, Mem{Base: w})
	}
	ADDQ(U8(uint8(lanes*k.Size())), w)
	ADDQ(U8(uint8(lanes*k.Size())), g)
	ADDQ(U8(uint8(lanes*8)), m)
	ADDQ(U8(uint8(lanes*8)), v)
	SUBQ(U8(uint8(lanes)), n)
	JMP(LabelRef(loop))
	Label(done)
	emit.Ret(func() { Store(n, Return("rest")) })
}
