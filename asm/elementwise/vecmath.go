package main

import (
	"math"
	"strings"

	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/emit"
	"github.com/fisherflow/fisherflow/asm/internal/vm"
)

// Each function is the same sequence of operations as its Go mirror in
// kernels/vecmath.go (vmExp, vmLog), so every path returns the same bits;
// the comments give the mirror's statements. The unrolled vectors of an
// iteration go through each operation together (emit.M), which keeps the
// FMA units busy through the long dependency chains.

// expConsts are the constants of one precision's exp.
type expConsts struct {
	shifter, ln2Hi, ln2Lo, over, under float64
	q                                  []float64
	mant, bias                         int // significand bits, exponent bias
}

var (
	exp64 = expConsts{vm.Shifter, vm.Ln2Hi, vm.Ln2Lo, vm.ExpOver, vm.ExpUnder, vm.ExpQ64, 52, 1023}
	exp32 = expConsts{vm.Shifter32, vm.Ln2Hi32, vm.Ln2Lo32, vm.ExpOver32, vm.ExpUnder32, vm.ExpQ32, 23, 127}
)

// vecmath emits the exp and log kernels of k, in the kernel's precision
// (vmExp, vmExp32, vmLog, vmLog32).
func vecmath(k emit.Kernel) {
	c := exp64
	if k.Prec == emit.Float32 {
		c = exp32
	}
	mathUnary(k, "exp", "sets dst[i] = e^x[i] (see kernels.Exp).", func(m emit.M, x emit.G) emit.G { return expBody(m, x, c) })
	log := logBody
	if k.Prec == emit.Float32 {
		log = logBody32
	}
	mathUnary(k, "log", "sets dst[i] = ln(x[i]) (see kernels.Log).", log)
	// acos and atan2 run in float64 in both precisions (vmAcos, vmAtan2).
	mathFn(k, "acos", "func(dst, x []T)", "sets dst[i] = arccos(x[i]) (see kernels.Acos).", []string{"x"}, true, 2,
		func(m emit.M, in []emit.G) emit.G { return acosBody(m, in[0]) })
	trig(k, "sin", false)
	trig(k, "cos", true)
	mathFn(k, "atan2", "func(dst, y, x []T)", "sets dst[i] = atan2(y[i], x[i]) (see kernels.Atan2).", []string{"y", "x"}, true, 2,
		func(m emit.M, in []emit.G) emit.G { return atan2Body(m, in[0], in[1]) })
}

// trig emits the sin or cos kernel: dst[i] = sin(x[i]) (cos(x[i])) for
// |x[i]| < 2^30 (vm.TrigLimit); larger finite x[i] are copied to dst[i]
// unchanged (no result of sin or cos is that large, so the caller finds
// them in dst even when dst aliases x) and the kernel returns true, so
// that the caller scans for them only then.
func trig(k emit.Kernel, name string, cos bool) {
	k.Begin(name, "func(dst, x []T) (big bool)",
		"sets dst[i] = "+name+"(x[i]) for |x[i]| < 2^30, copies larger finite x[i] to dst[i] and then returns true (see kernels."+strings.ToUpper(name[:1])+name[1:]+"). len(dst) >= len(x).")
	wk := emit.Kernel{ISA: k.ISA, Prec: emit.Float64} // the arithmetic's kernel (float64 in both precisions)
	big := wk.Vec()                                   // lanes with a large finite x, ORed over the loop
	wk.Zero(big)
	mathLoop(k, []string{"x"}, true, 2, func(m emit.M, in []emit.G) emit.G {
		x := in[0]
		ax := m.IAnd(m.Bits(math.MaxInt64), x)
		fin := m.Sel(m.Cmp(ax, emit.EQ, m.C(math.Inf(1))), m.Mov(m.C(0)), ax) // |x|, with Inf as 0
		large := m.Cmp(fin, emit.GE, m.C(vm.TrigLimit))                       // NaN compares false
		m.IOrInto(big, m.Sel(large, m.Bits(math.MaxUint64), m.Mov(m.C(0))))
		return m.Sel(large, x, sinCosBody(m, x, cos))
	})
	emit.Ret(wk.NonZero(big, "big"))
}

