package main

import (
	"fmt"
	"math"
	"sort"

	"github.com/fisherflow/fisherflow/asm/internal/a64"
	"github.com/fisherflow/fisherflow/asm/internal/vm"
)

// The vector math kernels (exp, sigmoid, log, acos, atan2, sin, cos) run package
// vm's bodies, the ones the avo generator runs on amd64, on nops: a
// vm.Ops that records each operation as an instruction on virtual
// registers (one per unrolled vector, SSA: an operation never changes
// its operands), then allocates the 32 vector registers in one pass over
// the straight-line body. NEON arithmetic takes no memory operands, so a
// constant is either kept in a register for the whole loop (hoisted) or
// loaded next to its use from the kernel's table; the allocator hoists
// as many of the most used constants as leave room for the body. A
// constant that an instruction overwrites (the addend of an FMA, which
// is every Horner step) is loaded straight into the destination. The
// loops around the bodies are loop.go's.

// opnd is an operand: a value (v >= 0) or a constant slot (c >= 0).
type opnd struct{ v, c int }

// ninst is one instruction: dst is its value (-1 for none); srcs its
// operands; when ties is not empty, the destination register must be one
// of those operands' (the instruction overwrites it), the allocator
// choosing which; text writes the instruction given the destination
// register, the operands' registers and the tied operand's index.
type ninst struct {
	dst  int
	srcs []opnd
	ties []int
	text func(d int, s []int, tie int) string
}

// nval is a group of values, one per unrolled vector.
type nval []int

// nconst is a constant operand: a slot of the kernel's table.
type nconst int

// ncond is a predicate: lanes of all ones where it holds, or (neg) where
// it does not.
type ncond struct {
	v   nval
	neg bool
}

// nops records a kernel body for arrangement arr (S4 or D2), n vectors
// per iteration.
type nops struct {
	arr    a64.Arr
	n      int
	slots  []uint64 // each constant slot's lane pattern
	slotOf map[uint64]int
	code   []ninst
	nvals  int
	fixed  map[int]int // values living in a register of their own for the whole kernel
}

func newNops(arr a64.Arr, n int) *nops {
	return &nops{arr: arr, n: n, slotOf: map[uint64]int{}, fixed: map[int]int{}}
}

// va is the Go assembler's arrangement suffix of the lanes.
func (m *nops) va() string { return map[a64.Arr]string{a64.S4: "S4", a64.D2: "D2"}[m.arr] }

func (m *nops) Single() bool { return m.arr == a64.S4 }

func (m *nops) slot(bits uint64) nconst {
	if s, ok := m.slotOf[bits]; ok {
		return nconst(s)
	}
	m.slotOf[bits] = len(m.slots)
	m.slots = append(m.slots, bits)
	return nconst(len(m.slots) - 1)
}

func (m *nops) C(v float64) any {
	if m.Single() {
		return m.slot(uint64(math.Float32bits(float32(v))))
	}
	return m.slot(math.Float64bits(v))
}

func (m *nops) Bits(b uint64) any {
	if m.Single() {
		b &= math.MaxUint32
	}
	return m.slot(b)
}

// at returns member i of the operand a (a group or a constant).
func (m *nops) at(a any, i int) opnd {
	switch a := a.(type) {
	case nval:
		return opnd{v: a[i], c: -1}
	case nconst:
		return opnd{v: -1, c: int(a)}
	}
	panic(fmt.Sprintf("neon: operand %T", a))
}

// emitN records, for each member, an instruction on the members of the
// operands; it returns the group of destinations (nil with noDst).
func (m *nops) emitN(ops []any, ties []int, noDst bool, text func(d int, s []int, tie int) string) nval {
	var out nval
	for i := 0; i < m.n; i++ {
		in := ninst{dst: -1, ties: ties, text: text}
		for _, a := range ops {
			in.srcs = append(in.srcs, m.at(a, i))
		}
		if !noDst {
			in.dst = m.nvals
			m.nvals++
			out = append(out, in.dst)
		}
		m.code = append(m.code, in)
	}
	return out
}

// op records an instruction d = f(operands) with no tie.
func (m *nops) op(ops []any, text func(d int, s []int) string) nval {
	return m.emitN(ops, nil, false, func(d int, s []int, _ int) string { return text(d, s) })
}

