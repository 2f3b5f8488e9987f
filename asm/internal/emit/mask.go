package emit

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Mask is a tail mask: an opmask register on AVX-512, a vector of lane
// masks on AVX2.
type Mask struct {
	k reg.OpmaskVirtual
	v reg.VecVirtual
}

// MaskOf returns the AVX-512 opmask m as a Mask.
func MaskOf(m reg.OpmaskVirtual) Mask { return Mask{k: m} }

// TailMask returns the mask of the first n lanes (0 < n < Lanes) for
// elements of the kernel's precision.
func (k *Kernel) TailMask(n reg.GPVirtual) Mask { return tailMask(k.ISA, k.Size(), n) }

// tailMask returns the mask of the first n lanes of elements of size
// bytes.
func tailMask(isa ISA, size int, n reg.GPVirtual) Mask {
	t := GP64()
	if isa == AVX512 {
		// kmask16[n] = 2^n - 1; KMOVW serves 8 lanes too.
		LEAQ(kmaskTable(), t)
		m := K()
		KMOVW(Mem{Base: t, Index: n, Scale: 2}, m)
		return Mask{k: m}
	}
	// vmask is 32 bytes of ones, then 32 of zeros: the 32 bytes at
	// 32 - n*size have ones in the first n lanes (of a ymm, or of the
	// xmm in its low half).
	off, nb := GP64(), GP64()
	MOVQ(n, nb)
	SHLQ(U8(map[int]uint8{4: 2, 8: 3}[size]), nb)
	MOVQ(U64(32), off)
	SUBQ(nb, off)
	LEAQ(vmaskTable(), t)
	v := YMM()
	VMOVDQU(Mem{Base: t, Index: off, Scale: 1}, v)
	return Mask{v: v}
}

// LoadMasked loads the masked lanes of m into dst and zeroes the others.
func (k *Kernel) LoadMasked(m Mem, mask Mask, dst reg.VecVirtual) {
	if k.ISA == AVX512 {
		k.Pick(movupsZ, movupdZ)(m, mask.k, dst)
		return
	}
	k.Pick(maskmovps, maskmovpd)(m, mask.v, dst)
}

// StoreMasked stores the masked lanes of v to m.
func (k *Kernel) StoreMasked(v reg.VecVirtual, mask Mask, m Mem) {
	if k.ISA == AVX512 {
		k.Pick(VMOVUPS, VMOVUPD)(v, mask.k, m)
		return
	}
	k.Pick(maskmovps, maskmovpd)(v, mask.v, m)
}

func movupsZ(ops ...Op)   { VMOVUPS_Z(ops[0], ops[1], ops[2]) }
func movntps(ops ...Op)   { VMOVNTPS(ops[0], ops[1]) }
func movntpd(ops ...Op)   { VMOVNTPD(ops[0], ops[1]) }
func movupdZ(ops ...Op)   { VMOVUPD_Z(ops[0], ops[1], ops[2]) }
func maskmovps(ops ...Op) { VMASKMOVPS(ops[0], ops[1], ops[2]) }
func maskmovpd(ops ...Op) { VMASKMOVPD(ops[0], ops[1], ops[2]) }

// Tables and constants are emitted once per file, on first use.
var globals = map[string]Mem{}

func kmaskTable() Mem {
	if m, ok := globals["kmask"]; ok {
		return m
	}
	m := GLOBL("kmask16", RODATA|NOPTR)
	for n := 0; n < 16; n++ {
		DATA(2*n, U16(uint16(1)<<n-1))
	}
	globals["kmask"] = m
	return m
}

func vmaskTable() Mem {
	if m, ok := globals["vmask"]; ok {
		return m
	}
	m := GLOBL("vmask", RODATA|NOPTR)
	for i := 0; i < 8; i++ {
		DATA(4*i, U32(0xffffffff))
	}
	for i := 8; i < 16; i++ {
		DATA(4*i, U32(0))
	}
	globals["vmask"] = m
	return m
}

// Const returns a memory operand holding v in the kernel's precision,
// written as a bit pattern (never as a float literal). On AVX2 it is a
// vector of 64 bytes with v in every lane (a ymm load at its start never
// crosses a cache line: the linker aligns it to 32 bytes). On AVX-512 it
// is the single value, which instructions read by embedded broadcast
// (M's operations pick those forms, see IsBroadcast): a 64-byte vector
// constant would be aligned to 32 bytes only, and a zmm load that
// crosses a cache line costs two, which made load-heavy kernels such as
// the vector math up to twice as slow.
func (k *Kernel) Const(v float64) Mem {
	if k.Prec == Float32 {
		b := math.Float32bits(float32(v))
		return k.splat(fmt.Sprintf("f32_%08x", b), uint64(b))
	}
	b := math.Float64bits(v)
	return k.splat(fmt.Sprintf("f64_%016x", b), b)
}

// ConstBits returns a memory operand holding the bit pattern b in the
// kernel's element size as Const does (b is truncated to 32 bits in a
// float32 kernel).
func (k *Kernel) ConstBits(b uint64) Mem {
	return k.splat(fmt.Sprintf("bits%d_%x", 8*k.Size(), b), b)
}

// broadcasts holds the names of the scalar constants of AVX-512 kernels.
var broadcasts = map[string]bool{}

// IsBroadcast reports whether op is a scalar constant of an AVX-512
// kernel, which an instruction must read by embedded broadcast (its
// _BCST form) or VBROADCASTSS/SD.
func IsBroadcast(op Op) bool {
	m, ok := op.(Mem)
	return ok && broadcasts[m.Symbol.Name]
}

// splat returns the table holding b in every lane of the kernel's
// element size (64 bytes), or on AVX-512 the one element, emitting it on
// first use.
func (k *Kernel) splat(name string, b uint64) Mem {
	n := 64
	if k.ISA == AVX512 {
		name, n = "s"+name, k.Size()
	}
	if m, ok := globals[name]; ok {
		return m
	}
	m := GLOBL(name, RODATA|NOPTR)
	for off := 0; off < n; off += k.Size() {
		if k.Prec == Float32 {
			DATA(off, U32(uint32(b)))
		} else {
			DATA(off, U64(b))
		}
	}
	globals[name] = m
	if k.ISA == AVX512 {
		broadcasts[name] = true
	}
	return m
}
