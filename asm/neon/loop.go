package main

import (
	"fmt"
	"strings"

	"github.com/fisherflow/fisherflow/asm/internal/a64"
	"github.com/fisherflow/fisherflow/asm/internal/doc"
)

// A loop kernel maps slices element by element with a body recorded on
// nops: two vectors of the arithmetic's arrangement per iteration, loaded
// from the input slices and stored to the output ones (a slice may be
// both: read, then written in place). The body's arithmetic is float64
// (D2) when the kernel is float64 or wide, float32 (S4) otherwise; a
// float32 slice in a float64 body is one S4 vector widened into the two
// D2 ones (FCVTL, FCVTL2) and narrowed back (FCVTN, FCVTN2).

// kslice is a slice parameter of a loop kernel.
type kslice struct {
	name    string
	f64     bool // []float64 whatever the kernel's precision
	in, out bool
}

// typ is the slice's element type in a kernel of precision p.
func (s kslice) typ(p prec) string {
	if s.f64 {
		return "float64"
	}
	return p.typ
}

// kspec is a loop kernel.
type kspec struct {
	name, doc string
	slices    []kslice // the slice parameters, in order; the last input gives the count
	scalars   []string // scalar parameters after the slices, broadcast to every lane
	scalarF64 bool     // the scalars are float64 (else of the kernel's type)
	wide      bool     // a float32 kernel whose arithmetic is float64
	// tail is "pad" (a Go wrapper runs the last partial block on a
	// zero-padded copy) or "rest" (the kernel returns how many elements
	// it left, as rest int).
	tail string
	big  bool // the body's predicate is ORed over the loop and returned as big bool (the trig kernels)
	body func(m *nops, in map[string]nval, sc map[string]nval) (out map[string]nval, large ncond)
}

// loopKernel emits k in precision p: the assembly (named
// <name>BlocksNEON<P> with tail "pad", <name>NEON<P> with "rest") and its
// Go declaration, and with "pad" the Go wrapper <name>NEON<P>.
func (g *gen) loopKernel(p prec, k kspec) {
	l := newLoop(p, k)
	body, pre := l.schedule()
	l.frame()
	g.loopFunc(l, body, pre)
	if k.tail == "pad" {
		g.padWrapper(p, k, l.asm, l.sig, l.ret, l.block, l.count.name)
	}
}

// loop is one loop kernel being emitted: its registers, its nops, and
// its Go signature and frame.
type loop struct {
	p     prec
	k     kspec
	arr   a64.Arr // the arithmetic's arrangement (D2 for a wide float32 kernel)
	m     *nops
	block int // elements per iteration

	// Registers: R8 the count, R9 the constants' table, R0... the
	// slices' pointers (a load and a store pointer for a slice both read
	// and written), V31 the predicate accumulator of big, V30 down the
	// broadcast scalars.
	loadPtr, storePtr, scalarReg map[string]int
	sc                           map[string]nval

	// The Go signature and the frame.
	asm, sig, ret string
	sp            prec // the scalars' precision
	off           map[string]int
	size, retOff  int
	count         kslice // the slice whose length is the count
}

// newLoop assigns k's registers.
func newLoop(p prec, k kspec) *loop {
	l := &loop{p: p, k: k, arr: p.arr}
	if k.wide && p.arr == a64.S4 {
		l.arr = a64.D2
	}
	const n = 2 // vectors of arr per iteration
	l.m = newNops(l.arr, n)
	l.block = n * map[a64.Arr]int{a64.S4: 4, a64.D2: 2}[l.arr]
	next := 0
	gp := func() int {
		r := next
		next++
		if next == 8 {
			next = 10
		}
		return r
	}
	l.loadPtr, l.storePtr = map[string]int{}, map[string]int{}
	for _, s := range k.slices {
		if s.in {
			l.loadPtr[s.name] = gp()
		}
		if s.out {
			l.storePtr[s.name] = gp()
		}
	}
	l.sc = map[string]nval{}
	vnext := 30
	if !k.big {
		vnext = 31
	}
	l.scalarReg = map[string]int{}
	for _, s := range k.scalars {
		l.scalarReg[s] = vnext
		l.sc[s] = l.m.pinned(vnext)
		vnext--
	}
	return l
}

