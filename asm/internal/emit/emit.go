// Package emit holds what the avo generator programs share: one kernel
// body written once and emitted for AVX2+FMA (ymm) and AVX-512 (zmm), in
// float32 and float64, with the loop structure (unrolled main loop, one
// vector at a time, then a masked tail: opmask registers on AVX-512,
// VMASKMOV on AVX2, never a scalar loop) and the constant tables.
//
// Go assembler operand order is source first: Add(a, b, dst) emits
// VADDPS a, b, dst, which computes dst = b + a; Sub(a, b, dst) is
// dst = b - a; FMA231(a, b, dst) is dst = a*b + dst and FNMA231(a, b,
// dst) is dst = dst - a*b.
package emit

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// ISA is an instruction set a kernel is emitted for.
type ISA int

// The instruction sets. The AVX2 path requires FMA3 too; the AVX-512 path
// requires F, DQ, BW and VL (the dispatcher checks them all).
const (
	AVX2 ISA = iota
	AVX512
)

func (i ISA) String() string { return [...]string{"AVX2", "AVX512"}[i] }

// Bytes is the vector width in bytes.
func (i ISA) Bytes() int { return [...]int{32, 64}[i] }

// Prec is the element precision.
type Prec int

// The precisions.
const (
	Float32 Prec = iota
	Float64
)

func (p Prec) String() string { return [...]string{"F32", "F64"}[p] }

// Size is the element size in bytes.
func (p Prec) Size() int { return [...]int{4, 8}[p] }

// Shift is log2 of Size: the left shift that turns a count of elements
// into bytes.
func (p Prec) Shift() uint8 { return [...]uint8{2, 3}[p] }

// ToBytes turns the element count in r into bytes.
func (k *Kernel) ToBytes(r reg.Register) { SHLQ(U8(k.Shift()), r) }

// GoType is the Go element type.
func (p Prec) GoType() string { return [...]string{"float32", "float64"}[p] }

// Variants lists every ISA x precision pair, in the order kernels are
// emitted.
func Variants() []Kernel {
	var ks []Kernel
	for _, i := range []ISA{AVX2, AVX512} {
		for _, p := range []Prec{Float32, Float64} {
			ks = append(ks, Kernel{ISA: i, Prec: p})
		}
	}
	return ks
}

// Kernel emits one variant of a kernel.
type Kernel struct {
	ISA
	Prec
	label int
}

// Name returns the assembly function name base+ISA+Prec, e.g. sqrtAVX512F32.
func (k *Kernel) Name(base string) string { return base + k.ISA.String() + k.Prec.String() }

