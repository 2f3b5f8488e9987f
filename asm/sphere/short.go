package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/emit"
	"github.com/fisherflow/fisherflow/asm/internal/vm"
)

// The short-row kernels (-family shortrow, kernels/shortrow_amd64.s; see
// kernels/shortrow.go) run the sphere maps on rows of d = 2..8 across
// rows: a block of B rows is u sub-blocks of d contiguous vectors (a
// sub-block is as many rows as a vector of T has lanes; u = 2 in float64
// and on AVX-512, see sr.u), which the kernels leave in place.
// Column j of the block (element j of every row) is gathered from those
// vectors by permutes with a constant index per d (VPERMPD, VPERMI2PD and
// VPERMT2PD on AVX-512, VPERMPD/VPERMPS and blends on AVX2; on Zen 5 the
// four columns of 8 float64 rows of d = 4 took 1.0 ns a row by permutes
// against 1.6 by VGATHERDPD, so no gathers), widened to float64, and
// the per-row scalars (sums, angles, sines) are computed once per block
// across lanes with package vm's functions, in float64 as the long-row
// kernels do. A per-row coefficient, rounded to T, is broadcast back to
// the row's elements by one permute per vector, and the elementwise part
// runs on the contiguous vectors. Each kernel handles whole blocks and
// returns the number it finished: it stops before storing anything of a
// block that needs the generic code (a sine argument beyond vm's
// reduction, a float64 sum of squares that needs rescaling), and the
// caller runs that block generically and calls again.

// shortDims are the row lengths with a short-row kernel.
var shortDims = []int{2, 3, 4, 5, 6, 7, 8}

// sr emits one short-row kernel variant: k is T's kernel, k64 the
// float64 kernel of the same ISA (the per-row scalars), d the row length.
type sr struct {
	k, k64 emit.Kernel
	d      int
	// u is the sub-blocks of a block, each a vector of T per element of
	// its rows: two in float64, so that the per-row math runs on two
	// vectors of float64 in both precisions (the vector math's long
	// dependency chains then overlap; one measured 1.0 IPC).
	u int
}

// rows is the block's row count, B; groups the float64 vectors per
// block; nv the block's vectors of T.
func (s *sr) rows() int   { return s.u * s.k.Lanes() }
func (s *sr) nv() int     { return s.u * s.d }
func (s *sr) groups() int { return s.rows() / s.k64.Lanes() }
func (s *sr) m() emit.M   { return emit.M{K: &s.k64, N: s.groups()} }
func (s *sr) one() emit.G { return s.m().Mov(s.m().C(1)) }

// shortRows emits the short-row kernels of k for every d.
func shortRows(k emit.Kernel) {
	for _, d := range shortDims {
		s := &sr{k: k, k64: emit.Kernel{ISA: k.ISA, Prec: emit.Float64}, d: d, u: 1}
		if k.Prec == emit.Float64 || k.ISA == emit.AVX512 {
			s.u = 2
		}
		s.sphereDist()
		s.slerp()
		s.logMap()
		s.expMap()
		s.projectTangent()
		s.toSphere()
		s.toSimplex()
	}
}

// idxTables are the permute indices emitted so far, by name.
var idxTables = map[string]Mem{}

// idx returns a memory operand holding the indices vals as lanes of size
// bytes.
func idx(size int, vals []int) Mem {
	name := fmt.Sprintf("sridx%d", 8*size)
	for _, v := range vals {
		name += fmt.Sprintf("_%d", v)
	}
	if m, ok := idxTables[name]; ok {
		return m
	}
	m := GLOBL(name, RODATA|NOPTR)
	for i, v := range vals {
		if size == 4 {
			DATA(4*i, U32(uint32(v)))
		} else {
			DATA(8*i, U64(uint64(v)))
		}
	}
	idxTables[name] = m
	return m
}