// w3 records a three-register a64 instruction d = f(s0, s1).
func (m *nops) w3(f func(a64.Arr, int, int, int) a64.Inst, x, y any) nval {
	return m.op([]any{x, y}, func(d int, s []int) string { return f(m.arr, d, s[0], s[1]).Go() })
}

func (m *nops) Mov(a any) nval {
	if g, ok := a.(nval); ok {
		return g // values are never overwritten
	}
	// A tied constant: the allocator loads it into the destination.
	return m.emitN([]any{a}, []int{0}, false, func(int, []int, int) string { return "" })
}

// fma records d = c + a*b (VFMLA) or c - a*b (VFMLS), overwriting c.
func (m *nops) fma(ins string, a any, b nval, c any) nval {
	return m.emitN([]any{c, a, b}, []int{0}, false, func(d int, s []int, _ int) string {
		return fmt.Sprintf("%s V%d.%s, V%d.%s, V%d.%s", ins, s[1], m.va(), s[2], m.va(), d, m.va())
	})
}

func (m *nops) FMA(a any, b nval, c any) nval  { return m.fma("VFMLA", a, b, c) }
func (m *nops) FNMA(a any, b nval, c any) nval { return m.fma("VFMLS", a, b, c) }

func (m *nops) Horner(x nval, c []float64) nval {
	acc := m.Mov(m.C(c[len(c)-1]))
	for j := len(c) - 2; j >= 0; j-- {
		acc = m.FMA(acc, x, m.C(c[j]))
	}
	return acc
}

func (m *nops) Add(a any, b nval) nval { return m.w3(a64.FADD, b, a) }
func (m *nops) Sub(a any, b nval) nval { return m.w3(a64.FSUB, b, a) }
func (m *nops) Mul(a any, b nval) nval { return m.w3(a64.FMUL, b, a) }
func (m *nops) Div(a any, b nval) nval { return m.w3(a64.FDIV, b, a) }

func (m *nops) Scalef(a, b nval) (nval, bool) { return nil, false }

func (m *nops) Cmp(x nval, pred uint8, y any) ncond {
	switch pred {
	case vm.EQ:
		return ncond{v: m.w3(a64.FCMEQ, x, y)}
	case vm.GT:
		return ncond{v: m.w3(a64.FCMGT, x, y)}
	case vm.GE:
		return ncond{v: m.w3(a64.FCMGE, x, y)}
	case vm.LT:
		return ncond{v: m.w3(a64.FCMGT, y, x)}
	case vm.LE:
		return ncond{v: m.w3(a64.FCMGE, y, x)}
	case vm.NLT: // not (x < y)
		return ncond{v: m.w3(a64.FCMGT, y, x), neg: true}
	case vm.UNO: // not (x == x and y == y)
		return ncond{v: m.logic("VAND", m.w3(a64.FCMEQ, x, x), m.w3(a64.FCMEQ, y, y)), neg: true}
	}
	panic(fmt.Sprintf("neon: predicate %#x", pred))
}

func (m *nops) SignBit(x nval) ncond {
	return ncond{v: m.op([]any{x}, func(d int, s []int) string { return a64.CMLT0(m.arr, d, s[0]).Go() })}
}

func (m *nops) Bit(x nval, b uint) ncond {
	return ncond{v: m.op([]any{x, m.Bits(1 << b)}, func(d int, s []int) string {
		return fmt.Sprintf("VCMTST V%d.%s, V%d.%s, V%d.%s", s[1], m.va(), s[0], m.va(), d, m.va())
	})}
}

// Sel picks BSL (overwriting the mask), BIT (overwriting f) or BIF
// (overwriting t), whichever operand the allocator can give up.
func (m *nops) Sel(c ncond, t any, f nval) nval {
	var tv, fv any = t, f
	if c.neg {
		tv, fv = f, t
	}
	return m.emitN([]any{c.v, tv, fv}, []int{0, 2, 1}, false, func(d int, s []int, tie int) string {
		switch tie {
		case 0: // d = mask: (d & t) | (^d & f)
			return fmt.Sprintf("VBSL V%d.B16, V%d.B16, V%d.B16", s[2], s[1], d)
		case 2: // d = f: t where mask
			return fmt.Sprintf("VBIT V%d.B16, V%d.B16, V%d.B16", s[0], s[1], d)
		}
		// d = t: f where not mask
		return fmt.Sprintf("VBIF V%d.B16, V%d.B16, V%d.B16", s[0], s[2], d)
	})
}