// mathUnary emits a kernel whose body maps one group of vectors.
func mathUnary(k emit.Kernel, name, doc string, body func(m emit.M, x emit.G) emit.G) {
	mathFn(k, name, "func(dst, x []T)", doc, []string{"x"}, false, 4,
		func(m emit.M, in []emit.G) emit.G { return body(m, in[0]) })
}

// mathFn emits a kernel dst[i] = f(ins[0][i], ...) whose body maps
// groups of vectors, unroll of them per iteration of the main loop (half
// as many on AVX2, which has 16 vector registers). With wide, a float32
// kernel runs the body in float64.
func mathFn(k emit.Kernel, name, sig, doc string, ins []string, wide bool, unroll int, body func(m emit.M, in []emit.G) emit.G) {
	k.Begin(name, sig, doc+" len(dst) >= len(x).")
	mathLoop(k, ins, wide, unroll, body)
	emit.Ret()
}

// mathLoop emits mathFn's loop over the slices ins and dst.
func mathLoop(k emit.Kernel, ins []string, wide bool, unroll int, body func(m emit.M, in []emit.G) emit.G) {
	dst, n := emit.Ptr("dst"), emit.Len(ins[len(ins)-1])
	var ptrs []reg.GPVirtual
	for _, in := range ins {
		ptrs = append(ptrs, emit.Ptr(in))
	}
	if k.ISA == emit.AVX2 {
		unroll = max(1, unroll/2)
	}
	f := func(m emit.M, in []emit.G) []emit.G { return []emit.G{body(m, in)} }
	if wide && k.Prec == emit.Float32 {
		k.MapGroupWide(n, ptrs, []reg.GPVirtual{dst}, unroll, f)
	} else {
		k.MapGroup(n, ptrs, []reg.GPVirtual{dst}, unroll, f)
	}
}

// acosBody returns arccos(d) in float64 (vmAcos): asin's polynomial on
// |d| < 1/2, and 2 asin(sqrt((1-|d|)/2)) beyond, with sqrt's rounding
// error and pi's low part carried separately.
func acosBody(m emit.M, d emit.G) emit.G {
	zero := m.Mov(m.C(0))
	a := m.IAnd(m.Bits(math.MaxInt64), d)                                 // a := |d|
	o := m.Cmp(a, emit.LT, m.C(0.5))                                      // o := a < 0.5
	x2 := m.Sel(o, m.Mul(d, d), m.Mul(m.C(0.5), m.Sub(a, m.Mov(m.C(1))))) // x2 := o ? d*d : (1-a)*0.5
	x := m.Sel(o, a, m.Sqrt(x2))                                          // x := o ? a : sqrt(x2)
	xl := m.Div(m.Add(x, x), m.FNMA(x, x, x2))                            // xl := FMA(-x, x, x2) / (x + x)
	xl = m.Sel(m.Cmp(x2, emit.EQ, zero), zero, xl)
	xl = m.Sel(o, zero, xl)
	u := m.Horner(x2, vm.AsinU)
	u = m.Mul(m.Mul(x, x2), u) // u = u * (x2 * x)
	sign := m.IAnd(m.Bits(1<<63), d)
	sx, su := m.IOr(sign, x), m.IOr(sign, u)                // copysign
	hi := m.Sub(sx, m.Mov(m.C(vm.Pio2Hi)))                  // hi := Pio2Hi - sx
	e := m.Sub(sx, m.Sub(hi, m.Mov(m.C(vm.Pio2Hi))))        // e := (Pio2Hi - hi) - sx
	small := m.Add(hi, m.Add(m.C(vm.Pio2Lo), m.Sub(su, e))) // hi + ((e - su) + Pio2Lo)
	t := m.Add(x, m.Add(u, xl))                             // t := x + (xl + u)
	pos := m.Add(t, t)                                      // 2t
	s := m.Add(x, x)
	hi2 := m.Sub(s, m.Mov(m.C(vm.PiHi)))            // hi2 := PiHi - s
	e2 := m.Sub(s, m.Sub(hi2, m.Mov(m.C(vm.PiHi)))) // e2 := (PiHi - hi2) - s
	w := m.Add(u, xl)
	w = m.Add(w, w)                                      // w := 2*(xl + u)
	neg := m.Add(hi2, m.Add(m.C(vm.PiLo), m.Sub(w, e2))) // hi2 + ((e2 - w) + PiLo)
	r := m.Sel(m.Cmp(d, emit.LT, zero), neg, pos)
	return m.Sel(o, small, r)
}