// pick returns a vector of k whose lane i is element lanes[i] of the
// concatenated vectors srcs (registers or memory operands; lanes[i] < 0:
// any value).
func pick(k *emit.Kernel, srcs []Op, lanes []int) reg.VecVirtual {
	L := k.Lanes()
	var order []int // the sources used, in order of first use
	used := map[int]bool{}
	for _, e := range lanes {
		if e >= 0 && !used[e/L] {
			used[e/L] = true
			order = append(order, e/L)
		}
	}
	if k.ISA == emit.AVX512 {
		perm := k.Pick(VPERMPS, VPERMPD)
		perm2 := k.Pick(VPERMT2PS, VPERMT2PD)
		var t reg.VecVirtual
		for n, c := range order {
			vals := make([]int, L)
			for i, e := range lanes {
				switch {
				case e >= 0 && e/L == c:
					vals[i] = e % L
					if n > 0 {
						vals[i] += L // the second table
					}
				case n > 0:
					vals[i] = i // keep t's lane
				}
			}
			if n == 1 {
				continue // taken with the first (below)
			}
			ix := k.Vec()
			if n == 0 && len(order) > 1 {
				// The first two sources in one VPERMI2: lanes of
				// the second index L + their position.
				for i, e := range lanes {
					if e >= 0 && e/L == order[1] {
						vals[i] = L + e%L
					}
				}
				VMOVDQU64(idx(k.Size(), vals), ix)
				t1 := k.Vec()
				k.Load(srcs[c], t1)
				k.Pick(VPERMI2PS, VPERMI2PD)(srcs[order[1]], t1, ix)
				t = ix
				continue
			}
			VMOVDQU64(idx(k.Size(), vals), ix)
			if n == 0 {
				t = k.Vec()
				perm(srcs[c], ix, t)
				continue
			}
			perm2(srcs[c], ix, t)
		}
		return t
	}
	// AVX2: each source permuted into place, then blended in.
	var acc reg.VecVirtual
	for n, c := range order {
		var mask uint8
		vals := make([]int, L)
		identity := true
		for i, e := range lanes {
			vals[i] = i
			if e >= 0 && e/L == c {
				mask |= 1 << i
				vals[i] = e % L
				identity = identity && e%L == i
			}
		}
		var src Op = srcs[c]
		if !identity || n == 0 {
			p := k.Vec()
			if k.Prec == emit.Float64 {
				imm := 0
				for i, v := range vals {
					imm |= v << (2 * i)
				}
				VPERMPD(U8(uint8(imm)), srcs[c], p)
			} else {
				ix := k.Vec()
				VMOVDQU(idx(4, vals), ix)
				VPERMPS(srcs[c], ix, p)
			}
			src = p
		}
		if n == 0 {
			acc = src.(reg.VecVirtual)
			continue
		}
		nacc := k.Vec()
		if k.Prec == emit.Float64 {
			VBLENDPD(U8(mask), src, acc, nacc)
		} else {
			VBLENDPS(U8(mask), src, acc, nacc)
		}
		acc = nacc
	}
	return acc
}

// vecs returns the d vectors of T of the block at p as memory operands.
func (s *sr) vecs(p reg.GPVirtual) []Op {
	ops := make([]Op, s.nv())
	for i := range ops {
		ops[i] = Mem{Base: p, Disp: i * s.k.Bytes()}
	}
	return ops
}

// widen returns the vector v of T as float64 groups (itself for float64).
func (s *sr) widen(v reg.VecVirtual) emit.G {
	if s.k.Prec == emit.Float64 {
		return emit.G{v}
	}
	lo, hi := s.k64.Vec(), s.k64.Vec()
	if s.k.ISA == emit.AVX512 {
		VCVTPS2PD(v.AsY(), lo)
		h := YMM()
		VEXTRACTF32X8(U8(1), v, h)
		VCVTPS2PD(h, hi)
	} else {
		VCVTPS2PD(v.AsX(), lo)
		h := XMM()
		VEXTRACTF128(U8(1), v, h)
		VCVTPS2PD(h, hi)
	}
	return emit.G{lo, hi}
}

