// Command peak generates bench/peak/peak_amd64.s: loops of independent
// register-only FMAs that measure the floating-point peak of a core, for
// each ISA and precision. Each iteration issues Chains FMAs into Chains
// independent accumulators (more than latency x throughput = 4 x 2 = 8),
// with no loads, so nothing but the FMA pipes limits it.
package main

import (
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
	}
	Generate()
}
