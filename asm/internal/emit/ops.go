package emit

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"

	"github.com/fisherflow/fisherflow/asm/internal/vm"
)

// Ops returns m as a vm.Ops, so that generators run the vector math
// functions of package vm on M's groups.
func (m M) Ops() vm.Ops[G, Cond] { return vmOps{m} }

// vmOps is M as a vm.Ops.
type vmOps struct{ M }

func (a vmOps) Single() bool      { return a.K.Prec == Float32 }
func (a vmOps) C(v float64) any   { return a.M.C(v) }
func (a vmOps) Bits(b uint64) any { return a.M.Bits(b) }
func (a vmOps) Scalef(x, y G) (G, bool) {
	if a.K.ISA != AVX512 {
		return nil, false
	}
	return a.M.Scalef(x, y), true
}

// JumpIfAny jumps to label when c holds in any lane of any member.
func (m M) JumpIfAny(c Cond, label string) {
	if m.K.ISA == AVX512 {
		for _, k := range c.k {
			KORTESTW(k, k)
			JNZ(LabelRef(label))
		}
		return
	}
	for _, v := range c.v {
		VPTEST(v, v)
		JNZ(LabelRef(label))
	}
}

// Concat returns the members of gs as one group (for an M of their
// total size).
func Concat(gs ...G) G {
	var out G
	for _, g := range gs {
		out = append(out, g...)
	}
	return out
}
