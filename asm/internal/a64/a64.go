// Package a64 encodes the AArch64 Advanced SIMD (NEON) instructions that
// Go's arm64 assembler does not accept, so that the generators can emit
// them as WORD directives with the ARM mnemonic in a comment. Go 1.26
// assembles VFMLA/VFMLS, loads, stores and integer vector operations, but
// rejects the vector floating-point arithmetic (fadd, fmul, fdiv, fsqrt,
// fmax, ...), and "VADD ... .S4" is an integer add.
//
// Encodings follow the Arm Architecture Reference Manual (A64 "Advanced
// SIMD three same", "two-register miscellaneous" and "scalar pairwise"
// classes); the tests check every instruction against llvm-mc.
package a64

import "fmt"

// Arr is a full-width (128-bit, Q=1) vector arrangement.
type Arr int

// The arrangements of float vectors.
const (
	S4 Arr = iota // four float32 lanes
	D2            // two float64 lanes
)

func (a Arr) String() string { return [...]string{"4s", "2d"}[a] }

// sz is the size bit (22) of the floating-point classes.
func (a Arr) sz() uint32 { return uint32(a) << 22 }

// Inst is one encoded instruction and its ARM assembly text.
type Inst struct {
	Word uint32
	Text string
}

// Go returns the instruction as a line of Go assembly.
func (i Inst) Go() string { return fmt.Sprintf("WORD $0x%08x // %s", i.Word, i.Text) }

func reg(r int) uint32 {
	if r < 0 || r > 31 {
		panic(fmt.Sprintf("a64: vector register V%d out of range", r))
	}
	return uint32(r)
}

// three encodes a "three same" instruction vd = vn op vm.
func three(name string, base uint32, a Arr, d, n, m int) Inst {
	return Inst{base | a.sz() | reg(m)<<16 | reg(n)<<5 | reg(d),
		fmt.Sprintf("%s v%d.%s, v%d.%s, v%d.%s", name, d, a, n, a, m, a)}
}

// two encodes a "two-register miscellaneous" instruction vd = op vn.
func two(name string, base uint32, a Arr, d, n int) Inst {
	return Inst{base | a.sz() | reg(n)<<5 | reg(d), fmt.Sprintf("%s v%d.%s, v%d.%s", name, d, a, n, a)}
}

// FADD is vd = vn + vm.
func FADD(a Arr, d, n, m int) Inst { return three("fadd", 0x4E20D400, a, d, n, m) }

// FSUB is vd = vn - vm.
func FSUB(a Arr, d, n, m int) Inst { return three("fsub", 0x4EA0D400, a, d, n, m) }

// FMUL is vd = vn * vm.
func FMUL(a Arr, d, n, m int) Inst { return three("fmul", 0x6E20DC00, a, d, n, m) }

// FDIV is vd = vn / vm.
func FDIV(a Arr, d, n, m int) Inst { return three("fdiv", 0x6E20FC00, a, d, n, m) }

// FMAX is vd = max(vn, vm) (NaN if either is NaN).
func FMAX(a Arr, d, n, m int) Inst { return three("fmax", 0x4E20F400, a, d, n, m) }

// FMIN is vd = min(vn, vm) (NaN if either is NaN).
func FMIN(a Arr, d, n, m int) Inst { return three("fmin", 0x4EA0F400, a, d, n, m) }

// FADDP is the pairwise add: vd = [vn0+vn1, vn2+vn3, vm0+vm1, vm2+vm3].
func FADDP(a Arr, d, n, m int) Inst { return three("faddp", 0x6E20D400, a, d, n, m) }

// FMLA is vd += vn * vm (Go's VFMLA, here for completeness and tests).
func FMLA(a Arr, d, n, m int) Inst { return three("fmla", 0x4E20CC00, a, d, n, m) }

// FCMEQ sets the lanes of vd to all ones where vn == vm, zero elsewhere
// (and where either is NaN).
func FCMEQ(a Arr, d, n, m int) Inst { return three("fcmeq", 0x4E20E400, a, d, n, m) }

// FCMGE sets the lanes of vd to all ones where vn >= vm (ordered).
func FCMGE(a Arr, d, n, m int) Inst { return three("fcmge", 0x6E20E400, a, d, n, m) }

// FCMGT sets the lanes of vd to all ones where vn > vm (ordered).
func FCMGT(a Arr, d, n, m int) Inst { return three("fcmgt", 0x6EA0E400, a, d, n, m) }

