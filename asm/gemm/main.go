// Command gemm generates kernels/gemm_amd64.s: the register-blocked GEMM
// micro-kernels for AVX2+FMA and AVX-512, float32 and float64.
//
// A micro-kernel computes C[MR x NR] += alpha * Ap * Bp, where Ap is a packed
// MR x kc panel of A (kc steps of MR values) and Bp a packed kc x NR panel
// of B (kc steps of NR values). Per k step it loads NV = NR/lanes vectors
// of B, broadcasts each of the MR values of A into a register and issues
// MR x NV FMAs into accumulators that stay in registers for the whole kc
// loop. The tile shape comes from this model:
//
//   - An FMA has a latency of 4 cycles and two issue per cycle (Skylake-X,
//     Cascade Lake, Ice Lake, Zen 4/5), so at least 4 x 2 = 8 independent
//     accumulators are needed, and 12 or more reach the register-only
//     peak.
//   - Registers: MR * NV accumulators + NV vectors of B + 1 broadcast.
//   - Loads per k step, MR broadcasts + NV vectors (plus the prefetches),
//     share the two load ports with whatever else runs on the core; fewer
//     loads per FMA leave more slack: MR * NV = 24 with MR + NV = 10 loads
//     (6 x 4) beat 28 with 16 loads (14 x 2) and 24 with 14 (12 x 2) or
//     11 (8 x 3) in whole GEMMs (BENCHMARKS.md).
//   - The broadcast goes to a register (VBROADCASTSS/SD), not the FMA's
//     embedded-broadcast memory operand: the memory form loads once per
//     FMA instead of once per row, which is slower.
//   - B streams from L2 (the kc x nc block) while the A panel stays in L1,
//     so the kernel prefetches B eight k steps ahead and A sixteen, and
//     the C tile into L1 at the start (it is read at the end).
//
// AVX-512 (32 zmm): MR = 6, NV = 4: 24 accumulators + 4 + 1 = 29.
// AVX2 (16 ymm): MR = 6, NV = 2: 12 accumulators + 2 + 1 = 15.
// So NR = 64 (float32) or 32 (float64) on AVX-512, 16 or 8 on AVX2.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/emit"
	"github.com/fisherflow/fisherflow/asm/internal/primtab"
)

func main() {
	ConstraintExpr("!purego")
	for _, k := range emit.Variants() {
		kernel(k, false)
		kernel(k, true)
		packT(k)
		packN(k)
		if k.ISA == emit.AVX512 && k.Prec == emit.Float32 {
			packA6(k)
		}
		if k.ISA == emit.AVX512 {
			packA6T(k)
			packA6T8(k)
		}
	}
	emit.GenerateFamily(primtab.Family{Name: "gemm", Paths: []string{"AVX2", "AVX512"}, Field: gemmField, Extra: gemmShape})
}

// Shape returns the tile of a variant: MR rows, NV vectors per row.
func shape(k emit.Kernel) (mr, nv int) {
	if k.ISA == emit.AVX512 {
		return 6, 4
	}
	return 6, 2
}

// gemmField maps the kernels to the fields of kernels' prims.gemm, a
// microKernel.
func gemmField(base string) string {
	switch base {
	case "gemmKernel":
		return "gemm.fn"
	case "gemmSetKernel":
		return "gemm.set"
	}
	return "gemm." + base // packT, packN, packA6, packA6T, packA6T8
}

// gemmShape returns the assignments of a variant's tile shape and packT's
// tile (one vector) in its path table.
func gemmShape(path, prec string) []string {
	for _, k := range emit.Variants() {
		if k.ISA.String() == path && k.Prec.String() == prec {
			mr, nv := shape(k)
			return []string{fmt.Sprintf("p.gemm.mr, p.gemm.nr, p.gemm.tl = %d, %d, %d", mr, nv*k.Lanes(), k.Lanes())}
		}
	}
	return nil
}

