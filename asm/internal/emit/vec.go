package emit

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/vm"
)

// Straight-line vector code (the vector math functions) is written with
// M, whose operations act on groups of vectors in lockstep: each
// operation is emitted for every member of the group before the next one,
// so the members' dependency chains interleave and the core overlaps
// them (emitted one vector after another, a long chain such as a
// polynomial fills the scheduler and leaves the FMA units idle). Each
// operation returns a new group and leaves its operands alone, so an
// algorithm reads like its scalar Go mirror.

// G is a group of vectors, one per unrolled copy.
type G []reg.VecVirtual

// M emits group operations for the kernel K on groups of N vectors.
// Arguments of type any are a G or a shared operand (a constant from
// Const or ConstBits, or a register).
type M struct {
	K *Kernel
	N int
}

// C returns the constant v in every lane (a memory operand; on AVX-512
// a scalar that the operations below read by broadcast).
func (m M) C(v float64) Mem { return m.K.Const(v) }

// Bits returns the bit pattern b in every lane (a memory operand).
func (m M) Bits(b uint64) Mem { return m.K.ConstBits(b) }

func (m M) at(a any, i int) Op {
	switch v := a.(type) {
	case G:
		return v[i]
	case Op:
		return v
	}
	panic(fmt.Sprintf("emit: operand %T", a))
}

func (m M) each(f func(i int, d reg.VecVirtual)) G {
	g := make(G, m.N)
	for i := range g {
		g[i] = m.K.Vec()
		f(i, g[i])
	}
	return g
}

// Mov returns a copy of a.
func (m M) Mov(a any) G {
	return m.each(func(i int, d reg.VecVirtual) {
		op := m.at(a, i)
		m.ins(op, VMOVUPS, VMOVUPD, broadcastSS, broadcastSD)(op, d)
	})
}

// ins returns the instruction of the kernel's precision (s or d) that
// reads op: its embedded-broadcast form (sb or db) when op is an AVX-512
// scalar constant.
func (m M) ins(op Op, s, d, sb, db func(...Op)) func(...Op) {
	if IsBroadcast(op) {
		return m.K.Pick(sb, db)
	}
	return m.K.Pick(s, d)
}

// FMA returns a*b + c, rounded once.
func (m M) FMA(a any, b G, c any) G {
	d := m.Mov(c)
	for i := range d {
		op := m.at(a, i)
		m.ins(op, VFMADD231PS, VFMADD231PD, VFMADD231PS_BCST, VFMADD231PD_BCST)(op, b[i], d[i])
	}
	return d
}

// FNMA returns c - a*b, rounded once.
func (m M) FNMA(a any, b G, c any) G {
	d := m.Mov(c)
	for i := range d {
		op := m.at(a, i)
		m.ins(op, VFNMADD231PS, VFNMADD231PD, VFNMADD231PS_BCST, VFNMADD231PD_BCST)(op, b[i], d[i])
	}
	return d
}

// Horner returns c[0] + x*(c[1] + x*(... + x*c[n-1])), each step one FMA.
func (m M) Horner(x G, c []float64) G {
	acc := m.Mov(m.C(c[len(c)-1]))
	for j := len(c) - 2; j >= 0; j-- {
		for i := range acc {
			cj := m.C(c[j])
			m.ins(cj, VFMADD213PS, VFMADD213PD, VFMADD213PS_BCST, VFMADD213PD_BCST)(cj, x[i], acc[i]) // acc = x*acc + c[j]
		}
	}
	return acc
}

// Add returns b + a, Sub b - a, Mul a*b and Div b/a (the Go assembler's
// operand order: a may be shared or in memory, b is a group).
func (m M) Add(a any, b G) G { return m.bin(VADDPS, VADDPD, VADDPS_BCST, VADDPD_BCST, a, b) }
func (m M) Sub(a any, b G) G { return m.bin(VSUBPS, VSUBPD, VSUBPS_BCST, VSUBPD_BCST, a, b) }
func (m M) Mul(a any, b G) G { return m.bin(VMULPS, VMULPD, VMULPS_BCST, VMULPD_BCST, a, b) }
func (m M) Div(a any, b G) G { return m.bin(VDIVPS, VDIVPD, VDIVPS_BCST, VDIVPD_BCST, a, b) }