// narrow returns the float64 groups g (one per row of the block) as the
// block's vectors of T, one per sub-block, each lane rounded once.
func (s *sr) narrow(g emit.G) []reg.VecVirtual {
	per := len(g) / s.u
	out := make([]reg.VecVirtual, s.u)
	for b := range out {
		out[b] = s.narrowOne(g[b*per : (b+1)*per])
	}
	return out
}

// narrowOne returns the float64 vectors g (one vector of T widened) as
// that vector of T, each lane rounded once.
func (s *sr) narrowOne(g emit.G) reg.VecVirtual {
	if s.k.Prec == emit.Float64 {
		return g[0]
	}
	out := s.k.Vec()
	if s.k.ISA == emit.AVX512 {
		lo, hi := YMM(), YMM()
		VCVTPD2PS(g[0], lo)
		VCVTPD2PS(g[1], hi)
		VINSERTF32X8(U8(1), hi, lo.AsZ(), out)
	} else {
		lo, hi := XMM(), XMM()
		VCVTPD2PSY(g[0], lo)
		VCVTPD2PSY(g[1], hi)
		VINSERTF128(U8(1), hi, lo.AsY(), out)
	}
	return out
}

// col returns column j of the block at p (element j of each row) as
// float64 groups.
func (s *sr) col(p reg.GPVirtual, j int) emit.G {
	lanes := make([]int, s.k.Lanes())
	for r := range lanes {
		lanes[r] = r*s.d + j
	}
	var g emit.G
	vs := s.vecs(p)
	for b := 0; b < s.u; b++ {
		g = append(g, s.widen(pick(&s.k, vs[b*s.d:(b+1)*s.d], lanes))...)
	}
	return g
}

// perRow returns the vector of T at p (one value per row of the block)
// as float64 groups.
func (s *sr) perRow(p reg.GPVirtual) emit.G {
	var g emit.G
	for b := 0; b < s.u; b++ {
		v := s.k.Vec()
		s.k.Load(Mem{Base: p, Disp: b * s.k.Bytes()}, v)
		g = append(g, s.widen(v)...)
	}
	return g
}

// bcast returns vector q of the block with each lane set to its row's
// value in c (narrow's vectors of T, one lane per row).
func (s *sr) bcast(c []reg.VecVirtual, q int) reg.VecVirtual {
	B := s.k.Lanes()
	lanes := make([]int, B)
	for i := range lanes {
		lanes[i] = (q%s.d*B + i) / s.d
	}
	return pick(&s.k, []Op{c[q/s.d]}, lanes)
}

// bcast64 returns float64 vector w of the block's elements (element
// w*L+i in lane i, L the float64 lanes) with each lane set to its row's
// value in the float64 groups g.
func (s *sr) bcast64(g emit.G, w int) reg.VecVirtual {
	L := s.k64.Lanes()
	lanes := make([]int, L)
	for i := range lanes {
		lanes[i] = (w*L + i) / s.d
	}
	srcs := make([]Op, len(g))
	for i, v := range g {
		srcs[i] = v
	}
	return pick(&s.k64, srcs, lanes)
}

// sinc returns sin(x)/x from sn = sin(x), and 1 where x = 0 (sincOf).
func (s *sr) sinc(sn, x emit.G) emit.G {
	m := s.m()
	return m.Sel(m.Cmp(x, emit.EQ, m.C(0)), s.one(), m.Div(x, sn))
}

