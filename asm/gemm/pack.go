package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/emit"
)

// packT emits the transposing copy that packs a transposed operand
// (op(B) = B^T, so a panel's columns are contiguous in memory) into the
// micro-kernel's layout: for L = lanes, it moves L x L blocks,
//
//	dst[p*ldd + j] = src[j*lds + p]   for j < L, p < n,
//
// n a multiple of L. Each block is L row loads, an in-register
// transpose and L row stores, where a Go loop moves one element at a
// time with a strided store each.
//
// The transpose: unpacking pairs of rows interleaves them within each
// 128-bit lane; for float32 a VSHUFPS pass then makes each 128-bit lane
// hold four rows of one column; what remains is a transpose of 128-bit
// blocks, 2 x 2 on AVX2 (VPERM2F128) and 4 x 4 on AVX-512 (two passes of
// VSHUFF32X4/VSHUFF64X2).
func packT(k emit.Kernel) {
	k.Begin("packT", "func(n int, src *T, lds int, dst *T, ldd int)",
		fmt.Sprintf("copies the transpose of the %d x n block at src (row stride lds elements) to dst (row stride ldd elements): dst[p*ldd+j] = src[j*lds+p]; n is a multiple of %d.", k.Lanes(), k.Lanes()))
	n := Load(Param("n"), GP64())
	src := Load(Param("src"), GP64())
	lds := Load(Param("lds"), GP64())
	dst := Load(Param("dst"), GP64())
	ldd := Load(Param("ldd"), GP64())
	k.ToBytes(lds)
	k.ToBytes(ldd)
	L := k.Lanes()
	loop, done := k.Label("loop"), k.Label("done")
	Label(loop)
	CMPQ(n, U8(0))
	JE(LabelRef(done))
	// Load row j of the block from src + j*lds.
	rows := make([]reg.VecVirtual, L)
	p := GP64()
	MOVQ(src, p)
	for j := range rows {
		rows[j] = k.Vec()
		k.Load(Mem{Base: p}, rows[j])
		if j+1 < L {
			ADDQ(lds, p)
		}
	}
	cols := transpose(k, rows)
	q := GP64()
	MOVQ(dst, q)
	for j, c := range cols {
		k.Store(c, Mem{Base: q})
		if j+1 < L {
			ADDQ(ldd, q)
		}
	}
	// Next block: L elements along src's rows, L rows of dst.
	ADDQ(U32(uint32(k.Bytes())), src)
	for i := 0; i < L; i++ {
		ADDQ(ldd, dst)
	}
	SUBQ(U8(uint8(L)), n)
	JMP(LabelRef(loop))
	Label(done)
	emit.Ret()
}