// mask returns c as a value: all ones where c holds.
func (m *nops) mask(c ncond) nval {
	if !c.neg {
		return c.v
	}
	return m.logic("VEOR", c.v, m.Bits(math.MaxUint64))
}

func (m *nops) logic(ins string, a any, b any) nval {
	return m.op([]any{a, b}, func(d int, s []int) string {
		return fmt.Sprintf("%s V%d.B16, V%d.B16, V%d.B16", ins, s[0], s[1], d)
	})
}

func (m *nops) IAdd(a any, b nval) nval {
	return m.op([]any{a, b}, func(d int, s []int) string {
		return fmt.Sprintf("VADD V%d.%s, V%d.%s, V%d.%s", s[0], m.va(), s[1], m.va(), d, m.va())
	})
}
func (m *nops) IAnd(a any, b nval) nval { return m.logic("VAND", a, b) }
func (m *nops) IOr(a any, b nval) nval  { return m.logic("VORR", a, b) }
func (m *nops) IXor(a any, b nval) nval { return m.logic("VEOR", a, b) }

func (m *nops) shift(ins string, n uint8, a nval) nval {
	return m.op([]any{a}, func(d int, s []int) string {
		return fmt.Sprintf("%s $%d, V%d.%s, V%d.%s", ins, n, s[0], m.va(), d, m.va())
	})
}
func (m *nops) Shl(n uint8, a nval) nval { return m.shift("VSHL", n, a) }
func (m *nops) Shr(n uint8, a nval) nval { return m.shift("VUSHR", n, a) }

func (m *nops) Sqrt(a nval) nval {
	return m.op([]any{a}, func(d int, s []int) string { return a64.FSQRT(m.arr, d, s[0]).Go() })
}

// pinned returns a value that lives in register r for the whole kernel
// (a broadcast argument, set before the loop): the allocator never gives
// r to anything else, nor overwrites it.
func (m *nops) pinned(r int) nval {
	v := m.nvals
	m.nvals++
	m.fixed[v] = r
	g := make(nval, m.n)
	for i := range g {
		g[i] = v
	}
	return g
}

// sink records, for each member, an instruction without a result (a
// store, an accumulation into a reserved register).
func (m *nops) sink(ops []any, text func(s []int) string) {
	m.emitN(ops, nil, true, func(_ int, s []int, _ int) string { return text(s) })
}

// one records a single instruction on single values (not groups), its
// result a new value (returned) unless noDst; ties as in ninst.
func (m *nops) one(srcs, ties []int, noDst bool, text func(d int, s []int) string) int {
	in := ninst{dst: -1, ties: ties, text: func(d int, s []int, _ int) string { return text(d, s) }}
	for _, v := range srcs {
		in.srcs = append(in.srcs, opnd{v: v, c: -1})
	}
	if !noDst {
		in.dst = m.nvals
		m.nvals++
	}
	m.code = append(m.code, in)
	return in.dst
}

var _ vm.Ops[nval, ncond] = (*nops)(nil)

