package main

import (
	"strings"

	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/emit"
	"github.com/fisherflow/fisherflow/asm/internal/vm"
)

// The vector math functions are written once, in package vm, for any
// vector machine; avoOps runs them on emit.M's groups of AVX2 or AVX-512
// registers. The unrolled vectors of an iteration go through each
// operation together, which keeps the FMA units busy through the long
// dependency chains.

// avoOps is emit.M as a vm.Ops.
type avoOps struct{ emit.M }

func (a avoOps) Single() bool      { return a.K.Prec == emit.Float32 }
func (a avoOps) C(v float64) any   { return a.M.C(v) }
func (a avoOps) Bits(b uint64) any { return a.M.Bits(b) }
func (a avoOps) Scalef(x, y emit.G) (emit.G, bool) {
	if a.K.ISA != emit.AVX512 {
		return nil, false
	}
	return a.M.Scalef(x, y), true
}

// ops is the vm.Ops of m.
func ops(m emit.M) vm.Ops[emit.G, emit.Cond] { return avoOps{m} }

// vecmath emits the vector math kernels of k, each in the kernel's
// precision (vmExp, vmSigmoid, vmLog, vmAcos, vmAtan2, vmSin, vmCos and their
// float32 versions).
func vecmath(k emit.Kernel) {
	c, log := vm.Exp64, vm.Log[emit.G, emit.Cond]
	ac, at, tc := vm.Acos64, vm.Atan64, vm.Trig64
	if k.Prec == emit.Float32 {
		c, log = vm.Exp32, vm.Log32[emit.G, emit.Cond]
		ac, at, tc = vm.Acos32, vm.Atan32, vm.Trig32
	}
	mathUnary(k, "exp", "sets dst[i] = e^x[i] (see kernels.Exp).", func(m emit.M, x emit.G) emit.G { return vm.Exp(ops(m), x, c) })
	mathUnary(k, "sigmoid", "sets dst[i] = 1/(1+e^-x[i]) (see kernels.Sigmoid).", func(m emit.M, x emit.G) emit.G { return vm.Sigmoid(ops(m), x, c) })
	mathUnary(k, "log", "sets dst[i] = ln(x[i]) (see kernels.Log).", func(m emit.M, x emit.G) emit.G { return log(ops(m), x) })
	mathFn(k, "acos", "func(dst, x []T)", "sets dst[i] = arccos(x[i]) (see kernels.Acos).", []string{"x"}, 3, 1,
		func(m emit.M, in []emit.G) emit.G { return vm.Acos(ops(m), in[0], ac) })
	relax(k, c, log)
	gibbs(k, c)
	trig(k, "sin", false, tc)
	trig(k, "cos", true, tc)
	mathFn(k, "atan2", "func(dst, y, x []T)", "sets dst[i] = atan2(y[i], x[i]) (see kernels.Atan2).", []string{"y", "x"}, 2, 1,
		func(m emit.M, in []emit.G) emit.G { return vm.Atan2(ops(m), in[0], in[1], at) })
}

// relax emits Sinkhorn's over-relaxation of scalings (kernels.overrelax):
// dst[i] = old[i] * e^(w * ln(dst[i]/old[i])), each operation rounded as
// in overrelax's composition of the Log and Exp kernels, so that every
// path gives the same bits; lanes where dst[i] or old[i] is zero keep
// dst[i]. One call on a few values replaces the three (and two scalar
// loops) that cost the pass's over-relaxed iterations a fifth of their
// time at 512 points.
func relax(k emit.Kernel, c vm.ExpConsts, log func(vm.Ops[emit.G, emit.Cond], emit.G) emit.G) {
	k.Begin("relax", "func(dst, old []T, w T)",
		"sets dst[i] = old[i] * e^(w*ln(dst[i]/old[i])) where dst[i] and old[i] are not zero. len(old) >= len(dst).")
	w := k.Vec()
	k.Broadcast(emit.ParamAddr("w"), w)
	dst, n := emit.Ptr("dst"), emit.Len("dst")
	old := emit.Ptr("old")
	unroll := 2
	if k.ISA == emit.AVX2 {
		unroll = 1
	}
	k.MapGroup(n, []reg.GPVirtual{dst, old}, []reg.GPVirtual{dst}, unroll, func(m emit.M, in []emit.G) []emit.G {
		return []emit.G{vm.Relax(ops(m), in[0], in[1], w, c, log)}
	})
	emit.Ret()
}