// bin emits d = a op b for each member with the instruction of the
// kernel's precision, s or d (sb or db when a is a broadcast constant).
func (m M) bin(s, d, sb, db func(...Op), a any, b G) G {
	return m.each(func(i int, dst reg.VecVirtual) {
		op := m.at(a, i)
		m.ins(op, s, d, sb, db)(op, b[i], dst)
	})
}

// Scalef returns a * 2^floor(b), rounded once (AVX-512 only).
func (m M) Scalef(a G, b G) G {
	if m.K.ISA != AVX512 {
		panic("emit: Scalef needs AVX-512")
	}
	return m.each(func(i int, d reg.VecVirtual) { m.K.Pick(VSCALEFPS, VSCALEFPD)(b[i], a[i], d) })
}

// Cond is a per-lane predicate for each member: opmask registers on
// AVX-512, vectors of all-ones or all-zeros lanes on AVX2.
type Cond struct {
	k []reg.OpmaskVirtual
	v G
}

// Comparison predicates of VCMPPS/VCMPPD (ordered and quiet unless
// noted), the ones of vm.Ops.
const (
	EQ  = vm.EQ  // equal
	LT  = vm.LT  // less than
	LE  = vm.LE  // less or equal
	NLT = vm.NLT // not less than: true when either is NaN
	GT  = vm.GT  // greater than
	GE  = vm.GE  // greater or equal
	UNO = vm.UNO // unordered: either is NaN
)

// Cmp returns the lanes where x pred y holds.
func (m M) Cmp(x G, pred uint8, y any) Cond {
	cmp := m.K.Pick(VCMPPS, VCMPPD)
	if m.K.ISA == AVX512 {
		c := Cond{k: make([]reg.OpmaskVirtual, m.N)}
		for i := range c.k {
			c.k[i] = K()
			op := m.at(y, i)
			m.ins(op, VCMPPS, VCMPPD, VCMPPS_BCST, VCMPPD_BCST)(U8(pred), op, x[i], c.k[i])
		}
		return c
	}
	return Cond{v: m.each(func(i int, d reg.VecVirtual) { cmp(U8(pred), m.at(y, i), x[i], d) })}
}

// SignBit returns the lanes whose sign bit is set (-0 and negative NaNs
// included, which a comparison with zero misses).
func (m M) SignBit(x G) Cond {
	sign := m.Bits(bitsOf(m.K.Prec, math.Copysign(0, -1)))
	if m.K.ISA == AVX512 {
		c := Cond{k: make([]reg.OpmaskVirtual, m.N)}
		for i := range c.k {
			c.k[i] = K()
			m.ins(sign, VPTESTMD, VPTESTMQ, VPTESTMD_BCST, VPTESTMQ_BCST)(sign, x[i], c.k[i])
		}
		return c
	}
	zero := m.K.Vec()
	m.K.Zero(zero)
	// 0 > x as signed integers: the sign bit is set.
	return Cond{v: m.each(func(i int, d reg.VecVirtual) { m.K.Pick(VPCMPGTD, VPCMPGTQ)(x[i], zero, d) })}
}

// Bit returns the lanes whose bit b (of the lane's bit pattern) is set.
// On AVX2 the condition is the lanes shifted to put bit b in the sign
// bit, which is all VBLENDVPS/PD look at.
func (m M) Bit(x G, b uint) Cond {
	if m.K.ISA == AVX512 {
		c := Cond{k: make([]reg.OpmaskVirtual, m.N)}
		for i := range c.k {
			c.k[i] = K()
			bit := m.Bits(1 << b)
			m.ins(bit, VPTESTMD, VPTESTMQ, VPTESTMD_BCST, VPTESTMQ_BCST)(bit, x[i], c.k[i])
		}
		return c
	}
	return Cond{v: m.Shl(uint8(8*m.K.Size()-1-int(b)), x)}
}

// bitsOf returns the bit pattern of v in precision p.
func bitsOf(p Prec, v float64) uint64 {
	if p == Float32 {
		return uint64(math.Float32bits(float32(v)))
	}
	return math.Float64bits(v)
}