// CMLT0 sets the lanes of vd to all ones where vn, as a signed integer
// of the lane's width, is negative: where its sign bit is set.
func CMLT0(a Arr, d, n int) Inst {
	return Inst{0x4EA0A800 | a.sz() | reg(n)<<5 | reg(d), fmt.Sprintf("cmlt v%d.%s, v%d.%s, #0", d, a, n, a)}
}

// FSQRT is vd = sqrt(vn), correctly rounded.
func FSQRT(a Arr, d, n int) Inst { return two("fsqrt", 0x6EA1F800, a, d, n) }

// FABS is vd = |vn|.
func FABS(a Arr, d, n int) Inst { return two("fabs", 0x4EA0F800, a, d, n) }

// FNEG is vd = -vn.
func FNEG(a Arr, d, n int) Inst { return two("fneg", 0x6EA0F800, a, d, n) }

// FADDPScalar adds the two lanes of the low 64 bits of vn into the scalar
// register d: s(d) = vn.s[0] + vn.s[1] (S4: the 2s form), or d(d) =
// vn.d[0] + vn.d[1] (D2).
func FADDPScalar(a Arr, d, n int) Inst {
	if a == S4 {
		return Inst{0x7E30D800 | reg(n)<<5 | reg(d), fmt.Sprintf("faddp s%d, v%d.2s", d, n)}
	}
	return Inst{0x7E70D800 | reg(n)<<5 | reg(d), fmt.Sprintf("faddp d%d, v%d.2d", d, n)}
}

// FMINP is the pairwise minimum: vd = [min(vn[0], vn[1]), ...,
// min(vm[0], vm[1]), ...].
func FMINP(a Arr, d, n, m int) Inst { return three("fminp", 0x6EA0F400, a, d, n, m) }

// FMINPScalar is FADDPScalar's minimum: the smaller of the two lanes of
// the low 64 bits of vn (S4: the 2s form) into the scalar register d.
func FMINPScalar(a Arr, d, n int) Inst {
	if a == S4 {
		return Inst{0x7EB0F800 | reg(n)<<5 | reg(d), fmt.Sprintf("fminp s%d, v%d.2s", d, n)}
	}
	return Inst{0x7EF0F800 | reg(n)<<5 | reg(d), fmt.Sprintf("fminp d%d, v%d.2d", d, n)}
}

// FCVTL widens the two low float32 lanes of vn to float64: vd.2d.
func FCVTL(d, n int) Inst {
	return Inst{0x0E617800 | reg(n)<<5 | reg(d), fmt.Sprintf("fcvtl v%d.2d, v%d.2s", d, n)}
}

// FCVTL2 widens the two high float32 lanes of vn to float64: vd.2d.
func FCVTL2(d, n int) Inst {
	return Inst{0x4E617800 | reg(n)<<5 | reg(d), fmt.Sprintf("fcvtl2 v%d.2d, v%d.4s", d, n)}
}

// FCVTN narrows the two float64 lanes of vn to the low float32 lanes of
// vd (the high lanes are zeroed).
func FCVTN(d, n int) Inst {
	return Inst{0x0E616800 | reg(n)<<5 | reg(d), fmt.Sprintf("fcvtn v%d.2s, v%d.2d", d, n)}
}

// FCVTN2 narrows the two float64 lanes of vn into the high float32 lanes
// of vd, keeping the low ones.
func FCVTN2(d, n int) Inst {
	return Inst{0x4E616800 | reg(n)<<5 | reg(d), fmt.Sprintf("fcvtn2 v%d.4s, v%d.2d", d, n)}
}

// FMLAElem is vd += vn * vm[index], the by-element form (Go's assembler
// rejects it): index 0..3 for S4, 0..1 for D2.
func FMLAElem(a Arr, d, n, m, index int) Inst {
	lanes := map[Arr]int{S4: 4, D2: 2}[a]
	if index < 0 || index >= lanes {
		panic(fmt.Sprintf("a64: fmla element index %d out of range for %s", index, a))
	}
	w := 0x4F801000 | a.sz() | reg(m)<<16 | reg(n)<<5 | reg(d)
	elem := "s"
	if a == S4 {
		w |= uint32(index&1)<<21 | uint32(index>>1)<<11 // L, H
	} else {
		w |= uint32(index) << 11 // H
		elem = "d"
	}
	return Inst{w, fmt.Sprintf("fmla v%d.%s, v%d.%s, v%d.%s[%d]", d, a, n, a, m, elem, index)}
}
