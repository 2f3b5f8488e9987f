// Package emit holds what the avo generator programs share: one kernel
// body written once and emitted for AVX2+FMA (ymm) and AVX-512 (zmm), in
// float32 and float64, with the loop structure (unrolled main loop, one
// vector at a time, then a masked tail: opmask registers on AVX-512,
// VMASKMOV on AVX2, never a scalar loop) and the constant tables.
//
// emit.go has the instruction sets, precisions and the Kernel with its
// instruction helpers; loop.go the loops (Map, MapStream, Loop, Reduce,
// MapWide); mask.go the tail masks and constant tables; args.go the
// arguments and results (Ptr, Len, ParamAddr, Result, Ret); vec.go M,
// the vm.Ops machine on groups of registers that runs the vector math;
// generate.go GenerateFile and GenerateFamily, which write the files.
//
// Go assembler operand order is source first: Add(a, b, dst) emits
// VADDPS a, b, dst, which computes dst = b + a; Sub(a, b, dst) is
// dst = b - a; FMA231(a, b, dst) is dst = a*b + dst and FNMA231(a, b,
// dst) is dst = dst - a*b.
package emit

import (
	"fmt"

	"github.com/fisherflow/fisherflow/asm/internal/doc"

	"github.com/mmcloughlin/avo/attr"
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
func (k *Kernel) Begin(base, sig, text string) { k.begin(base, sig, text, NOSPLIT) }

// BeginFrame is Begin for a kernel whose stack frame (locals from
// AllocLocal) may exceed what a NOSPLIT function may use: the assembler
// gives it the stack check of an ordinary function.
func (k *Kernel) BeginFrame(base, sig, text string) { k.begin(base, sig, text, 0) }

func (k *Kernel) begin(base, sig, text string, attr attr.Attribute) {
	TEXT(k.Name(base), attr, k.Sig(sig))
	Pragma("noescape")
	Doc(doc.Lines(k.Name(base) + " " + text)...)
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