// Sel returns t in the lanes where c holds and f elsewhere.
func (m M) Sel(c Cond, t any, f G) G {
	if m.K.ISA == AVX512 {
		// A merge-masked move into a copy of f: avo takes the
		// destination of a masked instruction as read, so a fresh one
		// would look live from the function's entry.
		d := m.Mov(f)
		for i := range d {
			op := m.at(t, i)
			m.ins(op, VMOVUPS, VMOVUPD, broadcastSS, broadcastSD)(op, c.k[i], d[i])
		}
		return d
	}
	return m.each(func(i int, d reg.VecVirtual) {
		if m.K.Prec == Float32 {
			VBLENDVPS(c.v[i], m.at(t, i), f[i], d)
		} else {
			VBLENDVPD(c.v[i], m.at(t, i), f[i], d)
		}
	})
}

// Integer operations on the lanes' bit patterns (32-bit lanes in a
// float32 kernel, 64-bit lanes in a float64 one): IAdd returns b + a,
// IAnd a & b, IOr a | b; Shl and Shr shift left and right (logical) by n
// bits.
func (m M) IAdd(a any, b G) G {
	return m.bin(VPADDD, VPADDQ, VPADDD_BCST, VPADDQ_BCST, a, b)
}
func (m M) IAnd(a any, b G) G {
	return m.bin(m.logic(VPAND, VPANDD), m.logic(VPAND, VPANDQ), VPANDD_BCST, VPANDQ_BCST, a, b)
}
func (m M) IOr(a any, b G) G {
	return m.bin(m.logic(VPOR, VPORD), m.logic(VPOR, VPORQ), VPORD_BCST, VPORQ_BCST, a, b)
}
func (m M) IXor(a any, b G) G {
	return m.bin(m.logic(VPXOR, VPXORD), m.logic(VPXOR, VPXORQ), VPXORD_BCST, VPXORQ_BCST, a, b)
}

// IOrInto ORs every member of a into the register acc (an accumulator
// kept across the iterations of a loop).
func (m M) IOrInto(acc reg.VecVirtual, a G) {
	for i := range a {
		m.logic(VPOR, VPORQ)(a[i], acc, acc)
	}
}

// Sqrt returns sqrt(a), correctly rounded.
func (m M) Sqrt(a G) G {
	return m.each(func(i int, d reg.VecVirtual) { m.K.Sqrt(a[i], d) })
}

func (m M) Shl(n uint8, a G) G {
	return m.each(func(i int, d reg.VecVirtual) { m.K.Pick(VPSLLD, VPSLLQ)(U8(n), a[i], d) })
}

func (m M) Shr(n uint8, a G) G {
	return m.each(func(i int, d reg.VecVirtual) { m.K.Pick(VPSRLD, VPSRLQ)(U8(n), a[i], d) })
}

// logic returns the VEX form on AVX2 and the EVEX form evex on AVX-512.
func (m M) logic(vex func(a, b, c Op), evex func(...Op)) func(...Op) {
	if m.K.ISA == AVX2 {
		return func(ops ...Op) { vex(ops[0], ops[1], ops[2]) }
	}
	return evex
}

// MapGroup emits a loop over n elements like Map, with body called once
// per iteration on groups: in[j] holds the unroll vectors of input j,
// and body returns one group per output.
func (k *Kernel) MapGroup(n reg.GPVirtual, ins, outs []reg.GPVirtual, unroll int, body func(m M, in []G) []G) {
	stride := k.Bytes()
	step := func(us []int, mask *Mask) {
		m := M{K: k, N: len(us)}
		in := make([]G, len(ins))
		for j, p := range ins {
			for _, u := range us {
				v := k.Vec()
				k.loadAny(Mem{Base: p, Disp: u * stride}, mask, false, v)
				in[j] = append(in[j], v)
			}
		}
		res := body(m, in)
		for j, p := range outs {
			for i, u := range us {
				mem := Mem{Base: p, Disp: u * stride}
				if mask != nil {
					k.StoreMasked(res[j][i], *mask, mem)
				} else {
					k.Store(res[j][i], mem)
				}
			}
		}
	}
	k.loopsGroup(n, append(append([]reg.GPVirtual{}, ins...), outs...), k.Lanes(), stride, unroll, step)
}
