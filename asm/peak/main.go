// Command peak generates bench/peak/peak_amd64.s: loops of independent
// register-only FMAs that measure the floating-point peak of a core, for
// each ISA and precision. Each iteration issues Chains FMAs into Chains
// independent accumulators (more than latency x throughput = 4 x 2 = 8),
// with no loads, so nothing but the FMA pipes limits it. It also writes
// the STREAM triad a[i] = b[i] + s*c[i] in float64 for each ISA, which
// measures memory bandwidth on arrays far larger than the caches.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/emit"
)

// Chains is the number of independent accumulators per iteration.
const Chains = 12

func main() {
	ConstraintExpr("!purego")
	for _, k := range emit.Variants() {
		k.Begin("fma", "func(iters int)", "runs iters iterations of 12 independent vector FMAs.")
		n := Load(Param("iters"), GP64())
		acc := make([]reg.VecVirtual, Chains)
		for i := range acc {
			acc[i] = k.Vec()
			k.Zero(acc[i])
		}
		x, y := k.Vec(), k.Vec()
		k.Zero(x)
		k.Zero(y)
		loop, done := k.Label("loop"), k.Label("done")
		Label(loop)
		TESTQ(n, n)
		JZ(LabelRef(done))
		for i := range acc {
			k.FMA231(x, y, acc[i])
		}
		DECQ(n)
		JMP(LabelRef(loop))
		Label(done)
		emit.Ret()
		if k.Prec == emit.Float64 {
			triad(k)
		}
	}
	dpbf16(Chains)
	dpbf16(2 * Chains)
	emit.GenerateFile()
}

// dpbf16 emits the same loop of VDPBF16PS zmm (AVX512_BF16: 16 lanes, two
// bfloat16 products each), written as bytes by emit.EVEXOp on physical
// registers, with chains accumulators.
func dpbf16(chains int) {
	name := fmt.Sprintf("dpbf16x%dAVX512", chains)
	TEXT(name, NOSPLIT, "func(iters int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s runs iters iterations of %d independent VDPBF16PS zmm.", name, chains))
	n := Load(Param("iters"), GP64())
	z := func(i int) reg.Physical { return reg.Vector.Lookup(reg.Index(i), reg.S512) }
	for i := 0; i < chains+2; i++ {
		VPXORD(z(i), z(i), z(i))
	}
	loop, done := name+"loop", name+"done"
	Label(loop)
	TESTQ(n, n)
	JZ(LabelRef(done))
	for i := 0; i < chains; i++ {
		emit.VDPBF16PS.Emit(512, z(i), z(chains), z(chains+1))
	}
	DECQ(n)
	JMP(LabelRef(loop))
	Label(done)
	emit.Ret()
}

// triad emits a[i] = b[i] + s*c[i] over len(a) elements, 4 vectors per
// iteration, with a masked tail.
func triad(k emit.Kernel) {
	k.Begin("triad", "func(a, b, c []T, s T)", "sets a[i] = b[i] + s*c[i] (the STREAM triad); len(b), len(c) >= len(a).")
	a, b, c, n := emit.Ptr("a"), emit.Ptr("b"), emit.Ptr("c"), emit.Len("a")
	sv := k.Vec()
	k.Broadcast(emit.ParamAddr("s"), sv)
	k.Map(n, []reg.GPVirtual{b, c}, []reg.GPVirtual{a}, 4, func(in []reg.VecVirtual) []reg.VecVirtual {
		k.FMA231(sv, in[1], in[0])
		return in[:1]
	})
	emit.Ret()
}