// kernel emits the block loop of a kernel named base: the pointers of
// the slices elems (d values per row) and rows (one per row) advance one
// block per iteration until elems[0] ends; body emits one block and may
// jump to the label it is given to stop before the block. The kernel
// returns the blocks done.
func (s *sr) kernel(base, sig, doc string, elems, rows []string, body func(p map[string]reg.GPVirtual, stop string)) {
	s.k.BeginFrame(fmt.Sprintf("%sD%d", base, s.d), sig+" (blocks int)", doc+" It returns the number of whole blocks of rows done, and stops before a block that needs the generic kernel.")
	p := map[string]reg.GPVirtual{}
	for _, n := range append(append([]string{}, elems...), rows...) {
		p[n] = emit.Ptr(n)
	}
	n := emit.Len(elems[0])
	end := GP64()
	LEAQ(Mem{Base: p[elems[0]], Index: n, Scale: uint8(s.k.Size())}, end)
	blocks := GP64()
	XORQ(blocks, blocks)
	loop, done := s.k.Label("block"), s.k.Label("done")
	Label(loop)
	CMPQ(p[elems[0]], end)
	JAE(LabelRef(done))
	body(p, done)
	for _, e := range elems {
		ADDQ(U32(uint32(s.rows()*s.d*s.k.Size())), p[e])
	}
	for _, r := range rows {
		ADDQ(U32(uint32(s.rows()*s.k.Size())), p[r])
	}
	INCQ(blocks)
	JMP(LabelRef(loop))
	Label(done)
	emit.Ret(func() { Store(blocks, Return("blocks")) })
}

// angle returns the block's angles 2*atan2(|x-y|, |x+y|) between the
// rows at x and y, the sums in float64 as diffSumSq's.
func (s *sr) angle(x, y reg.GPVirtual) emit.G {
	m := s.m()
	var sm, sp emit.G
	for j := 0; j < s.d; j++ {
		a, b := s.col(x, j), s.col(y, j)
		dm, dp := m.Sub(a, b), m.Add(a, b) // y - x, y + x
		if j == 0 {
			sm, sp = m.Mul(dm, dm), m.Mul(dp, dp)
			continue
		}
		sm, sp = m.FMA(dm, dm, sm), m.FMA(dp, dp, sp)
	}
	rm, rp := s.spill(m.Sqrt(sm)), s.spill(m.Sqrt(sp))
	a := s.load(s.chunked([][]Mem{rm, rp}, 2, func(m emit.M, in []emit.G) emit.G {
		a := vm.Atan2(m.Ops(), in[0], in[1], vm.Atan64)
		return m.Add(a, a)
	}))
	return a
}

// spill stores the group g to the stack and returns where.
func (s *sr) spill(g emit.G) []Mem {
	loc := AllocLocal(len(g) * s.k64.Bytes())
	ms := make([]Mem, len(g))
	for i, v := range g {
		ms[i] = loc.Offset(i * s.k64.Bytes())
		s.k64.Store(v, ms[i])
	}
	return ms
}

// load returns the group spilled to ms.
func (s *sr) load(ms []Mem) emit.G {
	g := make(emit.G, len(ms))
	for i, m := range ms {
		g[i] = s.k64.Vec()
		s.k64.Load(m, g[i])
	}
	return g
}

// chunked runs f on the spilled groups args (f's inputs, group by
// group) a few vectors at a time, as many as the registers hold (all on
// AVX-512, one on AVX2, where 16 registers hold vm's functions on one),
// and returns f's results, spilled.
func (s *sr) chunked(args [][]Mem, chunk int, f func(m emit.M, in []emit.G) emit.G) []Mem {
	if s.k.ISA == emit.AVX2 {
		chunk = 1
	}
	n := len(args[0])
	var res []Mem
	for i := 0; i < n; i += chunk {
		j := min(i+chunk, n)
		m := emit.M{K: &s.k64, N: j - i}
		in := make([]emit.G, len(args))
		for a := range args {
			in[a] = s.load(args[a][i:j])
		}
		res = append(res, s.spill(f(m, in))...)
	}
	return res
}

// trig returns the sines (cosines with cos) of the spilled groups args,
// spilled, jumping to stop if any argument is beyond vm.Trig's reduction.
func (s *sr) trig(args [][]Mem, cos bool, stop string) [][]Mem {
	var all []Mem
	for _, a := range args {
		all = append(all, a...)
	}
	res := s.chunked([][]Mem{all}, 3, func(m emit.M, in []emit.G) emit.G {
		r, large := vm.Trig(m.Ops(), in[0], cos, vm.Trig64)
		m.JumpIfAny(large, stop)
		return r
	})
	out := make([][]Mem, len(args))
	for i := range out {
		out[i] = res[i*s.groups() : (i+1)*s.groups()]
	}
	return out
}