// Sig substitutes the Go element type for T in a signature.
func (k *Kernel) Sig(sig string) string {
	out := []byte{}
	for i := 0; i < len(sig); i++ {
		if sig[i] == 'T' && (i+1 == len(sig) || !isIdent(sig[i+1])) && (i == 0 || !isIdent(sig[i-1])) {
			out = append(out, k.GoType()...)
			continue
		}
		out = append(out, sig[i])
	}
	return string(out)
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Begin starts a function named base+ISA+Prec with the signature sig (T is
// the element type) and a doc line.
func (k *Kernel) Begin(base, sig, doc string) {
	TEXT(k.Name(base), NOSPLIT, k.Sig(sig))
	Pragma("noescape")
	Doc(k.Name(base) + " " + doc)
	k.label = 0
}

// Label returns a label unique within the function.
func (k *Kernel) Label(s string) string {
	k.label++
	return fmt.Sprintf("%s_%d", s, k.label)
}

// Lanes is the number of elements per vector.
func (k *Kernel) Lanes() int { return k.Bytes() / k.Size() }

// Vec allocates a vector register of the ISA's width.
func (k *Kernel) Vec() reg.VecVirtual {
	if k.ISA == AVX512 {
		return ZMM()
	}
	return YMM()
}

// Pick returns s in a float32 kernel and d in a float64 one: the form of
// an instruction for the kernel's precision.
func (k *Kernel) Pick(s, d func(...Op)) func(...Op) {
	if k.Prec == Float32 {
		return s
	}
	return d
}

func (k *Kernel) Load(m, dst Op)          { k.Pick(VMOVUPS, VMOVUPD)(m, dst) }
func (k *Kernel) Store(v, m Op)           { k.Pick(VMOVUPS, VMOVUPD)(v, m) }
func (k *Kernel) Add(a, b, dst Op)        { k.Pick(VADDPS, VADDPD)(a, b, dst) }
func (k *Kernel) Sub(a, b, dst Op)        { k.Pick(VSUBPS, VSUBPD)(a, b, dst) }
func (k *Kernel) Mul(a, b, dst Op)        { k.Pick(VMULPS, VMULPD)(a, b, dst) }
func (k *Kernel) Div(a, b, dst Op)        { k.Pick(VDIVPS, VDIVPD)(a, b, dst) }
func (k *Kernel) Sqrt(a, dst Op)          { k.Pick(VSQRTPS, VSQRTPD)(a, dst) }
func (k *Kernel) FMA231(a, b, dst Op)     { k.Pick(VFMADD231PS, VFMADD231PD)(a, b, dst) }
func (k *Kernel) FNMA231(a, b, dst Op)    { k.Pick(VFNMADD231PS, VFNMADD231PD)(a, b, dst) }
func (k *Kernel) Zero(v reg.VecVirtual)   { VXORPS(v, v, v) }
func (k *Kernel) Broadcast(m Mem, dst Op) { k.Pick(broadcastSS, broadcastSD)(m, dst) }
func broadcastSS(ops ...Op)               { VBROADCASTSS(ops...) }
func broadcastSD(ops ...Op)               { VBROADCASTSD(ops...) }

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

// Map emits a loop over n elements: body receives one vector from each
// input pointer and returns one vector for each output pointer. The main
// loop handles unroll vectors per iteration, then single vectors, then a
// masked tail. Pointers and n are advanced in place.
func (k *Kernel) Map(n reg.GPVirtual, ins, outs []reg.GPVirtual, unroll int, body func(in []reg.VecVirtual) []reg.VecVirtual) {
	step := k.mapStep(ins, outs, body, func(v reg.VecVirtual, m Mem) { k.Store(v, m) })
	k.loops(n, append(append([]reg.GPVirtual{}, ins...), outs...), k.Lanes(), k.Bytes(), unroll, step)
}

// mapStep returns the step of Map and MapStream: one vector from each
// input pointer at offset u vectors (masked in the tail), body, and each
// result stored by store (by StoreMasked in the tail).
func (k *Kernel) mapStep(ins, outs []reg.GPVirtual, body func(in []reg.VecVirtual) []reg.VecVirtual, store func(v reg.VecVirtual, m Mem)) func(u int, mask *Mask) {
	return func(u int, mask *Mask) {
		var in []reg.VecVirtual
		for _, p := range ins {
			v := k.Vec()
			m := Mem{Base: p, Disp: u * k.Bytes()}
			if mask != nil {
				k.LoadMasked(m, *mask, v)
			} else {
				k.Load(m, v)
			}
			in = append(in, v)
		}
		res := body(in)
		for i, p := range outs {
			m := Mem{Base: p, Disp: u * k.Bytes()}
			if mask != nil {
				k.StoreMasked(res[i], *mask, m)
			} else {
				store(res[i], m)
			}
		}
	}
}

// MapStream is Map with one output written by non-temporal stores
// (VMOVNTPS, VMOVNTPD) in its whole-vector loops: they bypass the caches
// and skip the read of every destination line that an ordinary store's
// write-allocate costs, which pays for outputs far larger than the caches
// and costs re-reading for outputs that would have stayed in them. A
// non-temporal store needs an address aligned to the vector's width, so
// the elements before the output's first vector boundary take one masked
// step with ordinary stores, as does the tail. The stores are weakly
// ordered: the caller runs SFENCE (see Fence) once its last call is done,
// before anything may read the output.
func (k *Kernel) MapStream(n reg.GPVirtual, ins []reg.GPVirtual, out reg.GPVirtual, unroll int, body func(in []reg.VecVirtual) []reg.VecVirtual) {
	step := k.mapStep(ins, []reg.GPVirtual{out}, body, func(v reg.VecVirtual, m Mem) { k.Pick(movntps, movntpd)(v, m) })
	ptrs := unique(append(append([]reg.GPVirtual{}, ins...), out))
	// h = min(n, elements before out's next vector boundary).
	aligned := k.Label("aligned")
	h := GP64()
	MOVQ(out, h)
	NEGQ(h)
	ANDQ(U32(uint32(k.Bytes()-1)), h)
	SHRQ(U8(k.Shift()), h)
	CMPQ(h, n)
	CMOVQHI(n, h)
	TESTQ(h, h)
	JZ(LabelRef(aligned))
	mask := k.TailMask(h)
	step(0, &mask)
	for _, p := range ptrs {
		LEAQ(Mem{Base: p, Index: h, Scale: uint8(k.Size())}, p)
	}
	SUBQ(h, n)
	Label(aligned)
	k.loops(n, ptrs, k.Lanes(), k.Bytes(), unroll, step)
}

// StreamTwin returns the name and doc line of the kernel base, or with
// stream those of its non-temporal twin baseStream (see MapOne).
func (k *Kernel) StreamTwin(base, doc string, stream bool) (name, d string) {
	if !stream {
		return base, doc
	}
	return base + "Stream", "is " + k.Name(base) + " with non-temporal stores to dst; storeFence must follow its last call."
}

// MapOne is Map with the one output out, or with stream MapStream.
func (k *Kernel) MapOne(stream bool, n reg.GPVirtual, ins []reg.GPVirtual, out reg.GPVirtual, unroll int, body func(in []reg.VecVirtual) []reg.VecVirtual) {
	if stream {
		k.MapStream(n, ins, out, unroll, body)
		return
	}
	k.Map(n, ins, []reg.GPVirtual{out}, unroll, body)
}

// Fence emits a function named name that runs SFENCE: the barrier after a
// MapStream kernel's non-temporal stores.
func Fence(name string) {
	TEXT(name, NOSPLIT, "func()")
	Doc(name + " orders the non-temporal stores before it (SFENCE) ahead of every later store.")
	SFENCE()
	RET()
}

// Loop emits the three-stage loop over n elements of the kernel's
// precision for a body that does its own loads and stores: step(u, nil)
// handles the vector at offset u*Bytes of each pointer in the unrolled
// main loop (u < unroll) and in the one-vector loop (u = 0), step(0,
// &mask) the masked tail. Every pointer in ptrs advances one vector per
// vector.
func (k *Kernel) Loop(n reg.GPVirtual, ptrs []reg.GPVirtual, unroll int, step func(u int, mask *Mask)) {
	k.loops(n, ptrs, k.Lanes(), k.Bytes(), unroll, step)
}

// loops emits the three-stage loop over n elements, calling step(u, nil)
// for each of unroll vectors in the main loop, step(0, nil) in the single
// loop and step(0, &mask) in the tail; each pointer advances by stride
// bytes per vector of lanes elements.
func (k *Kernel) loops(n reg.GPVirtual, ptrs []reg.GPVirtual, lanes, stride, unroll int, step func(u int, mask *Mask)) {
	k.loopsGroup(n, ptrs, lanes, stride, unroll, func(us []int, mask *Mask) {
		for _, u := range us {
			step(u, mask)
		}
	})
}

// loopsGroup is loops with one call of step for all unroll vectors of
// the main loop: step(us, mask) handles the vectors at offsets us.
func (k *Kernel) loopsGroup(n reg.GPVirtual, ptrs []reg.GPVirtual, lanes, stride, unroll int, step func(us []int, mask *Mask)) {
	big, one, tail, done := k.Label("big"), k.Label("one"), k.Label("tail"), k.Label("done")
	ptrs = unique(ptrs) // an in-place kernel reads and writes through one pointer
	advance := func(vecs int) {
		for _, p := range ptrs {
			ADDQ(U32(uint32(vecs*stride)), p)
		}
		SUBQ(U32(uint32(vecs*lanes)), n)
	}
	all := make([]int, unroll)
	for u := range all {
		all[u] = u
	}
	Label(big)
	CMPQ(n, U32(uint32(unroll*lanes)))
	JB(LabelRef(one))
	step(all, nil)
	advance(unroll)
	JMP(LabelRef(big))
	Label(one)
	CMPQ(n, U32(uint32(lanes)))
	JB(LabelRef(tail))
	step([]int{0}, nil)
	advance(1)
	JMP(LabelRef(one))
	Label(tail)
	TESTQ(n, n)
	JZ(LabelRef(done))
	mask := tailMask(k.ISA, stride/lanes, n)
	step([]int{0}, &mask)
	Label(done)
}

// Reduce emits a loop over n elements of the inputs that accumulates into
// nacc accumulators, with unroll independent copies of each to hide FMA
// latency; body(in, acc) adds one vector of each input into acc. It
// returns the accumulators, each summed across copies (still vectors;
// see HSum). In a float64 kernel, wide32 makes the inputs float32
// elements that are widened to float64 as they are loaded.
func (k *Kernel) Reduce(n reg.GPVirtual, ins []reg.GPVirtual, nacc, unroll int, wide32 bool, body func(in, acc []reg.VecVirtual)) []reg.VecVirtual {
	acc := make([][]reg.VecVirtual, unroll)
	for u := range acc {
		for a := 0; a < nacc; a++ {
			v := k.Vec()
			k.Zero(v)
			acc[u] = append(acc[u], v)
		}
	}
	stride := k.Bytes()
	if wide32 {
		stride /= 2
	}
	k.loops(n, ins, k.Lanes(), stride, unroll, func(u int, mask *Mask) {
		var in []reg.VecVirtual
		for _, p := range ins {
			v := k.Vec()
			m := Mem{Base: p, Disp: u * stride}
			k.loadAny(m, mask, wide32, v)
			in = append(in, v)
		}
		body(in, acc[u])
	})
	for a := 0; a < nacc; a++ {
		for u := 1; u < unroll; u++ {
			k.Add(acc[u][a], acc[0][a], acc[0][a])
		}
	}
	return acc[0]
}

// loadAny loads one vector from m into dst: the masked lanes if mask is
// not nil, and with wide, float32 elements widened to the float64 vector
// dst (k is then the float64 kernel).
func (k *Kernel) loadAny(m Mem, mask *Mask, wide bool, dst reg.VecVirtual) {
	switch {
	case wide:
		k.loadWide(m, mask, dst)
	case mask != nil:
		k.LoadMasked(m, *mask, dst)
	default:
		k.Load(m, dst)
	}
}

// loadWide loads Lanes float32 elements (the masked ones, if mask is not
// nil) and widens them to the float64 vector dst.
func (k *Kernel) loadWide(m Mem, mask *Mask, dst reg.VecVirtual) {
	half := asY(dst)
	if k.ISA == AVX2 {
		half = asX(dst)
	}
	switch {
	case mask == nil:
		VCVTPS2PD(m, dst)
		return
	case k.ISA == AVX512:
		VMOVUPS_Z(m, mask.k, half)
	default:
		VMASKMOVPS(m, asX(mask.v), half)
	}
	VCVTPS2PD(half, dst)
}

// Ret emits VZEROUPPER, then the result stores, then RET: Go code (and
// the MOVSS/MOVSD of a result store) uses legacy SSE instructions, which
// run slowly while upper vector halves are dirty.
func Ret(stores ...func()) {
	VZEROUPPER()
	for _, st := range stores {
		st()
	}
	RET()
}

// NonZero tests whether any bit of v is set (before Ret's VZEROUPPER
// clears the upper halves) and returns the store, for Ret, of the answer
// into the bool result name.
func (k *Kernel) NonZero(v reg.VecVirtual, name string) func() {
	r := GP8()
	if k.ISA == AVX512 {
		mk := K()
		VPTESTMQ(v, v, mk)
		KORTESTB(mk, mk)
	} else {
		VPTEST(v, v)
	}
	SETNE(r)
	return func() { Store(r, Return(name)) }
}

// Result returns a store of lane 0 of x to the result named name.
func Result(x reg.VecVirtual, name string) func() {
	return func() { Store(x, Return(name)) }
}

// MapWide is Map for a float32 kernel whose arithmetic runs in float64:
// each vector of float32 elements is widened as it is loaded and narrowed
// (rounded once) as it is stored. body works on float64 vectors of the
// ISA's width.
func (k *Kernel) MapWide(n reg.GPVirtual, ins, outs []reg.GPVirtual, unroll int, body func(in []reg.VecVirtual) []reg.VecVirtual) {
	k64 := Kernel{ISA: k.ISA, Prec: Float64}
	stride := k.Bytes() / 2
	step := func(u int, mask *Mask) {
		var in []reg.VecVirtual
		for _, p := range ins {
			v := k64.Vec()
			k64.loadWide(Mem{Base: p, Disp: u * stride}, mask, v)
			in = append(in, v)
		}
		res := body(in)
		for i, p := range outs {
			k.storeNarrow(res[i], Mem{Base: p, Disp: u * stride}, mask)
		}
	}
	k.loops(n, append(append([]reg.GPVirtual{}, ins...), outs...), k64.Lanes(), stride, unroll, step)
}

// StoreNarrow rounds the float64 vector v to float32 and stores it to m.
func (k *Kernel) StoreNarrow(v reg.VecVirtual, m Mem) { k.storeNarrow(v, m, nil) }

// storeNarrow rounds the float64 vector v to float32 and stores it (the
// masked lanes, if mask is not nil) to m.
func (k *Kernel) storeNarrow(v reg.VecVirtual, m Mem, mask *Mask) {
	var half reg.VecVirtual
	if k.ISA == AVX512 {
		half = asY(v)
		VCVTPD2PS(v, half)
	} else {
		half = asX(v)
		VCVTPD2PSY(v, half)
	}
	switch {
	case mask == nil:
		VMOVUPS(half, m)
	case k.ISA == AVX512:
		VMOVUPS(half, mask.k, m)
	default:
		VMASKMOVPS(half, asX(mask.v), m)
	}
}

// HSum adds the lanes of v and returns an xmm register whose lane 0 holds
// the sum (pairwise: halves, then quarters, ...).
func (k *Kernel) HSum(v reg.VecVirtual) reg.VecVirtual {
	y := asY(v)
	if k.ISA == AVX512 {
		hi := YMM()
		if k.Prec == Float32 {
			VEXTRACTF32X8(U8(1), v, hi)
		} else {
			VEXTRACTF64X4(U8(1), v, hi)
		}
		k.Add(hi, y, y)
	}
	x := asX(y)
	hx := XMM()
	VEXTRACTF128(U8(1), y, hx)
	k.Add(hx, x, x)
	t := XMM()
	if k.Prec == Float32 {
		VMOVHLPS(x, x, t) // t = lanes 2,3
		VADDPS(t, x, x)
		VMOVSHDUP(x, t) // t lane 0 = lane 1
		VADDSS(t, x, x)
	} else {
		VPERMILPD(U8(1), x, t)
		VADDSD(t, x, x)
	}
	return x
}

// ParamAddr returns the memory operand of a scalar parameter, for
// broadcasts.
func ParamAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

func asX(v reg.VecVirtual) reg.VecVirtual { return v.AsX().(reg.VecVirtual) }
func asY(v reg.VecVirtual) reg.VecVirtual { return v.AsY().(reg.VecVirtual) }

// Ptr loads the data pointer of the slice parameter name.
func Ptr(name string) reg.GPVirtual {
	p := GP64()
	Load(Param(name).Base(), p)
	return p
}

// Len loads the length of the slice parameter name.
func Len(name string) reg.GPVirtual {
	n := GP64()
	Load(Param(name).Len(), n)
	return n
}

func unique(ps []reg.GPVirtual) []reg.GPVirtual {
	var out []reg.GPVirtual
	for _, p := range ps {
		dup := false
		for _, q := range out {
			dup = dup || q == p
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out
}
