// Command level1 generates two kernel families for AVX2+FMA and AVX-512,
// float32 and float64: with -family level1, kernels/level1_amd64.s (dot,
// axpy, their four-row forms dot4 and axpy4, scale, sum, the sum of
// squares, and the update steps scaleNeg and adamW, update.go); with
// -family norm, kernels/norm_amd64.s (moments, colMoments and scaleShift,
// norm.go).
//
// Reductions keep 4 accumulators per quantity: an FMA has a latency of 4
// cycles and two issue per cycle on the cores we target, so 8 independent
// chains would saturate them; 4 already reach the load bandwidth of one
// vector per operand per cycle on in-cache data and keep register pressure
// low enough for the AVX2 register file (16 ymm).
package main

import (
	"flag"
	"log"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/emit"
	"github.com/fisherflow/fisherflow/asm/internal/primtab"
)

func main() {
	family := flag.String("family", "level1", "kernels to write: level1 (dot, axpy, dot4, axpy4, scale, sum, sumSq, scaleNeg, adamW) or norm (moments, colMoments, scaleShift)")
	flag.Parse()
	ConstraintExpr("!purego")
	for _, k := range emit.Variants() {
		switch *family {
		case "level1":
			dot(k)
			axpy(k)
			dot4(k)
			axpy4(k)
			scale(k)
			sum(k)
			sumSq(k)
			scaleNeg(k)
			adamW(k)
		case "norm":
			moments(k)
			colMoments(k)
			scaleShift(k)
		default:
			log.Fatalf("unknown -family %q", *family)
		}
	}
	emit.GenerateFamily(primtab.Family{Name: *family, Paths: []string{"AVX2", "AVX512"}})
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

// dot4 and axpy4 are dot and axpy over four rows at once, Sinkhorn's pass
// over K: the rows share the loads of y, and one call replaces four:
// four rows take 5 loads and 4 FMAs per vector in dot4, 5 loads, 4 FMAs
// and one store in axpy4, against 8 loads (and 4 stores) one row at a
// time.
// dot4 keeps one accumulator per row per unrolled copy: two copies on
// AVX-512 (8 FMA chains), one on AVX2 (16 ymm registers).
func dot4(k emit.Kernel) {
	k.Begin("dot4", "func(x0, x1, x2, x3, y []T) (r0, r1, r2, r3 T)",
		"returns sum xj[i]*y[i] for the rows x0..x3 (all of len(x0); len(y) >= len(x0)).")
	x0, n := slice("x0")
	ins := []reg.GPVirtual{x0, emit.Ptr("x1"), emit.Ptr("x2"), emit.Ptr("x3"), emit.Ptr("y")}
	unroll := 2
	if k.ISA == emit.AVX2 {
		unroll = 1
	}
	acc := k.Reduce(n, ins, 4, unroll, false, func(in, acc []reg.VecVirtual) {
		for j := range 4 {
			k.FMA231(in[j], in[4], acc[j])
		}
	})
	emit.Ret(emit.Result(k.HSum(acc[0]), "r0"), emit.Result(k.HSum(acc[1]), "r1"),
		emit.Result(k.HSum(acc[2]), "r2"), emit.Result(k.HSum(acc[3]), "r3"))
}

// axpy4 adds the four terms in row order, each by one FMA, as four calls
// of axpy would.
func axpy4(k emit.Kernel) {
	k.Begin("axpy4", "func(a0, a1, a2, a3 T, x0, x1, x2, x3, y []T)",
		"sets y[i] += a0*x0[i], then += a1*x1[i], a2*x2[i], a3*x3[i] (all of len(x0); len(y) >= len(x0)).")
	var a []reg.VecVirtual
	for _, name := range []string{"a0", "a1", "a2", "a3"} {
		v := k.Vec()
		k.Broadcast(emit.ParamAddr(name), v)
		a = append(a, v)
	}
	x0, n := slice("x0")
	y := emit.Ptr("y")
	ins := []reg.GPVirtual{x0, emit.Ptr("x1"), emit.Ptr("x2"), emit.Ptr("x3"), y}
	unroll := 4
	if k.ISA == emit.AVX2 {
		unroll = 2
	}
	k.Map(n, ins, []reg.GPVirtual{y}, unroll, func(in []reg.VecVirtual) []reg.VecVirtual {
		for j := range 4 {
			k.FMA231(a[j], in[j], in[4])
		}
		return in[4:]
	})
	emit.Ret()
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