// transpose returns the columns of the L x L block whose rows are r.
func transpose(k emit.Kernel, r []reg.VecVirtual) []reg.VecVirtual {
	L := len(r)
	vec := func() reg.VecVirtual { return k.Vec() }
	// Pass 1: unpack pairs of rows (2i, 2i+1). lo[i] holds, in each
	// 128-bit lane, elements 0 (and 1 for float32) of the lane from both
	// rows, interleaved; hi[i] the others.
	lo, hi := make([]reg.VecVirtual, L/2), make([]reg.VecVirtual, L/2)
	for i := range lo {
		lo[i], hi[i] = vec(), vec()
		if k.Prec == emit.Float32 {
			VUNPCKLPS(r[2*i+1], r[2*i], lo[i])
			VUNPCKHPS(r[2*i+1], r[2*i], hi[i])
		} else {
			VUNPCKLPD(r[2*i+1], r[2*i], lo[i])
			VUNPCKHPD(r[2*i+1], r[2*i], hi[i])
		}
	}
	// g[q][b]: for column q within a 128-bit lane (q < lanes per 128
	// bits), the vector whose 128-bit lane c holds that column of the
	// lane c block for the rows of group b (2 rows for float64, 4 for
	// float32).
	var g [][]reg.VecVirtual
	if k.Prec == emit.Float64 {
		g = [][]reg.VecVirtual{lo, hi}
	} else {
		// Pass 2 (float32): combine pairs (2b, 2b+1) of the unpacked rows
		// into 4-row groups with VSHUFPS: 0x44 takes the low halves of
		// both 128-bit lanes, 0xEE the high halves.
		g = make([][]reg.VecVirtual, 4)
		for b := 0; b < L/4; b++ {
			for qi, src := range [][]reg.VecVirtual{lo, hi} {
				a, c := vec(), vec()
				VSHUFPS(U8(0x44), src[2*b+1], src[2*b], a)
				VSHUFPS(U8(0xEE), src[2*b+1], src[2*b], c)
				g[2*qi] = append(g[2*qi], a)     // column 0 (2 from hi) of a lane
				g[2*qi+1] = append(g[2*qi+1], c) // column 1 (3 from hi)
			}
		}
	}
	// Pass 3: transpose the 128-bit blocks. Column q of lane c, in rows
	// group b, is 128-bit lane c of g[q][b]; the output column c*len(g)+q
	// is lane c of g[q][0], g[q][1], ...
	out := make([]reg.VecVirtual, L)
	per := len(g) // columns per 128-bit lane
	for q, blocks := range g {
		var cols []reg.VecVirtual
		if k.ISA == emit.AVX2 {
			// Two 128-bit lanes, two groups.
			c0, c1 := vec(), vec()
			VPERM2F128(U8(0x20), blocks[1], blocks[0], c0)
			VPERM2F128(U8(0x31), blocks[1], blocks[0], c1)
			cols = []reg.VecVirtual{c0, c1}
		} else {
			// Four 128-bit lanes, four groups A, B, C, D: [A0 A1 B0 B1],
			// [A2 A3 B2 B3], [C0 C1 D0 D1], [C2 C3 D2 D3], then lanes
			// (0, 2) and (1, 3) of those pairs.
			shuf := VSHUFF32X4
			if k.Prec == emit.Float64 {
				shuf = VSHUFF64X2
			}
			u := make([]reg.VecVirtual, 4)
			for i := range u {
				u[i] = vec()
			}
			shuf(U8(0x44), blocks[1], blocks[0], u[0])
			shuf(U8(0xEE), blocks[1], blocks[0], u[1])
			shuf(U8(0x44), blocks[3], blocks[2], u[2])
			shuf(U8(0xEE), blocks[3], blocks[2], u[3])
			cols = make([]reg.VecVirtual, 4)
			for i := range cols {
				cols[i] = vec()
			}
			shuf(U8(0x88), u[2], u[0], cols[0])
			shuf(U8(0xDD), u[2], u[0], cols[1])
			shuf(U8(0x88), u[3], u[1], cols[2])
			shuf(U8(0xDD), u[3], u[1], cols[3])
		}
		for c, v := range cols {
			out[c*per+q] = v
		}
	}
	return out
}

// packN emits the copy that packs a B panel stored by rows (op(B) = B):
// n rows of NR = NV vectors at src (row stride lds elements) go to dst
// one after another. A call to copy per row cost as much as the copy
// itself.
func packN(k emit.Kernel) {
	_, nv := shape(k)
	k.Begin("packN", "func(n int, src *T, lds int, dst *T)",
		fmt.Sprintf("copies n rows of %d elements at src (row stride lds elements) to dst, contiguously.", nv*k.Lanes()))
	n := Load(Param("n"), GP64())
	src := Load(Param("src"), GP64())
	lds := Load(Param("lds"), GP64())
	dst := Load(Param("dst"), GP64())
	k.ToBytes(lds)
	loop, done := k.Label("loop"), k.Label("done")
	Label(loop)
	CMPQ(n, U8(0))
	JE(LabelRef(done))
	vs := make([]reg.VecVirtual, nv)
	for j := range vs {
		vs[j] = k.Vec()
		k.Load(Mem{Base: src, Disp: j * k.Bytes()}, vs[j])
	}
	for j, v := range vs {
		k.Store(v, Mem{Base: dst, Disp: j * k.Bytes()})
	}
	ADDQ(lds, src)
	ADDQ(U32(uint32(nv*k.Bytes())), dst)
	DECQ(n)
	JMP(LabelRef(loop))
	Label(done)
	emit.Ret()
}