// alloc assigns registers to the recorded body: hoisted constants in
// registers of their own, loaded before the loop; the rest of the pool
// (V0-V31 less reserved) to the values and to the constants loaded at
// their uses (through R9, the table's address). It returns the loop
// body's lines and the hoisting lines, or ok false when the registers
// run out.
func (m *nops) alloc(hoist map[int]bool, reserved map[int]bool) (body, pre []string, ok bool) {
	last := m.lastUses()
	vreg := make([]int, m.nvals)
	pinned := map[int]bool{}
	for v, r := range m.fixed {
		last[v] = len(m.code) // never dies
		vreg[v] = r
		pinned[r] = true
	}
	var free []int
	creg := map[int]int{}
	for r := 31; r >= 0; r-- {
		if !reserved[r] && !pinned[r] {
			free = append(free, r)
		}
	}
	take := func() int {
		if len(free) == 0 {
			ok = false
			return 0
		}
		r := free[len(free)-1]
		free = free[:len(free)-1]
		return r
	}
	give := func(r int) { free = append(free, r) }
	load := func(c, r int) string { return fmt.Sprintf("FMOVQ %d(R9), F%d", 16*c, r) }
	ok = true
	hs := make([]int, 0, len(hoist))
	for c := range hoist {
		hs = append(hs, c)
	}
	sort.Ints(hs)
	for _, c := range hs {
		creg[c] = take()
		pre = append(pre, load(c, creg[c]))
	}
	for i, in := range m.code {
		regs := make([]int, len(in.srcs))
		var temps []int
		// The tied operand: a value that dies here, whose register
		// becomes the destination (inPlace), else the first choice
		// (copied, or a constant loaded into the destination).
		tie, inPlace := -1, -1
		for _, t := range in.ties {
			if s := in.srcs[t]; s.v >= 0 && last[s.v] == i && !usedTwice(in.srcs, s.v) {
				tie, inPlace = t, s.v
				break
			}
		}
		if tie < 0 && len(in.ties) > 0 {
			tie = in.ties[0]
		}
		for j, s := range in.srcs {
			switch {
			case s.v >= 0:
				regs[j] = vreg[s.v]
			case j == tie:
			case hoist[s.c]:
				regs[j] = creg[s.c]
			default:
				regs[j] = take()
				temps = append(temps, regs[j])
				body = append(body, load(s.c, regs[j]))
			}
		}
		dying := func() {
			for j, s := range in.srcs {
				if s.v >= 0 && last[s.v] == i && s.v != inPlace && firstIndex(in.srcs, s.v) == j {
					give(vreg[s.v])
				}
			}
			for _, t := range temps {
				give(t)
			}
		}
		d := -1
		if tie >= 0 {
			s := in.srcs[tie]
			switch {
			case s.v >= 0 && s.v == inPlace:
				d = vreg[s.v]
			case s.v >= 0:
				d = take()
				body = append(body, fmt.Sprintf("VMOV V%d.B16, V%d.B16", vreg[s.v], d))
			default:
				d = take()
				body = append(body, load(s.c, d))
			}
			regs[tie] = d
			dying()
		} else {
			dying()
			if in.dst >= 0 {
				d = take()
			}
		}
		if !ok {
			return nil, nil, false
		}
		if in.dst >= 0 {
			vreg[in.dst] = d
			if last[in.dst] < 0 {
				give(d)
			}
		}
		if t := in.text(d, regs, tie); t != "" {
			body = append(body, t)
		}
	}
	return body, pre, ok
}

// lastUses returns, for each value, the index of the last instruction
// that reads it (-1 for none).
func (m *nops) lastUses() []int {
	last := make([]int, m.nvals)
	for i := range last {
		last[i] = -1
	}
	for i, in := range m.code {
		for _, s := range in.srcs {
			if s.v >= 0 {
				last[s.v] = i
			}
		}
	}
	return last
}

func firstIndex(srcs []opnd, v int) int {
	for j, s := range srcs {
		if s.v == v {
			return j
		}
	}
	return -1
}

func usedTwice(srcs []opnd, v int) bool {
	n := 0
	for _, s := range srcs {
		if s.v == v {
			n++
		}
	}
	return n > 1
}

// schedule allocates the body, hoisting as many of the most used
// constants (those not loaded into a destination) as fit.
func (m *nops) schedule(reserved map[int]bool) (body, pre []string) {
	uses := map[int]int{}
	for _, in := range m.code {
		for j, s := range in.srcs {
			if s.c >= 0 && !(len(in.ties) == 1 && in.ties[0] == j) {
				uses[s.c]++
			}
		}
	}
	var cs []int
	for c := range uses {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool {
		if uses[cs[i]] != uses[cs[j]] {
			return uses[cs[i]] > uses[cs[j]]
		}
		return cs[i] < cs[j]
	})
	for k := len(cs); k >= 0; k-- {
		hoist := map[int]bool{}
		for _, c := range cs[:k] {
			hoist[c] = true
		}
		if body, pre, ok := m.alloc(hoist, reserved); ok {
			return body, pre
		}
	}
	panic("neon: the body needs more than 32 vector registers")
}