// kernel emits the micro-kernel, which adds alpha * A * B to the C tile,
// or with set (gemmSetKernel) stores it there: the first k slice of a
// product with beta = 0 then neither clears C beforehand nor reads it.
func kernel(k emit.Kernel, set bool) {
	mr, nv := shape(k)
	nr := nv * k.Lanes()
	name, verb := "gemmKernel", "adds alpha * A * B to"
	if set {
		name, verb = "gemmSetKernel", "stores alpha * A * B in"
	}
	k.Begin(name, "func(kc int, a, b, c *T, ldc int, alpha T)",
		fmt.Sprintf("%s the %dx%d tile at c (row stride ldc elements); a is a packed %d x kc panel, b a packed kc x %d panel.", verb, mr, nr, mr, nr))
	kc := Load(Param("kc"), GP64())
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())

	// Prefetch the C tile (a store needs the line too): each row is nv
	// vectors, which may straddle one more cache line than its length.
	{
		c := Load(Param("c"), GP64())
		ldc := Load(Param("ldc"), GP64())
		k.ToBytes(ldc)
		row := nv * k.Bytes()
		for i := 0; i < mr; i++ {
			for off := 0; off < row; off += 64 {
				PREFETCHT0(Mem{Base: c, Disp: off})
			}
			PREFETCHT0(Mem{Base: c, Disp: row - 1})
			if i+1 < mr {
				ADDQ(ldc, c)
			}
		}
	}

	acc := make([][]reg.VecVirtual, mr)
	for i := range acc {
		for j := 0; j < nv; j++ {
			v := k.Vec()
			k.Zero(v)
			acc[i] = append(acc[i], v)
		}
	}
	bv := make([]reg.VecVirtual, nv)
	for j := range bv {
		bv[j] = k.Vec()
	}
	av := k.Vec()
	const pfB, pfA = 8, 16 // prefetch distances in k steps
	const unroll = 4
	stepB := nr * k.Size() // bytes of B per k step
	// step emits one k step at offset s (in k steps) from a and b; the
	// unrolled loop prefetches, the one-step tail does not.
	step := func(s int, prefetch bool) {
		for j := range bv {
			k.Load(Mem{Base: b, Disp: (s*nr + j*k.Lanes()) * k.Size()}, bv[j])
		}
		lines := ceilDiv(stepB, 64)
		for i := 0; i < mr; i++ {
			if prefetch {
				// Spread the prefetches of B's lines over the rows.
				for l := 0; l < lines; l++ {
					if i == l*mr/lines {
						PREFETCHT0(Mem{Base: b, Disp: (s+pfB)*stepB + l*64})
					}
				}
				if i == mr/2 {
					PREFETCHT0(Mem{Base: a, Disp: (s + pfA) * mr * k.Size()})
				}
			}
			k.Broadcast(Mem{Base: a, Disp: (s*mr + i) * k.Size()}, av)
			for j := 0; j < nv; j++ {
				k.FMA231(bv[j], av, acc[i][j])
			}
		}
	}
	// unroll k steps per iteration (4 measured a little ahead of 2 on a
	// whole GEMM), then the rest one at a time.
	loopN, loop1, done := k.Label("loopN"), k.Label("loop1"), k.Label("done")
	Label(loopN)
	CMPQ(kc, U8(unroll))
	JB(LabelRef(loop1))
	for s := 0; s < unroll; s++ {
		step(s, true)
	}
	ADDQ(U32(uint32(unroll*mr*k.Size())), a)
	ADDQ(U32(uint32(unroll*nr*k.Size())), b)
	SUBQ(U8(unroll), kc)
	JMP(LabelRef(loopN))
	Label(loop1)
	TESTQ(kc, kc)
	JZ(LabelRef(done))
	step(0, false)
	ADDQ(U32(uint32(mr*k.Size())), a)
	ADDQ(U32(uint32(nr*k.Size())), b)
	DECQ(kc)
	JMP(LabelRef(loop1))
	Label(done)

	// C += alpha * acc (or C = alpha * acc), row by row.
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	k.ToBytes(ldc)
	alpha := k.Vec()
	k.Broadcast(emit.ParamAddr("alpha"), alpha)
	for i := 0; i < mr; i++ {
		for j := 0; j < nv; j++ {
			m := Mem{Base: c, Disp: j * k.Bytes()}
			t := k.Vec()
			if set {
				k.Mul(acc[i][j], alpha, t)
			} else {
				k.Load(m, t)
				k.FMA231(acc[i][j], alpha, t)
			}
			k.Store(t, m)
		}
		if i+1 < mr {
			ADDQ(ldc, c)
		}
	}
	emit.Ret()
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