// sphereDist: SphereDist's rows.
func (s *sr) sphereDist() {
	s.kernel("srSphereDist", "func(dst, x, y []T)", "sets dst[i] to the angle between rows i of x and y (see kernels.SphereDist).",
		[]string{"x", "y"}, []string{"dst"}, func(p map[string]reg.GPVirtual, stop string) {
			for b, v := range s.narrow(s.angle(p["x"], p["y"])) {
				s.k.Store(v, Mem{Base: p["dst"], Disp: b * s.k.Bytes()})
			}
		})
}

// slerp: Slerp's rows.
func (s *sr) slerp() {
	s.kernel("srSlerp", "func(dst, x0, x1, t []T)", "sets row i of dst to the point t[i] along the geodesic from row i of x0 to row i of x1 (see kernels.Slerp).",
		[]string{"x0", "x1", "dst"}, []string{"t"}, func(p map[string]reg.GPVirtual, stop string) {
			m := s.m()
			th := s.angle(p["x0"], p["x1"])
			thM := s.spill(th)
			t := s.perRow(p["t"])
			omt := m.Sub(t, s.one()) // 1 - t
			a0M, a1M := s.spill(m.Mul(omt, th)), s.spill(m.Mul(t, th))
			sn := s.trig([][]Mem{thM, a0M, a1M}, false, stop)
			// sin((1-t)theta)/sin(theta) and sin(t theta)/sin(theta):
			// slerpCoefsOf's quotients with the thetas cancelled,
			// two divisions where it takes five (the divider bounds
			// these kernels); 1 and 0 exactly at t = 0 and t = 1.
			sv := s.load(sn[0])
			same := m.Cmp(s.load(thM), emit.EQ, m.C(0)) // identical rows: x0 exactly
			ca := m.Sel(same, s.one(), m.Div(sv, s.load(sn[1])))
			cat := s.narrow(ca)
			cb := m.Sel(same, m.Mov(m.C(0)), m.Div(sv, s.load(sn[2])))
			cbt := s.narrow(cb)
			x0, x1 := s.vecs(p["x0"]), s.vecs(p["x1"])
			for q := 0; q < s.nv(); q++ {
				o := s.k.Vec()
				s.k.Mul(x0[q], s.bcast(cat, q), o)
				s.k.FMA231(x1[q], s.bcast(cbt, q), o)
				s.k.Store(o, Mem{Base: p["dst"], Disp: q * s.k.Bytes()})
			}
		})
}

// logMap: LogMap's rows, c as logMapCoefsOf's.
func (s *sr) logMap() {
	s.kernel("srLogMap", "func(dst, x, y []T)", "sets row i of dst to the tangent vector at row i of x towards row i of y (see kernels.LogMap).",
		[]string{"x", "y", "dst"}, nil, func(p map[string]reg.GPVirtual, stop string) {
			m := s.m()
			th := s.angle(p["x"], p["y"])
			thM := s.spill(th)
			sn := s.trig([][]Mem{s.spill(m.Mul(m.C(0.5), th)), thM}, false, stop)
			h := s.load(sn[0])
			c := m.Mul(h, m.Add(h, h)) // 2*h*h
			// 1/sinc(theta) as theta/sin(theta): one division, and 1
			// at theta = 0.
			th = s.load(thM)
			kk := m.Sel(m.Cmp(th, emit.EQ, m.C(0)), s.one(), m.Div(s.load(sn[1]), th))
			ct, kt := s.narrow(c), s.narrow(kk)
			x, y := s.vecs(p["x"]), s.vecs(p["y"])
			for q := 0; q < s.nv(); q++ {
				o := s.k.Vec()
				s.k.Load(y[q], o)
				s.k.Sub(x[q], o, o) // y - x
				s.k.FMA231(x[q], s.bcast(ct, q), o)
				s.k.Mul(s.bcast(kt, q), o, o)
				s.k.Store(o, Mem{Base: p["dst"], Disp: q * s.k.Bytes()})
			}
		})
}

