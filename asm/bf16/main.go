// Command bf16 generates kernels/bf16_amd64.s: the conversions between
// float32 and bfloat16, and the bfloat16 GEMM micro-kernel with its
// packing of B, for AVX-512 with AVX512_BF16 and (the conversions) AVX2.
//
// Neither avo v0.6.0 nor the Go 1.26 assembler knows the AVX512_BF16
// instructions (VDPBF16PS, VCVTNEPS2BF16, VCVTNE2PS2BF16), so they are
// written as bytes by emit.EVEXOp, register forms only, which needs
// physical vector registers: the kernels that use them name Z0..Z31
// themselves, and avo allocates only their general-purpose registers.
//
// The micro-kernel is the float32 one's shape (asm/gemm) with pairs of k
// steps: a packed panel holds, per pair of steps, one 32-bit word per
// row (A) or column (B), the step 2q in its low half and 2q+1 in its
// high half, so that one VDPBF16PS multiplies a broadcast word of A by
// sixteen columns of B and adds both products to sixteen float32
// accumulators. MR = 6 rows by NR = 64 columns: 24 accumulators, 4
// vectors of B and the broadcast, as the float32 kernel.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/doc"
	"github.com/fisherflow/fisherflow/asm/internal/emit"
)

func main() {
	ConstraintExpr("!purego")
	toBF16AVX512()
	toBF16AVX2()
	fromBF16(emit.AVX512)
	fromBF16(emit.AVX2)
	kernel(false)
	kernel(true)
	packN("packNBF16AVX512", nv)
	packN("packN48BF16AVX512", 3)
	packA6()
	emit.GenerateFile()
}

// z returns the physical zmm register i, y the ymm.
func z(i int) reg.Physical { return reg.Vector.Lookup(reg.Index(i), reg.S512) }
func y(i int) reg.Physical { return reg.Vector.Lookup(reg.Index(i), reg.S256) }

// toBF16AVX512 emits the conversion of len(src)/16*16 values by
// VCVTNEPS2BF16, four vectors per iteration, then one at a time; the
// caller converts the tail.
func toBF16AVX512() {
	TEXT("toBF16AVX512BF16", NOSPLIT, "func(dst []uint16, src []float32)")
	Pragma("noescape")
	Doc(doc.Lines("toBF16AVX512BF16 sets dst[i] to src[i] rounded to bfloat16 (VCVTNEPS2BF16) for i < len(src)/16*16; len(dst) >= len(src).")...)
	d, s, n := emit.Ptr("dst"), emit.Ptr("src"), emit.Len("src")
	SHRQ(U8(4), n) // vectors
	loop4, loop1, done := "cvt4", "cvt1", "cvtdone"
	Label(loop4)
	CMPQ(n, U8(4))
	JB(LabelRef(loop1))
	for u := 0; u < 4; u++ {
		VMOVUPS(Mem{Base: s, Disp: 64 * u}, z(u))
	}
	for u := 0; u < 4; u++ {
		emit.VCVTNEPS2BF16.Emit(512, y(4+u), nil, z(u))
	}
	for u := 0; u < 4; u++ {
		VMOVDQU(y(4+u), Mem{Base: d, Disp: 32 * u})
	}
	ADDQ(U32(256), s)
	ADDQ(U32(128), d)
	SUBQ(U8(4), n)
	JMP(LabelRef(loop4))
	Label(loop1)
	TESTQ(n, n)
	JZ(LabelRef(done))
	VMOVUPS(Mem{Base: s}, z(0))
	emit.VCVTNEPS2BF16.Emit(512, y(4), nil, z(0))
	VMOVDQU(y(4), Mem{Base: d})
	ADDQ(U8(64), s)
	ADDQ(U8(32), d)
	DECQ(n)
	JMP(LabelRef(loop1))
	Label(done)
	emit.Ret()
}

