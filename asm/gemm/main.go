// Command gemm generates kernels/gemm_amd64.s: the register-blocked GEMM
// micro-kernels for AVX2+FMA and AVX-512, float32 and float64.
//
// A micro-kernel computes C[MR x NR] += alpha * Ap * Bp, where Ap is a packed
// MR x kc panel of A (kc steps of MR values) and Bp a packed kc x NR panel
// of B (kc steps of NR values). The tile shape comes from this model:
//
//   - An FMA has a latency of 4 cycles and two issue per cycle (Skylake-X,
//     Cascade Lake, Ice Lake, Zen 4/5), so at least 4 x 2 = 8 independent
//     accumulators are needed to keep both FMA pipes busy.
//   - Every accumulator lives in a register for the whole kc loop, beside
//     the NR/lanes vectors of B and one broadcast of A:
//     MR * NR/lanes + NR/lanes + 1 <= registers.
//   - Per k step the tile issues MR broadcasts and NR/lanes loads (two load
//     ports) against MR * NR/lanes FMAs (two FMA ports); with NR/lanes = 2,
//     loads stay below FMAs whenever MR >= 2.
//
// AVX-512 (32 zmm): MR = 14, NR = 2 vectors: 28 accumulators + 2 + 1 = 31.
// AVX2 (16 ymm): MR = 6, NR = 2 vectors: 12 accumulators + 2 + 1 = 15.
// So NR = 32 (float32) or 16 (float64) on AVX-512, 16 or 8 on AVX2.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/emit"
)

func main() {
	ConstraintExpr("!purego")
	for _, k := range emit.Variants() {
		kernel(k)
	}
	Generate()
}

// Shape returns the tile of a variant: MR rows, NV vectors per row.
func shape(k emit.Kernel) (mr, nv int) {
	if k.ISA == emit.AVX512 {
		return 14, 2
	}
	return 6, 2
}

func kernel(k emit.Kernel) {
	mr, nv := shape(k)
	nr := nv * k.Lanes()
	k.Begin("gemmKernel", "func(kc int, a, b, c *T, ldc int, alpha T)",
		fmt.Sprintf("adds alpha * A * B to the %dx%d tile at c (row stride ldc elements); a is a packed %d x kc panel, b a packed kc x %d panel.", mr, nr, mr, nr))
	kc := Load(Param("kc"), GP64())
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())

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
	bcst := k.ISA == emit.AVX512
	// step emits one k step at offset s (in k steps) from a and b.
	step := func(s int) {
		for j := range bv {
			k.Load(Mem{Base: b, Disp: (s*nr + j*k.Lanes()) * k.Size()}, bv[j])
		}
		for i := 0; i < mr; i++ {
			am := Mem{Base: a, Disp: (s*mr + i) * k.Size()}
			if bcst {
				for j := 0; j < nv; j++ {
					if k.Prec == emit.Float32 {
						VFMADD231PS_BCST(am, bv[j], acc[i][j])
					} else {
						VFMADD231PD_BCST(am, bv[j], acc[i][j])
					}
				}
				continue
			}
			k.Broadcast(am, av)
			for j := 0; j < nv; j++ {
				k.FMA231(bv[j], av, acc[i][j])
			}
		}
	}
	// Two k steps per iteration halve the loop overhead, which matters:
	// the tile is close to the 4 uops per cycle that the front end renames.
	loop2, loop1, done := k.Label("loop2"), k.Label("loop1"), k.Label("done")
	Label(loop2)
	CMPQ(kc, U8(2))
	JB(LabelRef(loop1))
	step(0)
	step(1)
	ADDQ(U32(uint32(2*mr*k.Size())), a)
	ADDQ(U32(uint32(2*nr*k.Size())), b)
	SUBQ(U8(2), kc)
	JMP(LabelRef(loop2))
	Label(loop1)
	TESTQ(kc, kc)
	JZ(LabelRef(done))
	step(0)
	Label(done)

	// C += alpha * acc, row by row.
	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(map[int]uint8{4: 2, 8: 3}[k.Size()]), ldc)
	alpha := k.Vec()
	k.Broadcast(emit.ParamAddr("alpha"), alpha)
	for i := 0; i < mr; i++ {
		for j := 0; j < nv; j++ {
			m := Mem{Base: c, Disp: j * k.Bytes()}
			t := k.Vec()
			k.Load(m, t)
			k.FMA231(acc[i][j], alpha, t)
			k.Store(t, m)
		}
		if i+1 < mr {
			ADDQ(ldc, c)
		}
	}
	emit.Ret()
}