// atan2Body returns atan2(y, x) in float64 (vmAtan2): r = min/max of
// |x| and |y| in [0, 1], atan(r) = r + c by SLEEF's polynomial, and the
// quadrant's multiple of pi/2 added to the signed r + c as a two-part sum.
func atan2Body(m emit.M, y, x emit.G) emit.G {
	zero := m.Mov(m.C(0))
	ax := m.IAnd(m.Bits(math.MaxInt64), x)
	ay := m.IAnd(m.Bits(math.MaxInt64), y)
	swap := m.Cmp(ax, emit.LT, ay)
	num := m.Sel(swap, ax, ay)
	den := m.Sel(swap, ay, ax)
	r := m.Div(den, num) // r := num / den
	t := m.Mul(r, r)
	u := m.Horner(t, vm.AtanU)
	c := m.Mul(m.Mul(u, t), r) // c := r * (t * u)
	neg := m.SignBit(x)
	qhi := m.Sel(swap, m.C(vm.Pio2Hi), m.Sel(neg, m.C(vm.PiHi), zero))
	qlo := m.Sel(swap, m.C(vm.Pio2Lo), m.Sel(neg, m.C(vm.PiLo), zero))
	flip := m.IXor(m.IAnd(m.Bits(1<<63), x), m.Sel(swap, m.Bits(1<<63), zero)) // sign bit: neg != swap
	sr, sc := m.IXor(flip, r), m.IXor(flip, c)
	hi := m.Add(sr, qhi)                           // hi := qhi + sr
	e := m.Add(sr, m.Sub(hi, qhi))                 // e := (qhi - hi) + sr
	res := m.Add(hi, m.Add(qlo, m.Add(sc, e)))     // hi + ((e + sc) + qlo)
	res = m.Sel(m.Cmp(y, emit.EQ, zero), qhi, res) // y = ±0: 0 or pi
	inf := m.C(math.Inf(1))
	quarter := m.Sel(neg, m.C(3*math.Pi/4), m.Mov(m.C(math.Pi/4)))
	res = m.Sel(m.Cmp(ax, emit.EQ, inf), m.Sel(m.Cmp(ay, emit.EQ, inf), quarter, res), res)
	res = m.IOr(m.IAnd(m.Bits(1<<63), y), res)            // the sign of y
	return m.Sel(m.Cmp(x, emit.UNO, y), m.Add(x, y), res) // NaN
}

// expBody returns e^x (vmExp, vmExp32).
func expBody(m emit.M, x emit.G, c expConsts) emit.G {
	sh := m.C(c.shifter)
	t := m.FMA(m.C(vm.Log2e), x, sh)  // t := FMA(x, Log2e, Shifter)
	kf := m.Sub(sh, t)                // k := t - Shifter
	hi := m.FNMA(m.C(c.ln2Hi), kf, x) // hi := FMA(-k, Ln2Hi, x)
	r := m.FNMA(m.C(c.ln2Lo), kf, hi) // r := FMA(-k, Ln2Lo, hi)
	p := m.Horner(r, c.q)             // p := horner(r, q)
	r2 := m.Mul(r, r)                 // r2 := r * r
	y := m.FMA(r2, p, r)              // y := FMA(r2, p, r)
	y = m.Add(m.C(1), y)              // y = 1 + y
	if m.K.ISA == emit.AVX512 {
		// One rounding of y * 2^k, as the two exact-then-rounded
		// products below: y * 2^k1 is a normal number.
		y = m.Scalef(y, kf)
	} else {
		t1 := m.FMA(m.C(0.5), kf, sh) // t1 := FMA(k, 0.5, Shifter)
		k1 := m.Sub(sh, t1)           // k1 := t1 - Shifter
		k2 := m.Sub(k1, kf)           // k2 := k - k1
		t2 := m.Add(sh, k2)           // t2 := k2 + Shifter
		y = m.Mul(pow2(m, t1, c), y)  // y = y * pow2(t1)
		y = m.Mul(pow2(m, t2, c), y)  // y = y * pow2(t2)
	}
	y = m.Sel(m.Cmp(x, emit.GT, m.C(c.over)), m.C(math.Inf(1)), y)
	return m.Sel(m.Cmp(x, emit.LT, m.C(c.under)), m.C(0), y)
}