// toBF16AVX2 emits the same conversion, for len(src)/16*16 values, in
// integer arithmetic: r = (x + 0x7fff + (x>>16 & 1)) >> 16 rounds the
// bits x to nearest even; a NaN becomes its high half with the quiet
// bit set, and a subnormal or zero its sign (VCVTNEPS2BF16 flushes
// subnormals), both by blends. VPACKUSDW packs two vectors of results
// per 128-bit lane, and VPERMQ puts the lanes in order.
func toBF16AVX2() {
	k := emit.Kernel{ISA: emit.AVX2, Prec: emit.Float32}
	TEXT("toBF16AVX2", NOSPLIT, "func(dst []uint16, src []float32)")
	Pragma("noescape")
	Doc(doc.Lines("toBF16AVX2 sets dst[i] to src[i] rounded to bfloat16 for i < len(src)/16*16, with the results of VCVTNEPS2BF16; len(dst) >= len(src).")...)
	d, s, n := emit.Ptr("dst"), emit.Ptr("src"), emit.Len("src")
	SHRQ(U8(4), n)
	one, bias, quiet, exp, sign := YMM(), YMM(), YMM(), YMM(), YMM()
	VMOVDQU(k.ConstBits(1), one)
	VMOVDQU(k.ConstBits(0x7fff), bias)
	VMOVDQU(k.ConstBits(0x40), quiet)
	VMOVDQU(k.ConstBits(0x7f800000), exp)
	VMOVDQU(k.ConstBits(0x8000), sign)
	zero := YMM()
	VPXOR(zero, zero, zero)
	loop, done := "avx2loop", "avx2done"
	Label(loop)
	TESTQ(n, n)
	JZ(LabelRef(done))
	var r [2]reg.VecVirtual
	for h := range r {
		x, hi, t, m := YMM(), YMM(), YMM(), YMM()
		VMOVDQU(Mem{Base: s, Disp: 32 * h}, x)
		VPSRLD(U8(16), x, hi)
		VPAND(one, hi, t)
		VPADDD(bias, x, r0(&r[h]))
		VPADDD(t, r[h], r[h])
		VPSRLD(U8(16), r[h], r[h])
		// NaN: the high half, quieted.
		VPOR(quiet, hi, t)
		VCMPPS(U8(3), x, x, m) // unordered
		VBLENDVPS(m, t, r[h], r[h])
		// Zero or subnormal: the sign.
		VPAND(sign, hi, t)
		VPAND(exp, x, m)
		VPCMPEQD(zero, m, m)
		VBLENDVPS(m, t, r[h], r[h])
	}
	p := YMM()
	VPACKUSDW(r[1], r[0], p)
	VPERMQ(U8(0xd8), p, p)
	VMOVDQU(p, Mem{Base: d})
	ADDQ(U8(64), s)
	ADDQ(U8(32), d)
	DECQ(n)
	JMP(LabelRef(loop))
	Label(done)
	emit.Ret()
}

// r0 allocates *v and returns it.
func r0(v *reg.VecVirtual) reg.VecVirtual {
	*v = YMM()
	return *v
}

// fromBF16 emits the widening of bfloat16 to float32 (exact: the bits
// shifted into the high half) for len(src)/L*L values, L the lanes.
func fromBF16(isa emit.ISA) {
	name := "fromBF16" + isa.String()
	TEXT(name, NOSPLIT, "func(dst []float32, src []uint16)")
	Pragma("noescape")
	lanes := isa.Bytes() / 4
	Doc(doc.Lines(name + " sets dst[i] to the bfloat16 src[i] as float32 for i < len(src)/" + itoa(lanes) + "*" + itoa(lanes) + "; len(dst) >= len(src).")...)
	d, s, n := emit.Ptr("dst"), emit.Ptr("src"), emit.Len("src")
	loop, done := "from"+isa.String(), "fromdone"+isa.String()
	Label(loop)
	CMPQ(n, U8(lanes))
	JB(LabelRef(done))
	v := emit.Kernel{ISA: isa, Prec: emit.Float32}
	x := v.Vec()
	VPMOVZXWD(Mem{Base: s}, x)
	VPSLLD(U8(16), x, x)
	VMOVDQU32orVMOVDQU(isa, x, Mem{Base: d})
	ADDQ(U8(uint8(2*lanes)), s)
	ADDQ(U8(uint8(4*lanes)), d)
	SUBQ(U8(uint8(lanes)), n)
	JMP(LabelRef(loop))
	Label(done)
	emit.Ret()
}