// schedule runs the body on the loads of one iteration and stores its
// results, and returns the scheduled iteration and the instructions that
// precede the loop (the constants' loads).
func (l *loop) schedule() (body, pre []string) {
	m, k, p, arr := l.m, l.k, l.p, l.arr
	in := map[string]nval{}
	for _, s := range k.slices {
		if !s.in {
			continue
		}
		r := l.loadPtr[s.name]
		if s.typ(p) == "float32" && arr == a64.D2 {
			t := m.one(nil, nil, false, func(d int, _ []int) string { return fmt.Sprintf("VLD1.P 16(R%d), [V%d.S4]", r, d) })
			lo := m.one([]int{t}, nil, false, func(d int, s []int) string { return a64.FCVTL(d, s[0]).Go() })
			hi := m.one([]int{t}, nil, false, func(d int, s []int) string { return a64.FCVTL2(d, s[0]).Go() })
			in[s.name] = nval{lo, hi}
			continue
		}
		in[s.name] = m.op(nil, func(d int, _ []int) string {
			return fmt.Sprintf("VLD1.P 16(R%d), [V%d.%s]", r, d, m.va())
		})
	}
	out, large := k.body(m, in, l.sc)
	if k.big {
		m.sink([]any{m.mask(large)}, func(s []int) string { return fmt.Sprintf("VORR V%d.B16, V31.B16, V31.B16", s[0]) })
	}
	for _, s := range k.slices {
		if !s.out {
			continue
		}
		r, res := l.storePtr[s.name], out[s.name]
		if s.typ(p) == "float32" && arr == a64.D2 {
			// FCVTN writes the low half of an S4, FCVTN2 (over a copy of
			// it) the high half.
			lo := m.one([]int{res[0]}, nil, false, func(d int, s []int) string { return a64.FCVTN(d, s[0]).Go() })
			both := m.one([]int{lo, res[1]}, []int{0}, false, func(d int, s []int) string { return a64.FCVTN2(d, s[1]).Go() })
			m.one([]int{both}, nil, true, func(_ int, s []int) string { return fmt.Sprintf("VST1.P [V%d.S4], 16(R%d)", s[0], r) })
			continue
		}
		m.sink([]any{res}, func(s []int) string { return fmt.Sprintf("VST1.P [V%d.%s], 16(R%d)", s[0], m.va(), r) })
	}
	reserved := map[int]bool{}
	if k.big {
		reserved[31] = true
	}
	return m.schedule(reserved)
}

// frame derives the Go signature, the arguments' offsets and the frame
// size.
func (l *loop) frame() {
	k, p := l.k, l.p
	l.asm = k.name + "NEON" + p.name
	if k.tail == "pad" {
		l.asm = k.name + "BlocksNEON" + p.name
	}
	var params []string
	l.off = map[string]int{}
	frame := 0
	for _, s := range k.slices {
		params = append(params, s.name+" []"+s.typ(p))
		l.off[s.name] = frame
		frame += 24
	}
	l.sp = p
	if k.scalarF64 {
		l.sp = precs[1]
	}
	for _, s := range k.scalars {
		params = append(params, s+" "+l.sp.typ)
		l.off[s] = frame
		frame += l.sp.size
	}
	switch {
	case k.big:
		l.ret, l.retOff = " (big bool)", frame
		frame++
	case k.tail == "rest":
		frame = (frame + 7) &^ 7
		l.ret, l.retOff = " (rest int)", frame
		frame += 8
	}
	l.size = frame
	l.sig = "(" + strings.Join(params, ", ") + ")"
	for _, s := range k.slices {
		if s.in {
			l.count = s
		}
	}
}

