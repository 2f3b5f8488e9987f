// Command level1 generates kernels/level1_amd64.s: dot, axpy, scale, sum
// and sum of squares for AVX2+FMA and AVX-512, float32 and float64.
//
// Reductions keep 4 accumulators per quantity: an FMA has a latency of 4
// cycles and two issue per cycle on the cores we target, so 8 independent
// chains would saturate them; 4 already reach the load bandwidth of one
// vector per operand per cycle on in-cache data and keep register pressure
// low enough for the AVX2 register file (16 ymm).
package main

import (
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/emit"
)

func main() {
	ConstraintExpr("!purego")
	for _, k := range emit.Variants() {
		dot(k)
		axpy(k)
		scale(k)
		sum(k)
		sumSq(k)
		scaleNeg(k)
		adamW(k)
	}
	emit.GenerateFile()
}

func slice(name string) (ptr, n reg.GPVirtual) { return emit.Ptr(name), emit.Len(name) }

func dot(k emit.Kernel) {
	k.Begin("dot", "func(x, y []T) (r T)", "returns sum x[i]*y[i] (len(y) >= len(x)).")
	x, n := slice("x")
	y := emit.Ptr("y")
	acc := k.Reduce(n, []reg.GPVirtual{x, y}, 1, 4, false, func(in, acc []reg.VecVirtual) {
		k.FMA231(in[0], in[1], acc[0])
	})
	emit.Ret(emit.Result(k.HSum(acc[0]), "r"))
}

func sum(k emit.Kernel) {
	k.Begin("sum", "func(x []T) (r T)", "returns sum x[i].")
	x, n := slice("x")
	acc := k.Reduce(n, []reg.GPVirtual{x}, 1, 4, false, func(in, acc []reg.VecVirtual) {
		k.Add(in[0], acc[0], acc[0])
	})
	emit.Ret(emit.Result(k.HSum(acc[0]), "r"))
}

// sumSq accumulates in float64 for both precisions: float32 elements are
// widened as they are loaded, so no square overflows or underflows.
func sumSq(k emit.Kernel) {
	k.Begin("sumSq", "func(x []T) (r float64)", "returns sum x[i]^2, accumulated in float64.")
	x, n := slice("x")
	k64 := emit.Kernel{ISA: k.ISA, Prec: emit.Float64}
	acc := k64.Reduce(n, []reg.GPVirtual{x}, 1, 4, k.Prec == emit.Float32, func(in, acc []reg.VecVirtual) {
		k64.FMA231(in[0], in[0], acc[0])
	})
	emit.Ret(emit.Result(k64.HSum(acc[0]), "r"))
}

func axpy(k emit.Kernel) {
	k.Begin("axpy", "func(alpha T, x, y []T)", "sets y[i] += alpha*x[i] (len(y) >= len(x)).")
	a := k.Vec()
	k.Broadcast(emit.ParamAddr("alpha"), a)
	x, n := slice("x")
	y := emit.Ptr("y")
	k.Map(n, []reg.GPVirtual{x, y}, []reg.GPVirtual{y}, 4, func(in []reg.VecVirtual) []reg.VecVirtual {
		k.FMA231(a, in[0], in[1])
		return in[1:]
	})
	emit.Ret()
}

func scale(k emit.Kernel) {
	k.Begin("scale", "func(alpha T, x []T)", "sets x[i] *= alpha.")
	a := k.Vec()
	k.Broadcast(emit.ParamAddr("alpha"), a)
	x, n := slice("x")
	k.Map(n, []reg.GPVirtual{x}, []reg.GPVirtual{x}, 4, func(in []reg.VecVirtual) []reg.VecVirtual {
		k.Mul(a, in[0], in[0])
		return in
	})
	emit.Ret()
}