// gibbs emits the kernel of Sinkhorn's Gibbs kernel K = exp(-cost/reg):
// dst[i] = e^(a*x[i]), a*x[i] rounded first, as the Scale and Exp kernels
// would compute it, and results below the smallest normal number set to
// zero (kernels.flushSubnormal), in one pass instead of four.
func gibbs(k emit.Kernel, c vm.ExpConsts) {
	k.Begin("gibbs", "func(dst, x []T, a T)",
		"sets dst[i] = e^(a*x[i]), or 0 where that is below the smallest normal number. len(dst) >= len(x).")
	a := k.Vec()
	k.Broadcast(emit.ParamAddr("a"), a)
	mathLoop(k, []string{"x"}, 4, 2, func(m emit.M, in []emit.G) emit.G {
		return vm.Gibbs(ops(m), in[0], a, c)
	})
	emit.Ret()
}

// trig emits the sin or cos kernel: dst[i] = sin(x[i]) (cos(x[i])) for
// |x[i]| below the reduction's limit (vm.TrigLimit, 2^30, in float64;
// vm.TrigLimit32, 2^16, in float32); larger finite x[i] are copied to
// dst[i] unchanged (no result of sin or cos is that large, so the caller
// finds them in dst even when dst aliases x) and the kernel returns true,
// so that the caller scans for them only then.
func trig(k emit.Kernel, name string, cos bool, c vm.TrigConsts) {
	k.Begin(name, "func(dst, x []T) (big bool)",
		"sets dst[i] = "+name+"(x[i]) for |x[i]| < "+c.LimitDoc()+", copies larger finite x[i] to dst[i] and then returns true (see kernels."+strings.ToUpper(name[:1])+name[1:]+"). len(dst) >= len(x).")
	big := k.Vec() // lanes with a large finite x, ORed over the loop
	k.Zero(big)
	mathLoop(k, []string{"x"}, 3, 1, func(m emit.M, in []emit.G) emit.G {
		r, large := vm.Trig(ops(m), in[0], cos, c)
		m.IOrInto(big, m.Sel(large, m.Bits(1<<64-1), m.Mov(m.C(0))))
		return r
	})
	emit.Ret(k.NonZero(big, "big"))
}

// mathUnary emits a kernel whose body maps one group of vectors.
func mathUnary(k emit.Kernel, name, doc string, body func(m emit.M, x emit.G) emit.G) {
	mathFn(k, name, "func(dst, x []T)", doc, []string{"x"}, 4, 2,
		func(m emit.M, in []emit.G) emit.G { return body(m, in[0]) })
}

// mathFn emits a kernel dst[i] = f(ins[0][i], ...) whose body maps
// groups of vectors, u512 of them per iteration of the main loop on
// AVX-512 and u2 on AVX2 (which has 16 vector registers against 32). The
// unrolled groups hide the latency of the long dependency chains, so the
// counts are the largest that still fit the registers.
func mathFn(k emit.Kernel, name, sig, doc string, ins []string, u512, u2 int, body func(m emit.M, in []emit.G) emit.G) {
	k.Begin(name, sig, doc+" len(dst) >= len(x).")
	mathLoop(k, ins, u512, u2, body)
	emit.Ret()
}

// mathLoop emits mathFn's loop over the slices ins and dst.
func mathLoop(k emit.Kernel, ins []string, u512, u2 int, body func(m emit.M, in []emit.G) emit.G) {
	dst, n := emit.Ptr("dst"), emit.Len(ins[len(ins)-1])
	var ptrs []reg.GPVirtual
	for _, in := range ins {
		ptrs = append(ptrs, emit.Ptr(in))
	}
	unroll := u512
	if k.ISA == emit.AVX2 {
		unroll = u2
	}
	f := func(m emit.M, in []emit.G) []emit.G { return []emit.G{body(m, in)} }
	k.MapGroup(n, ptrs, []reg.GPVirtual{dst}, unroll, f)
}