// loopFunc writes the kernel: its TEXT and Go declaration, the loads of
// its arguments, the loop over whole blocks around body, the result, and
// the constants' table.
func (g *gen) loopFunc(l *loop, body, pre []string) {
	k, asm, m := l.k, l.asm, l.m
	fmt.Fprintf(&g.s, "\n// func %s%s%s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", asm, l.sig, l.ret, asm, l.size)
	over := fmt.Sprintf(", over the whole blocks of %d elements of %s", l.block, l.count.name)
	if k.tail == "rest" {
		over = fmt.Sprintf(", over the whole blocks of %d elements, and returns how many it left", l.block)
	}
	fmt.Fprintf(&g.stubs, "\n%s//\n//go:noescape\nfunc %s%s%s\n", doc.Comment(asm+" "+k.doc+over+"."), asm, l.sig, l.ret)
	for _, s := range k.slices {
		if s.in {
			g.f("MOVD %s_base+%d(FP), R%d", s.name, l.off[s.name], l.loadPtr[s.name])
		}
		if s.out {
			g.f("MOVD %s_base+%d(FP), R%d", s.name, l.off[s.name], l.storePtr[s.name])
		}
	}
	g.f("MOVD %s_len+%d(FP), R8", l.count.name, l.off[l.count.name]+8)
	if len(m.slots) > 0 {
		g.f("MOVD $%sc<>(SB), R9", asm)
	}
	for _, s := range k.scalars {
		g.bcast(l.sp, fmt.Sprintf("%s+%d", s, l.off[s]), l.scalarReg[s], l.scalarReg[s])
	}
	for _, line := range pre {
		g.f("%s", line)
	}
	if k.big {
		g.zero(31)
	}
	loop, done := g.lbl("loop"), g.lbl("done")
	g.at(loop)
	g.f("CMP $%d, R8", l.block)
	g.f("BLT %s", done)
	for _, line := range body {
		g.f("%s", line)
	}
	g.f("SUB $%d, R8", l.block)
	g.f("B %s", loop)
	g.at(done)
	switch {
	case k.big:
		g.f("VMOV V31.D[0], R10")
		g.f("VMOV V31.D[1], R11")
		g.f("ORR R10, R11")
		g.f("CMP $0, R11")
		g.f("CSET NE, R11")
		g.f("MOVB R11, big+%d(FP)", l.retOff)
	case k.tail == "rest":
		g.f("MOVD R8, rest+%d(FP)", l.retOff)
	}
	g.f("RET")
	if len(m.slots) > 0 {
		for i, bits := range m.slots {
			if l.arr == a64.S4 {
				bits |= bits << 32
			}
			g.f("DATA %sc<>+%d(SB)/8, $%#016x", asm, 16*i, bits)
			g.f("DATA %sc<>+%d(SB)/8, $%#016x", asm, 16*i+8, bits)
		}
		fmt.Fprintf(&g.s, "GLOBL %sc<>(SB), RODATA|NOPTR, $%d\n", asm, 16*len(m.slots))
	}
}

// padWrapper writes the Go wrapper of a "pad" kernel: the whole blocks in
// asm, then the rest through zero-padded arrays on the stack (asm does
// not let them escape, so nothing is allocated).
func (g *gen) padWrapper(p prec, k kspec, asm, sig, ret string, block int, count string) {
	wrapper := k.name + "NEON" + p.name
	fmt.Fprintf(&g.stubs, "\n%sfunc %s%s%s {\n",
		doc.Comment(wrapper+" "+k.doc+": the whole blocks in "+asm+", the rest on a zero-padded copy."), wrapper, sig, ret)
	fmt.Fprintf(&g.stubs, "\tn := len(%s) &^ %d\n", count, block-1)
	var whole, padded []string
	for _, s := range k.slices {
		whole = append(whole, s.name+"[:n]")
		padded = append(padded, s.name+"Pad[:]")
	}
	for _, s := range k.scalars {
		whole = append(whole, s)
		padded = append(padded, s)
	}
	call := "\t"
	if k.big {
		call = "\tbig = "
	}
	fmt.Fprintf(&g.stubs, "%s%s(%s)\n", call, asm, strings.Join(whole, ", "))
	fmt.Fprintf(&g.stubs, "\tif n < len(%s) {\n", count)
	for _, s := range k.slices {
		fmt.Fprintf(&g.stubs, "\t\tvar %sPad [%d]%s\n", s.name, block, s.typ(p))
	}
	for _, s := range k.slices {
		if s.in {
			fmt.Fprintf(&g.stubs, "\t\tcopy(%sPad[:], %s[n:len(%s)])\n", s.name, s.name, count)
		}
	}
	if k.big {
		fmt.Fprintf(&g.stubs, "\t\tif %s(%s) {\n\t\t\tbig = true\n\t\t}\n", asm, strings.Join(padded, ", "))
	} else {
		fmt.Fprintf(&g.stubs, "\t\t%s(%s)\n", asm, strings.Join(padded, ", "))
	}
	for _, s := range k.slices {
		if s.out {
			fmt.Fprintf(&g.stubs, "\t\tcopy(%s[n:len(%s)], %sPad[:])\n", s.name, count, s.name)
		}
	}
	fmt.Fprintf(&g.stubs, "\t}\n")
	if k.big {
		fmt.Fprintf(&g.stubs, "\treturn big\n")
	}
	fmt.Fprintf(&g.stubs, "}\n")
}