// expMap: ExpMap's rows.
func (s *sr) expMap() {
	s.kernel("srExpMap", "func(dst, x, v []T)", "sets row i of dst to the point reached from row i of x along the tangent row i of v (see kernels.ExpMap).",
		[]string{"x", "v", "dst"}, nil, func(p map[string]reg.GPVirtual, stop string) {
			m := s.m()
			var ss emit.G
			for j := 0; j < s.d; j++ {
				c := s.col(p["v"], j)
				if j == 0 {
					ss = m.Mul(c, c)
					continue
				}
				ss = m.FMA(c, c, ss)
			}
			nM := s.spill(m.Sqrt(ss))
			cs := s.trig([][]Mem{nM}, true, stop)[0]
			sn := s.trig([][]Mem{nM}, false, stop)[0]
			cst := s.narrow(s.load(cs))
			sct := s.narrow(s.sinc(s.load(sn), s.load(nM)))
			x, v := s.vecs(p["x"]), s.vecs(p["v"])
			for q := 0; q < s.nv(); q++ {
				o := s.k.Vec()
				s.k.Mul(x[q], s.bcast(cst, q), o)
				s.k.FMA231(v[q], s.bcast(sct, q), o)
				s.k.Store(o, Mem{Base: p["dst"], Disp: q * s.k.Bytes()})
			}
		})
}

// projectTangent: ProjectTangent's rows, <x, v> in float64. On AVX-512
// in float64 the products x*v are formed on the block's vectors and
// summed by row from their columns, so that one set of vectors is
// permuted rather than both inputs (twice as fast on Zen 5); elsewhere
// the columns of both inputs are multiplied (float32 permutes move 16
// lanes, and on AVX2 the products would go through the stack, which
// measured slower).
func (s *sr) projectTangent() {
	s.kernel("srProjectTangent", "func(dst, x, v []T)", "sets row i of dst to row i of v less its component along row i of x (see kernels.ProjectTangent).",
		[]string{"x", "v", "dst"}, nil, func(p map[string]reg.GPVirtual, stop string) {
			x, v := s.vecs(p["x"]), s.vecs(p["v"])
			var dot emit.G
			if s.k.Prec == emit.Float32 || s.k.ISA == emit.AVX2 {
				m := s.m()
				for j := 0; j < s.d; j++ {
					a, b := s.col(p["x"], j), s.col(p["v"], j)
					if j == 0 {
						dot = m.Mul(a, b)
						continue
					}
					dot = m.FMA(a, b, dot)
				}
			} else {
				prods := make([]Op, s.nv())
				for q := range prods {
					a, pr := s.k.Vec(), s.k.Vec()
					s.k.Load(v[q], a)
					s.k.Mul(x[q], a, pr)
					prods[q] = pr
				}
				m1 := emit.M{K: &s.k64, N: 1}
				L := s.k.Lanes()
				lanes := make([]int, L)
				for g := 0; g < s.groups(); g++ {
					var sum emit.G
					for j := 0; j < s.d; j++ {
						for i := range lanes {
							lanes[i] = (g*L+i)*s.d + j
						}
						c := emit.G{pick(&s.k64, prods, lanes)}
						if j == 0 {
							sum = c
							continue
						}
						sum = m1.Add(c, sum)
					}
					dot = append(dot, sum...)
				}
			}
			dt := s.narrow(dot)
			for q := 0; q < s.nv(); q++ {
				o := s.k.Vec()
				s.k.Load(v[q], o)
				s.k.FNMA231(x[q], s.bcast(dt, q), o) // v - <x,v> x
				s.k.Store(o, Mem{Base: p["dst"], Disp: q * s.k.Bytes()})
			}
		})
}