// VMOVDQU32orVMOVDQU stores an integer vector of the ISA's width.
func VMOVDQU32orVMOVDQU(isa emit.ISA, v, m Op) {
	if isa == emit.AVX512 {
		VMOVDQU32(v, m)
		return
	}
	VMOVDQU(v, m)
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// The micro-kernel's shape: MR rows, NV vectors of 16 columns.
const mr, nv, nr = 6, 4, 64

// kernel emits the bfloat16 micro-kernel, which adds (or with set,
// stores) alpha * A * B to the 6x64 float32 tile at c, for kc pairs of
// steps: per pair, 4 loads of B, 6 broadcasts of A's words and 24
// VDPBF16PS. The loop, prefetches and the final scaling by alpha are
// those of asm/gemm's float32 kernel. Registers: accumulators Z0..Z23,
// B Z24..Z27, the broadcast Z28, alpha Z29 and the C update Z30.
func kernel(set bool) {
	name, verb := "gemmKernelBF16AVX512", "adds alpha * A * B to"
	if set {
		name, verb = "gemmSetKernelBF16AVX512", "stores alpha * A * B in"
	}
	TEXT(name, NOSPLIT, "func(kc int, a, b, c *float32, ldc int, alpha float32)")
	Pragma("noescape")
	Doc(doc.Lines(name + " " + verb + " the 6x64 float32 tile at c (row stride ldc elements); a is a packed panel of kc pairs of steps of 6 words, b of kc pairs of 64 words, each word two bfloat16 (step 2q low, 2q+1 high).")...)
	kc := Load(Param("kc"), GP64())
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())
	{
		c := Load(Param("c"), GP64())
		ldc := Load(Param("ldc"), GP64())
		SHLQ(U8(2), ldc)
		for i := 0; i < mr; i++ {
			for off := 0; off < 256; off += 64 {
				PREFETCHT0(Mem{Base: c, Disp: off})
			}
			PREFETCHT0(Mem{Base: c, Disp: 255})
			if i+1 < mr {
				ADDQ(ldc, c)
			}
		}
	}
	acc := func(i, j int) reg.Physical { return z(i*nv + j) }
	for i := 0; i < mr*nv; i++ {
		VPXORD(z(i), z(i), z(i))
	}
	bv := func(j int) reg.Physical { return z(24 + j) }
	av := z(28)
	const pfB, pfA = 8, 16
	const unroll = 4
	stepB := nr * 4
	step := func(s int, prefetch bool) {
		for j := 0; j < nv; j++ {
			VMOVUPS(Mem{Base: b, Disp: s*stepB + j*64}, bv(j))
		}
		lines := stepB / 64
		for i := 0; i < mr; i++ {
			if prefetch {
				for l := 0; l < lines; l++ {
					if i == l*mr/lines {
						PREFETCHT0(Mem{Base: b, Disp: (s+pfB)*stepB + l*64})
					}
				}
				if i == mr/2 {
					PREFETCHT0(Mem{Base: a, Disp: (s + pfA) * mr * 4})
				}
			}
			VPBROADCASTD(Mem{Base: a, Disp: (s*mr + i) * 4}, av)
			for j := 0; j < nv; j++ {
				emit.VDPBF16PS.Emit(512, acc(i, j), av, bv(j))
			}
		}
	}
	loopN, loop1, done := "loopN", "loop1", "done"
	Label(loopN)
	CMPQ(kc, U8(unroll))
	JB(LabelRef(loop1))
	for s := 0; s < unroll; s++ {
		step(s, true)
	}
	ADDQ(U32(uint32(unroll*mr*4)), a)
	ADDQ(U32(uint32(unroll*stepB)), b)
	SUBQ(U8(unroll), kc)
	JMP(LabelRef(loopN))
	Label(loop1)
	TESTQ(kc, kc)
	JZ(LabelRef(done))
	step(0, false)
	ADDQ(U32(uint32(mr*4)), a)
	ADDQ(U32(uint32(stepB)), b)
	DECQ(kc)
	JMP(LabelRef(loop1))
	Label(done)

	c := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	alpha, t := z(29), z(30)
	VBROADCASTSS(emit.ParamAddr("alpha"), alpha)
	for i := 0; i < mr; i++ {
		for j := 0; j < nv; j++ {
			m := Mem{Base: c, Disp: j * 64}
			if set {
				VMULPS(acc(i, j), alpha, t)
			} else {
				VMOVUPS(m, t)
				VFMADD231PS(acc(i, j), alpha, t)
			}
			VMOVUPS(t, m)
		}
		if i+1 < mr {
			ADDQ(ldc, c)
		}
	}
	emit.Ret()
}