// packA6 emits, for AVX-512 float32 only (MR = 6), the packing of six
// rows of A stored by rows into the micro-kernel's layout, sixteen steps
// at a time: dst[p*6 + r] = src[r*lds + p] for r < 6, p < n (a multiple
// of 16), where a Go loop moves one element at a time.
//
// Two permutation passes: VPERMI2PS interleaves the rows in pairs (2j,
// 2j+1), giving for each pair a vector of 64-bit units (one unit, the
// pair's two values, per step) for steps 0..7 and one for steps 8..15;
// then each output vector of eight units, unit t = 3p + j, takes pairs 0
// and 1 by a VPERMI2PD and pair 2 by a masked VPERMPD with the same
// indices.
func packA6(k emit.Kernel) {
	k.Begin("packA6", "func(n int, src *T, lds int, dst *T)",
		"packs six rows of A (row stride lds elements) into dst, six values per step: dst[p*6+r] = src[r*lds+p]; n is a multiple of 16.")
	n := Load(Param("n"), GP64())
	src := Load(Param("src"), GP64())
	lds := Load(Param("lds"), GP64())
	dst := Load(Param("dst"), GP64())
	k.ToBytes(lds)
	// Stage 1 indices: element i of the pair's interleaving.
	pairIdx := GLOBL("packA6pair", RODATA|NOPTR)
	for i := 0; i < 32; i++ {
		// lo: i even -> row 2j step i/2, odd -> row 2j+1 (table 2);
		// hi: the same for steps 8..15.
		half, e := i/16, i%16
		DATA(4*i, U32(uint32(8*half+e/2+16*(e%2))))
	}
	// Stage 2 indices, per output vector o: unit t = 8o+u is step p =
	// t/3 of pair j = t%3, taken from table 1 (pair 0) at p, table 2
	// (pair 1) at 8+p, or by the masked single-table permute (pair 2) at
	// p (which reads the low three bits only).
	units := GLOBL("packA6units", RODATA|NOPTR)
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
	il, ih := k.Vec(), k.Vec()
	VMOVDQU32(pairIdx, il)
	VMOVDQU32(pairIdx.Offset(64), ih)
	idx := make([]reg.VecVirtual, 3)
	km := make([]reg.OpmaskVirtual, 3)
	for o := range idx {
		idx[o] = k.Vec()
		VMOVDQU64(units.Offset(64*o), idx[o])
		km[o] = K()
		g := GP32()
		MOVL(U32(uint32(masks[o])), g)
		KMOVW(g, km[o])
	}
	lds3 := GP64()
	LEAQ(Mem{Base: lds, Index: lds, Scale: 2}, lds3) // 3*lds
	loop, done := k.Label("loop"), k.Label("done")
	Label(loop)
	CMPQ(n, U8(0))
	JE(LabelRef(done))
	r3 := GP64()
	LEAQ(Mem{Base: src, Index: lds3, Scale: 1}, r3)
	rows := make([]reg.VecVirtual, 6)
	for r := range rows {
		rows[r] = k.Vec()
		base := src
		if r >= 3 {
			base = r3
		}
		m := Mem{Base: base}
		if r%3 > 0 {
			m = Mem{Base: base, Index: lds, Scale: uint8(r % 3)}
		}
		VMOVUPS(m, rows[r])
	}
	for half, ix := range []reg.VecVirtual{il, ih} {
		pairs := make([]reg.VecVirtual, 3)
		for j := range pairs {
			pairs[j] = k.Vec()
			VMOVDQU32(ix, pairs[j])
			VPERMI2PS(rows[2*j+1], rows[2*j], pairs[j])
		}
		for o := 0; o < 3; o++ {
			out := k.Vec()
			VMOVDQU64(idx[o], out)
			VPERMI2PD(pairs[1], pairs[0], out)
			VPERMPD(pairs[2], idx[o], km[o], out)
			VMOVUPS(out, Mem{Base: dst, Disp: 64 * (3*half + o)})
		}
	}
	ADDQ(U8(64), src)
	ADDQ(U32(384), dst)
	SUBQ(U8(16), n)
	JMP(LabelRef(loop))
	Label(done)
	emit.Ret()
}