// elems64 runs f on the block at src as float64 vectors (float32 ones
// widened) and stores its results to dst in T: f gets float64 vector w
// (elements w*L..w*L+L-1 of the block, L the float64 lanes).
func (s *sr) elems64(src, dst reg.GPVirtual, f func(w int, v reg.VecVirtual) reg.VecVirtual) {
	for q := 0; q < s.nv(); q++ {
		v := s.k.Vec()
		s.k.Load(Mem{Base: src, Disp: q * s.k.Bytes()}, v)
		g := s.widen(v)
		for i := range g {
			g[i] = f(q*len(g)+i, g[i])
		}
		s.k.Store(s.narrowOne(g), Mem{Base: dst, Disp: q * s.k.Bytes()})
	}
}

// validSum returns sum with NaN in the lanes where it is not positive and
// finite, which turns those rows into NaN as the generic kernels do.
func (s *sr) validSum(sum emit.G) emit.G {
	m := s.m()
	nan := m.Mov(m.C(math.NaN()))
	sum = m.Sel(m.Cmp(sum, emit.GT, m.C(0)), sum, nan)
	return m.Sel(m.Cmp(sum, emit.LE, m.C(math.MaxFloat64)), sum, m.Mov(m.C(math.NaN())))
}

// toSphere: ToSphere's rows, sqrt(x/s) in float64 with the sum in
// order as toSphereGeneric's; rows whose sum is not positive and finite
// become NaN.
func (s *sr) toSphere() {
	s.kernel("srToSphere", "func(dst, x []T)", "sets row i of dst to sqrt(x/sum(x)) of row i of x (see kernels.ToSphere).",
		[]string{"x", "dst"}, nil, func(p map[string]reg.GPVirtual, stop string) {
			m := s.m()
			sum := s.col(p["x"], 0)
			for j := 1; j < s.d; j++ {
				sum = m.Add(s.col(p["x"], j), sum)
			}
			sum = s.validSum(sum)
			s.elems64(p["x"], p["dst"], func(w int, v reg.VecVirtual) reg.VecVirtual {
				q := s.k64.Vec()
				s.k64.Div(s.bcast64(sum, w), v, q)
				s.k64.Sqrt(q, q)
				return q
			})
		})
}

// toSimplex: ToSimplex's rows, x^2/s in float64 with the sum of squares
// in order as toSimplexGeneric's (products rounded, then added). A
// float64 block with a sum that needs rescaling, or is zero or not
// finite, stops the kernel; a float32 row whose sum is not positive and
// finite becomes NaN.
func (s *sr) toSimplex() {
	s.kernel("srToSimplex", "func(dst, x []T)", "sets row i of dst to x^2/sum(x^2) of row i of x (see kernels.ToSimplex).",
		[]string{"x", "dst"}, nil, func(p map[string]reg.GPVirtual, stop string) {
			m := s.m()
			var sum emit.G
			for j := 0; j < s.d; j++ {
				c := s.col(p["x"], j)
				if j == 0 {
					sum = m.Mul(c, c)
					continue
				}
				sum = m.Add(m.Mul(c, c), sum)
			}
			if s.k.Prec == emit.Float64 {
				// Not in [2^-968, MaxFloat64] (NaN included): stop.
				m.JumpIfAny(m.Cmp(sum, emit.LT, m.C(0x1p-968)), stop)
				m.JumpIfAny(m.Cmp(sum, emit.GT, m.C(math.MaxFloat64)), stop)
				m.JumpIfAny(m.Cmp(sum, emit.UNO, sum), stop)
			} else {
				sum = s.validSum(sum)
			}
			s.elems64(p["x"], p["dst"], func(w int, v reg.VecVirtual) reg.VecVirtual {
				q := s.k64.Vec()
				s.k64.Mul(v, v, q)
				s.k64.Div(s.bcast64(sum, w), q, q)
				return q
			})
		})
}

// shortField maps a short-row kernel's base name (srSlerpD4) to its
// prims field, indexed by d (srSlerp[4]).
func shortField(base string) string {
	n := len(base)
	return fmt.Sprintf("%s[%s]", base[:n-2], base[n-1:])
}