// pow2 returns 2^j for t = j + Shifter (|j| < bias): the exponent field
// (j + bias) is the low bits of t's bit pattern shifted into place.
func pow2(m emit.M, t emit.G, c expConsts) emit.G {
	return m.Shl(uint8(c.mant), m.IAdd(m.Bits(uint64(c.bias)), t))
}

// logSplit returns k and f = m - 1 with x = 2^k m, m in (sqrt2/2,
// sqrt2]: subnormal x (below tiny) are scaled by 2^scale first, then the
// exponent field (mant bits up, bias) and the significand are taken
// from the bits. The mirrors' first lines.
func logSplit(m emit.M, x emit.G, tiny float64, scale, mant, bias int) (k, f emit.G) {
	small := m.Cmp(x, emit.LT, m.C(tiny))
	xs := m.Sel(small, m.Mul(m.C(math.Ldexp(1, scale)), x), x)
	kb := m.Sel(small, m.C(float64(-scale)), m.Mov(m.C(0)))
	// 2^mant's bits ORed with the exponent field are 2^mant + field.
	e := m.IOr(m.Bits(bitsOf(m, math.Ldexp(1, mant))), m.Shr(uint8(mant), xs)) // 2^mant + biased exponent
	e = m.Sub(m.C(math.Ldexp(1, mant)), e)                                     // e := biased exponent
	mt := m.IOr(m.Bits(uint64(bias)<<mant), m.IAnd(m.Bits(1<<mant-1), xs))     // m in [1, 2)
	big := m.Cmp(mt, emit.GT, m.C(vm.Sqrt2))
	mt = m.Sel(big, m.Mul(m.C(0.5), mt), mt)
	e = m.Sel(big, m.Add(m.C(1), e), e)
	k = m.Add(kb, m.Sub(m.C(float64(bias)), e)) // k := (e - bias) + kb
	return k, m.Sub(m.C(1), mt)                 // f := m - 1
}

// bitsOf returns the bit pattern of v in the kernel's precision.
func bitsOf(m emit.M, v float64) uint64 {
	if m.K.Prec == emit.Float32 {
		return uint64(math.Float32bits(float32(v)))
	}
	return math.Float64bits(v)
}

// logBody returns ln(x) (vmLog).
func logBody(m emit.M, x emit.G) emit.G {
	kf, f := logSplit(m, x, vm.LogTiny, 54, 52, 1023)
	s := m.Div(m.Add(m.C(2), f), f) // s := f / (2 + f)
	s2 := m.Mul(s, s)
	s4 := m.Mul(s2, s2)
	lg := vm.LogLg
	t1 := m.Mul(s2, m.Horner(s4, []float64{lg[0], lg[2], lg[4], lg[6]})) // t1 := s2 * horner(s4, Lg1, Lg3, Lg5, Lg7)
	t2 := m.Mul(s4, m.Horner(s4, []float64{lg[1], lg[3], lg[5]}))        // t2 := s4 * horner(s4, Lg2, Lg4, Lg6)
	rr := m.Add(t2, t1)                                                  // R := t1 + t2
	hfsq := m.Mul(m.C(0.5), m.Mul(f, f))                                 // hfsq := 0.5 * (f * f)
	a := m.Add(m.Mul(m.C(vm.Ln2Lo), kf), m.Mul(s, m.Add(rr, hfsq)))      // a := s*(hfsq+R) + k*Ln2Lo
	d := m.Sub(f, m.Sub(a, hfsq))                                        // d := (hfsq - a) - f
	res := m.Sub(d, m.Mul(m.C(vm.Ln2Hi), kf))                            // res := k*Ln2Hi - d
	res = m.Sel(m.Cmp(x, emit.NLT, m.C(math.Inf(1))), x, res)            // +Inf, NaN
	zero := m.Mov(m.C(0))
	res = m.Sel(m.Cmp(x, emit.LT, zero), m.C(math.NaN()), res)
	return m.Sel(m.Cmp(x, emit.EQ, zero), m.C(math.Inf(-1)), res)
}