// packA6T emits, for AVX-512 (MR = 6), the packing of a transposed A
// (op(A) = A^T, so a panel's six values of each step are contiguous in
// memory): dst[p*6 + r] = src[p*lds + r] for r < 6, p < n. Each step is
// one load and one store under the mask of the first six lanes (the
// masked-off lanes of the load are not read, so it never reaches past
// the matrix); four steps per iteration, where a Go loop copies the six
// values one at a time (the MLP's weight gradient has A transposed).
func packA6T(k emit.Kernel) {
	k.Begin("packA6T", "func(n int, src *T, lds int, dst *T)",
		"packs six columns of a transposed A (row stride lds elements) into dst, six values per step: dst[p*6+r] = src[p*lds+r].")
	n := Load(Param("n"), GP64())
	src := Load(Param("src"), GP64())
	lds := Load(Param("lds"), GP64())
	dst := Load(Param("dst"), GP64())
	k.ToBytes(lds)
	six := K()
	g := GP32()
	MOVL(U32(0x3f), g)
	KMOVW(g, six)
	mask := emit.MaskOf(six)
	step := 6 * k.Size() // bytes of dst per step
	const unroll = 4
	loop, one, done := k.Label("loop"), k.Label("one"), k.Label("done")
	Label(loop)
	CMPQ(n, U8(unroll))
	JL(LabelRef(one))
	vs := make([]reg.VecVirtual, unroll)
	for s := range vs {
		vs[s] = k.Vec()
		k.LoadMasked(Mem{Base: src}, mask, vs[s])
		ADDQ(lds, src)
	}
	for s, v := range vs {
		k.StoreMasked(v, mask, Mem{Base: dst, Disp: s * step})
	}
	ADDQ(U32(uint32(unroll*step)), dst)
	SUBQ(U8(unroll), n)
	JMP(LabelRef(loop))
	Label(one)
	CMPQ(n, U8(0))
	JE(LabelRef(done))
	v := k.Vec()
	k.LoadMasked(Mem{Base: src}, mask, v)
	k.StoreMasked(v, mask, Mem{Base: dst})
	ADDQ(lds, src)
	ADDQ(U32(uint32(step)), dst)
	DECQ(n)
	JMP(LabelRef(one))
	Label(done)
	emit.Ret()
}

// packA6T8 emits, for AVX-512 (MR = 6), the packing of eight consecutive
// panels of a transposed A at once: panel j (at dst + 6*n*j elements)
// gets dst_j[p*6 + r] = src[p*lds + 6*j + r] for r < 6, p < n. A step
// reads the 48 contiguous values of all eight panels (three float32
// cache lines) before moving on, where packA6T, one panel at a time,
// fetched each line again for each of the 2.7 panels it holds: with a
// row stride of a power of two the lines of a panel's steps share a few
// L1 sets, so each fetch came from L2. Loads and stores are masked to
// six lanes, as in packA6T.
func packA6T8(k emit.Kernel) {
	k.Begin("packA6T8", "func(n int, src *T, lds int, dst *T)",
		"packs eight consecutive six-column panels of a transposed A (row stride lds elements) into dst, panel j at dst[6*n*j:]: dst[6*n*j+p*6+r] = src[p*lds+6*j+r].")
	n := Load(Param("n"), GP64())
	src := Load(Param("src"), GP64())
	lds := Load(Param("lds"), GP64())
	k.ToBytes(lds)
	step := 6 * k.Size() // bytes of dst per step
	// Eight panel bases, 6*n*size bytes apart, and one offset into them.
	pan := GP64()
	IMUL3Q(U32(uint32(step)), n, pan)
	base := make([]reg.GPVirtual, 8)
	for j := range base {
		base[j] = GP64()
		if j == 0 {
			Load(Param("dst"), base[j])
			continue
		}
		MOVQ(base[j-1], base[j])
		ADDQ(pan, base[j])
	}
	off := GP64()
	XORQ(off, off)
	six := K()
	g := GP32()
	MOVL(U32(0x3f), g)
	KMOVW(g, six)
	mask := emit.MaskOf(six)
	loop, done := k.Label("loop"), k.Label("done")
	Label(loop)
	CMPQ(n, U8(0))
	JE(LabelRef(done))
	vs := make([]reg.VecVirtual, 8)
	for j := range vs {
		vs[j] = k.Vec()
		k.LoadMasked(Mem{Base: src, Disp: j * step}, mask, vs[j])
	}
	for j, v := range vs {
		k.StoreMasked(v, mask, Mem{Base: base[j], Index: off, Scale: 1})
	}
	ADDQ(lds, src)
	ADDQ(U32(uint32(step)), off)
	DECQ(n)
	JMP(LabelRef(loop))
	Label(done)
	emit.Ret()
}
