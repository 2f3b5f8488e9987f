package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/emit"
)

// The normalisation primitives (kernels.Moments, AddColumnMoments and
// ScaleShift, the passes of GroupNorm and LayerNorm) run over whole
// vectors and return how many elements are left, which the caller
// finishes with the generic loop, as adamW does. Moments and
// AddColumnMoments work in float64 for both precisions (float32 elements
// are widened as they are loaded).

// load64 loads a vector of float64 lanes from p: widened from float32
// if the kernel's elements are float32.
func load64(k emit.Kernel, p Mem, dst reg.VecVirtual) {
	if k.Prec == emit.Float32 {
		VCVTPS2PD(p, dst)
		return
	}
	VMOVUPD(p, dst)
}

// moments emits the sums of x[i] - shift and of their squares with four
// pairs of accumulators (two float64 vectors of lanes per step would
// leave the adds on one chain each).
func moments(k emit.Kernel) {
	k.Begin("moments", "func(x []T, shift float64) (s1, s2 float64, rest int)",
		"returns the sums of x[i] - shift and of their squares over whole vectors of x, in float64, and the number of elements left at the end.")
	k64 := emit.Kernel{ISA: k.ISA, Prec: emit.Float64}
	sh := k64.Vec()
	VBROADCASTSD(emit.ParamAddr("shift"), sh)
	x, n := emit.Ptr("x"), emit.Len("x")
	const unroll = 4
	lanes := k64.Lanes()
	var a, b [unroll]reg.VecVirtual
	for u := range unroll {
		a[u], b[u] = k64.Vec(), k64.Vec()
		k64.Zero(a[u])
		k64.Zero(b[u])
	}
	step := func(u int) {
		d := k64.Vec()
		load64(k, Mem{Base: x, Disp: u * lanes * k.Size()}, d)
		k64.Sub(sh, d, d)
		k64.Add(d, a[u], a[u])
		k64.FMA231(d, d, b[u])
	}
	wholeVectors(k, n, lanes, unroll, step, func(u int) {
		ADDQ(U32(uint32(u*lanes*k.Size())), x)
		SUBQ(U8(uint8(u*lanes)), n)
	})
	k64.Add(a[1], a[0], a[0])
	k64.Add(a[3], a[2], a[2])
	k64.Add(a[2], a[0], a[0])
	k64.Add(b[1], b[0], b[0])
	k64.Add(b[3], b[2], b[2])
	k64.Add(b[2], b[0], b[0])
	emit.Ret(emit.Result(k64.HSum(a[0]), "s1"), emit.Result(k64.HSum(b[0]), "s2"),
		func() { Store(n, Return("rest")) })
}

// colMoments emits sum[i] += a[i], dot[i] += a[i]*(b[i] - shift) in
// float64 (one row of a normalisation's backward sums).
func colMoments(k emit.Kernel) {
	k.Begin("colMoments", "func(sum, dot []float64, a, b []T, shift float64) (rest int)",
		"adds a[i] to sum[i] and a[i]*(b[i]-shift) to dot[i], in float64, over whole vectors of a, and returns the number of elements left at the end; len(sum), len(dot), len(b) >= len(a).")
	k64 := emit.Kernel{ISA: k.ISA, Prec: emit.Float64}
	sh := k64.Vec()
	VBROADCASTSD(emit.ParamAddr("shift"), sh)
	a, n := emit.Ptr("a"), emit.Len("a")
	b, sum, dot := emit.Ptr("b"), emit.Ptr("sum"), emit.Ptr("dot")
	const unroll = 2
	lanes := k64.Lanes()
	step := func(u int) {
		av, bv, sv, dv := k64.Vec(), k64.Vec(), k64.Vec(), k64.Vec()
		load64(k, Mem{Base: a, Disp: u * lanes * k.Size()}, av)
		load64(k, Mem{Base: b, Disp: u * lanes * k.Size()}, bv)
		k64.Load(Mem{Base: sum, Disp: u * lanes * 8}, sv)
		k64.Load(Mem{Base: dot, Disp: u * lanes * 8}, dv)
		k64.Sub(sh, bv, bv)
		k64.Add(av, sv, sv)
		k64.FMA231(av, bv, dv)
		k64.Store(sv, Mem{Base: sum, Disp: u * lanes * 8})
		k64.Store(dv, Mem{Base: dot, Disp: u * lanes * 8})
	}
	advance := func(u int) {
		ADDQ(U32(uint32(u*lanes*k.Size())), a)
		ADDQ(U32(uint32(u*lanes*k.Size())), b)
		ADDQ(U32(uint32(u*lanes*8)), sum)
		ADDQ(U32(uint32(u*lanes*8)), dot)
		SUBQ(U8(uint8(u*lanes)), n)
	}
	wholeVectors(k, n, lanes, unroll, step, advance)
	emit.Ret(func() { Store(n, Return("rest")) })
}

// scaleShift emits dst[i] = a[i]*s[i] + (b[i]*t + c), two FMAs in the
// elements' precision.
func scaleShift(k emit.Kernel) {
	k.Begin("scaleShift", "func(dst, a, s, b []T, t, c T) (rest int)",
		"sets dst[i] = a[i]*s[i] + (b[i]*t + c), each sum rounded once, over whole vectors of dst, and returns the number of elements left at the end; len(a), len(s), len(b) >= len(dst).")
	tv, cv := k.Vec(), k.Vec()
	k.Broadcast(emit.ParamAddr("t"), tv)
	k.Broadcast(emit.ParamAddr("c"), cv)
	dst, n := emit.Ptr("dst"), emit.Len("dst")
	a, s, b := emit.Ptr("a"), emit.Ptr("s"), emit.Ptr("b")
	const unroll = 4
	lanes := k.Lanes()
	step := func(u int) {
		av, sv, bv, r := k.Vec(), k.Vec(), k.Vec(), k.Vec()
		off := u * k.Bytes()
		k.Load(Mem{Base: a, Disp: off}, av)
		k.Load(Mem{Base: s, Disp: off}, sv)
		k.Load(Mem{Base: b, Disp: off}, bv)
		k.Load(cv, r)
		k.FMA231(bv, tv, r) // b*t + c
		k.FMA231(av, sv, r) // a*s + that
		k.Store(r, Mem{Base: dst, Disp: off})
	}
	advance := func(u int) {
		for _, p := range []reg.GPVirtual{dst, a, s, b} {
			ADDQ(U32(uint32(u*k.Bytes())), p)
		}
		SUBQ(U8(uint8(u*lanes)), n)
	}
	wholeVectors(k, n, lanes, unroll, step, advance)
	emit.Ret(func() { Store(n, Return("rest")) })
}

// wholeVectors emits the loops of a kernel over whole vectors of lanes
// elements, n of them left: unroll steps per iteration while that many
// remain, then one at a time; advance(u) moves the pointers and n past u
// vectors. n is what remains at the end (less than lanes).
func wholeVectors(k emit.Kernel, n reg.GPVirtual, lanes, unroll int, step, advance func(u int)) {
	big, one, done := k.Label("big"), k.Label("one"), k.Label("done")
	Label(big)
	CMPQ(n, U8(uint8(unroll*lanes)))
	JB(LabelRef(one))
	for u := range unroll {
		step(u)
	}
	advance(unroll)
	JMP(LabelRef(big))
	Label(one)
	CMPQ(n, U8(uint8(lanes)))
	JB(LabelRef(done))
	step(0)
	advance(1)
	JMP(LabelRef(one))
	Label(done)
}