// packN emits the packing of pairs of rows of w = 16*vecs float32 (a B
// panel stored by rows, vecs = 4; or eight A panels of a transposed A,
// vecs = 3): for n pairs of rows (2q, 2q+1) at src (row stride lds
// elements), the w words of dst[w*q:] take column j's two values rounded
// to bfloat16, row 2q low. Per 16 columns one VCVTNE2PS2BF16 rounds both
// rows into one register (row 2q in the low half) and a VPERMW
// interleaves them.
func packN(name string, vecs int) {
	w := 16 * vecs
	TEXT(name, NOSPLIT, "func(n int, src *float32, lds int, dst *float32)")
	Pragma("noescape")
	Doc(doc.Lines(fmt.Sprintf("%s packs n pairs of rows of %d float32 at src (row stride lds elements) into dst, rounded to bfloat16: word %d*q+j of dst holds src[2q*lds+j] (low half) and src[(2q+1)*lds+j] (high half).", name, w, w))...)
	n := Load(Param("n"), GP64())
	src := Load(Param("src"), GP64())
	lds := Load(Param("lds"), GP64())
	dst := Load(Param("dst"), GP64())
	SHLQ(U8(2), lds)
	ix := z(31)
	VMOVDQU32(interleave(), ix)
	loop, done := name+"loop", name+"done"
	Label(loop)
	TESTQ(n, n)
	JZ(LabelRef(done))
	r1 := GP64()
	LEAQ(Mem{Base: src, Index: lds, Scale: 1}, r1)
	for v := 0; v < vecs; v++ {
		VMOVUPS(Mem{Base: src, Disp: 64 * v}, z(2*v))
		VMOVUPS(Mem{Base: r1, Disp: 64 * v}, z(2*v+1))
	}
	for v := 0; v < vecs; v++ {
		// Intel order: dst, src1 (high half), src2 (low half).
		emit.VCVTNE2PS2BF16.Emit(512, z(8+v), z(2*v+1), z(2*v))
	}
	for v := 0; v < vecs; v++ {
		VPERMW(z(8+v), ix, z(16+v))
		VMOVDQU32(z(16+v), Mem{Base: dst, Disp: 64 * v})
	}
	LEAQ(Mem{Base: r1, Index: lds, Scale: 1}, src)
	ADDQ(U32(uint32(4*w)), dst)
	DECQ(n)
	JMP(LabelRef(loop))
	Label(done)
	emit.Ret()
}

var interleaveTable *Mem

// interleave returns the VPERMW indices that interleave the low and high
// 16 words of a register: word 2j takes word j, word 2j+1 word 16+j.
func interleave() Mem {
	if interleaveTable == nil {
		m := GLOBL("bf16interleave", RODATA|NOPTR)
		for j := 0; j < 16; j++ {
			DATA(4*j, U32(uint32(j)|uint32(16+j)<<16))
		}
		interleaveTable = &m
	}
	return *interleaveTable
}