// logBody32 returns ln(x) in float32 (vmLog32): x = 2^k m with m in
// (sqrt2/2, sqrt2], f = m - 1, log(1+f) = f - f^2/2 + f^3 P(f).
func logBody32(m emit.M, x emit.G) emit.G {
	kf, f := logSplit(m, x, 0x1p-126, 23, 23, 127)
	z := m.Mul(f, f)                                      // z := f * f
	y := m.Mul(m.Horner(f, vm.LogP32), m.Mul(f, z))       // y := (f * z) * horner(f, P)
	y = m.FMA(m.C(vm.Ln2Lo32), kf, y)                     // y = FMA(k, Ln2Lo32, y)
	y = m.FNMA(m.C(0.5), z, y)                            // y = FMA(-0.5, z, y)
	r := m.Add(y, f)                                      // r := f + y
	r = m.FMA(m.C(vm.Ln2Hi32), kf, r)                     // r = FMA(k, Ln2Hi32, r)
	r = m.Sel(m.Cmp(x, emit.NLT, m.C(math.Inf(1))), x, r) // +Inf, NaN
	zero := m.Mov(m.C(0))
	r = m.Sel(m.Cmp(x, emit.LT, zero), m.C(math.NaN()), r)
	return m.Sel(m.Cmp(x, emit.EQ, zero), m.C(math.Inf(-1)), r)
}

// sinCosBody returns sin(x), or cos(x) with cos, in float64 (vmSin,
// vmCos): the two-part reduction of vmTrigReduce, fdlibm's kernels on
// both parts, and the quadrant from the low bits of t. Lanes with |x| >=
// 2^30 are left to the caller (the Go side recomputes them).
func sinCosBody(m emit.M, x emit.G, cos bool) emit.G {
	sign := m.Bits(1 << 63)
	one := m.Mov(m.C(1))
	sh := m.C(vm.Shifter)
	t := m.FMA(m.C(vm.TwoOverPi), x, sh) // t := FMA(x, 2/pi, Shifter)
	q := m.Sub(sh, t)                    // q := t - Shifter
	a := m.FNMA(m.C(vm.Pio2Hi), q, x)    // a := FMA(-q, Pio2Hi, x)
	bh := m.Mul(m.C(vm.Pio2Lo), q)
	nbl := m.FNMA(m.C(vm.Pio2Lo), q, bh) // -bl = bh - q*Pio2Lo
	c := m.Mul(m.C(vm.Pio2Lo2), q)
	s := m.Sub(bh, a) // s := a - bh
	bb := m.Sub(a, s) // bb := s - a
	nbh := m.IXor(sign, bh)
	e := m.Add(m.Sub(bb, nbh), m.Sub(m.Sub(bb, s), a)) // (a - (s - bb)) + (-bh - bb)
	lo := m.Sub(c, m.Add(nbl, e))                      // lo := (err - bl) - c
	rh := m.Add(lo, s)                                 // rh := s + lo
	rl := m.Sub(m.Sub(s, rh), lo)                      // rl := lo - (rh - s)
	z := m.Mul(rh, rh)
	// sin(rh + rl) (vmKernelSin)
	v := m.Mul(z, rh)
	r := m.Horner(z, vm.SinS[1:])
	in := m.Sub(m.Mul(r, v), m.Mul(m.C(0.5), rl))                                // 0.5*y - v*r
	sinr := m.Sub(m.Sub(m.Mul(m.C(vm.SinS[0]), v), m.Sub(rl, m.Mul(in, z))), rh) // x - ((z*in - y) - v*S1)
	// cos(rh + rl) (vmKernelCos)
	rc := m.Mul(m.Horner(z, vm.CosC), z)
	hz := m.Mul(m.C(0.5), z)
	w := m.Sub(hz, one)                                                                   // w := 1 - hz
	cosr := m.Add(w, m.Add(m.Sub(m.Mul(rh, rl), m.Mul(rc, z)), m.Sub(hz, m.Sub(w, one)))) // w + (((1-w) - hz) + (z*r - x*y))
	if cos {
		y := m.Sel(m.Bit(t, 0), sinr, cosr)
		return m.IXor(m.IAnd(sign, m.Shl(62, m.IAdd(m.Bits(1), t))), y) // negate when (n+1)&2
	}
	y := m.Sel(m.Bit(t, 0), cosr, sinr)
	y = m.IXor(m.IAnd(sign, m.Shl(62, t)), y) // negate when n&2
	return m.Sel(m.Cmp(x, emit.EQ, m.Mov(m.C(0))), x, y)
}
