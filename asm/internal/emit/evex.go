package emit

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// EVEXOp is an AVX-512 instruction that neither avo (v0.6.0) nor the Go
// assembler (1.26) knows, such as the AVX512_BF16 ones: Emit writes its
// register form as BYTE directives, encoded here from the physical
// registers, with a comment giving the instruction in Intel syntax.
type EVEXOp struct {
	Name   string
	PP     byte // implied prefix: 1 = 66, 2 = F3, 3 = F2
	MM     byte // opcode map: 2 = 0F38
	Opcode byte
	// Acc reports that the destination is also read (an accumulation),
	// which the register liveness analysis must know.
	Acc bool
}

// The AVX512_BF16 instructions (Intel SDM vol. 2).
var (
	// VDPBF16PS dst, src1, src2 (EVEX.F3.0F38.W0 52 /r): each float32
	// lane of dst adds the products of the pair of bfloat16 values in
	// that lane of src1 and src2.
	VDPBF16PS = EVEXOp{Name: "VDPBF16PS", PP: 2, MM: 2, Opcode: 0x52, Acc: true}
	// VCVTNE2PS2BF16 dst, src1, src2 (EVEX.F2.0F38.W0 72 /r): the low
	// half of dst gets src2 rounded to bfloat16, the high half src1.
	VCVTNE2PS2BF16 = EVEXOp{Name: "VCVTNE2PS2BF16", PP: 3, MM: 2, Opcode: 0x72}
	// VCVTNEPS2BF16 dst, src (EVEX.F3.0F38.W0 72 /r): src rounded to
	// bfloat16, in a register of half its width (pass src1 nil).
	VCVTNEPS2BF16 = EVEXOp{Name: "VCVTNEPS2BF16", PP: 2, MM: 2, Opcode: 0x72}
)

// Encode returns the bytes of op dst, src1, src2 (Intel operand order;
// src1 nil for a two-operand form) at vector length bits (128, 256 or
// 512), register operands only, no mask.
func (op EVEXOp) Encode(bits int, dst, src1, src2 reg.Physical) []byte {
	d, s2 := byte(dst.PhysicalIndex()), byte(src2.PhysicalIndex())
	var s1 byte // vvvv = 1111 (inverted 0) when unused
	if src1 != nil {
		s1 = byte(src1.PhysicalIndex())
	}
	inv := func(b byte) byte { return ^b & 1 }
	p0 := inv(d>>3)<<7 | inv(s2>>4)<<6 | inv(s2>>3)<<5 | inv(d>>4)<<4 | op.MM
	p1 := (^s1&0xf)<<3 | 1<<2 | op.PP // W0
	ll := map[int]byte{128: 0, 256: 1, 512: 2}[bits]
	p2 := ll<<5 | inv(s1>>4)<<3
	modrm := 0xc0 | (d&7)<<3 | s2&7
	return []byte{0x62, p0, p1, p2, op.Opcode, modrm}
}

// Emit writes op dst, src1, src2 (Intel operand order, as Encode) into
// the function being built. The first BYTE carries the instruction's
// register inputs and outputs, so that avo's liveness analysis (and the
// allocation of any virtual registers around it) sees them.
func (op EVEXOp) Emit(bits int, dst, src1, src2 reg.Physical) {
	names := []string{dst.Asm()}
	if src1 != nil {
		names = append(names, src1.Asm())
	}
	names = append(names, src2.Asm())
	Comment(fmt.Sprintf("%s %s", op.Name, joinComma(names)))
	in := []Op{src2}
	if src1 != nil {
		in = append(in, src1)
	}
	if op.Acc {
		in = append(in, dst)
	}
	for i, b := range op.Encode(bits, dst, src1, src2) {
		ins := &ir.Instruction{Opcode: "BYTE", Operands: []Op{U8(b)}}
		if i == 0 {
			ins.Inputs, ins.Outputs = in, []Op{dst}
		}
		Instruction(ins)
	}
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}