// packA6 emits the packing of a whole panel of six rows of A stored by
// rows, 16 pairs of steps per iteration: each row's 32 values are
// rounded by one VCVTNE2PS2BF16 into 16 words (pairs of consecutive
// steps, in order), and the six vectors of words are laid out step by
// step as asm/gemm's packA6 does with six rows of float32 (VPERMI2PS
// pairs the rows, VPERMI2PD and a masked VPERMPD deal the units), in one
// pass where rounding into a scratch and then packA6 took two.
func packA6() {
	TEXT("packA6BF16AVX512", NOSPLIT, "func(n int, src *float32, lds int, dst *float32)")
	Pragma("noescape")
	Doc(doc.Lines("packA6BF16AVX512 packs n pairs of steps (n a multiple of 16) of six rows of A (row stride lds elements) into dst, rounded to bfloat16: word 6q+r of dst holds src[r*lds+2q] (low half) and src[r*lds+2q+1] (high half).")...)
	n := Load(Param("n"), GP64())
	src := Load(Param("src"), GP64())
	lds := Load(Param("lds"), GP64())
	dst := Load(Param("dst"), GP64())
	SHLQ(U8(2), lds)
	pairIdx := GLOBL("bf16A6pair", RODATA|NOPTR)
	for i := 0; i < 32; i++ {
		half, e := i/16, i%16
		DATA(4*i, U32(uint32(8*half+e/2+16*(e%2))))
	}
	units := GLOBL("bf16A6units", RODATA|NOPTR)
	masks := make([]uint8, 3)
	for o := 0; o < 3; o++ {
		for u := 0; u < 8; u++ {
			t := 8*o + u
			p, j := t/3, t%3
			v := p
			if j == 1 {
				v = 8 + p
			}
			if j == 2 {
				masks[o] |= 1 << u
			}
			DATA(64*o+8*u, U64(uint64(v)))
		}
	}
	il, ih := z(18), z(19)
	VMOVDQU32(pairIdx, il)
	VMOVDQU32(pairIdx.Offset(64), ih)
	idx := []reg.Physical{z(20), z(21), z(22)}
	km := make([]reg.OpmaskVirtual, 3)
	for o := range idx {
		VMOVDQU64(units.Offset(64*o), idx[o])
		km[o] = K()
		g := GP32()
		MOVL(U32(uint32(masks[o])), g)
		KMOVW(g, km[o])
	}
	lds3 := GP64()
	LEAQ(Mem{Base: lds, Index: lds, Scale: 2}, lds3)
	loop, done := "packA6loop", "packA6done"
	Label(loop)
	CMPQ(n, U8(0))
	JE(LabelRef(done))
	r3 := GP64()
	LEAQ(Mem{Base: src, Index: lds3, Scale: 1}, r3)
	rows := make([]reg.Physical, 6)
	for r := range rows {
		base := src
		if r >= 3 {
			base = r3
		}
		m := Mem{Base: base}
		if r%3 > 0 {
			m = Mem{Base: base, Index: lds, Scale: uint8(r % 3)}
		}
		VMOVUPS(m, z(2*r))
		VMOVUPS(m.Offset(64), z(2*r+1))
	}
	for r := range rows {
		rows[r] = z(12 + r)
		emit.VCVTNE2PS2BF16.Emit(512, rows[r], z(2*r+1), z(2*r))
	}
	for half, ix := range []reg.Physical{il, ih} {
		pairs := []reg.Physical{z(23), z(24), z(25)}
		for j := range pairs {
			VMOVDQU32(ix, pairs[j])
			VPERMI2PS(rows[2*j+1], rows[2*j], pairs[j])
		}
		for o := 0; o < 3; o++ {
			out := z(26 + o)
			VMOVDQU64(idx[o], out)
			VPERMI2PD(pairs[1], pairs[0], out)
			VPERMPD(pairs[2], idx[o], km[o], out)
			VMOVUPS(out, Mem{Base: dst, Disp: 64 * (3*half + o)})
		}
	}
	ADDQ(U8(128), src)
	ADDQ(U32(384), dst)
	SUBQ(U8(16), n)
	JMP(LabelRef(loop))
	Label(done)
	emit.Ret()
}
