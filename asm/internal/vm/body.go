package vm

import (
	"fmt"
	"math"
)

// The vector math functions, written once for every generator: each is
// the same sequence of operations as its Go mirror in
// kernels/elementwise_exp.go and elementwise_trig.go (vmExp, vmLog,
// vmAcos, vmAtan2, vmSin, vmCos and their float32 versions vmExp32 ...
// vmCos32), so every path returns the same bits; the
// comments give the mirror's statements. A
// generator supplies Ops: the avo generator (asm/elementwise) on groups
// of AVX2 or AVX-512 registers, the NEON generator (asm/neon) on its own
// register allocator.

// Ops is a vector machine on values V (vectors of lanes of one
// precision, or groups of them) and lane predicates K. Arguments of type
// any are a V or a constant from C or Bits. Operand order follows the Go
// amd64 assembler's: Add returns b + a, Sub b - a, Mul a*b, Div b/a.
type Ops[V, K any] interface {
	// Single reports float32 lanes (integer operations then act on
	// 32-bit patterns).
	Single() bool
	// C returns the constant v in every lane, Bits the pattern b.
	C(v float64) any
	Bits(b uint64) any
	// Mov returns a as a value.
	Mov(a any) V
	// FMA returns a*b + c and FNMA c - a*b, rounded once.
	FMA(a any, b V, c any) V
	FNMA(a any, b V, c any) V
	// Horner returns c[0] + x*(c[1] + x*(... + x*c[n-1])), each step one
	// FMA.
	Horner(x V, c []float64) V
	Add(a any, b V) V
	Sub(a any, b V) V
	Mul(a any, b V) V
	Div(a any, b V) V
	// Scalef returns a * 2^floor(b) rounded once, where the machine has
	// it (ok false otherwise).
	Scalef(a, b V) (r V, ok bool)
	// Cmp returns the lanes where x pred y holds (pred one of EQ ... UNO).
	Cmp(x V, pred uint8, y any) K
	// SignBit returns the lanes whose sign bit is set, Bit those whose
	// bit b is.
	SignBit(x V) K
	Bit(x V, b uint) K
	// Sel returns t where c holds and f elsewhere.
	Sel(c K, t any, f V) V
	// Integer operations on the lanes' bit patterns: IAdd returns b + a;
	// Shl and Shr shift left and right (logical) by n bits.
	IAdd(a any, b V) V
	IAnd(a any, b V) V
	IOr(a any, b V) V
	IXor(a any, b V) V
	Shl(n uint8, a V) V
	Shr(n uint8, a V) V
	// Sqrt returns sqrt(a), correctly rounded.
	Sqrt(a V) V
}

// Comparison predicates of Ops.Cmp, with the values of the amd64
// VCMPPS/VCMPPD immediates (ordered and quiet unless noted).
const (
	EQ  uint8 = 0x00 // equal
	LT  uint8 = 0x11 // less than
	LE  uint8 = 0x12 // less or equal
	NLT uint8 = 0x15 // not less than: true when either is NaN
	GT  uint8 = 0x1e // greater than
	GE  uint8 = 0x1d // greater or equal
	UNO uint8 = 0x03 // unordered: either is NaN
)

// ExpConsts are the constants of one precision's exp.
type ExpConsts struct {
	shifter, ln2Hi, ln2Lo, over, under float64
	q                                  []float64
	mant, bias                         int // significand bits, exponent bias
}

// The exp constants of float64 (vmExp) and float32 (vmExp32).
var (
	Exp64 = ExpConsts{Shifter, Ln2Hi, Ln2Lo, ExpOver, ExpUnder, ExpQ64, 52, 1023}
	Exp32 = ExpConsts{Shifter32, Ln2Hi32, Ln2Lo32, ExpOver32, ExpUnder32, ExpQ32, 23, 127}
)

// signBits is the sign bit of a lane of m's precision, absBits the rest.
func signBits[V, K any](m Ops[V, K]) uint64 {
	if m.Single() {
		return 1 << 31
	}
	return 1 << 63
}

func absBits[V, K any](m Ops[V, K]) uint64 { return signBits(m) - 1 }

// PiConsts are an asin or atan polynomial and pi/2 and pi in two parts,
// in one precision.
type PiConsts struct {
	u                          []float64
	pio2Hi, pio2Lo, piHi, piLo float64
}

// The constants of acos (vmAcos, vmAcos32) and atan2 (vmAtan2,
// vmAtan232).
var (
	Acos64 = PiConsts{AsinU, Pio2Hi, Pio2Lo, PiHi, PiLo}
	Acos32 = PiConsts{AsinU32, Pio2Hi32, Pio2Lo32, PiHi32, PiLo32}
	Atan64 = PiConsts{AtanU, Pio2Hi, Pio2Lo, PiHi, PiLo}
	Atan32 = PiConsts{AtanU32, Pio2Hi32, Pio2Lo32, PiHi32, PiLo32}
)

// Acos returns arccos(d) (vmAcos, vmAcos32): asin's polynomial on
// |d| < 1/2, and 2 asin(sqrt((1-|d|)/2)) beyond, with sqrt's rounding
// error and pi's low part carried separately.
func Acos[V, K any](m Ops[V, K], d V, c PiConsts) V {
	zero := m.Mov(m.C(0))
	a := m.IAnd(m.Bits(absBits(m)), d)                                    // a := |d|
	o := m.Cmp(a, LT, m.C(0.5))                                           // o := a < 0.5
	x2 := m.Sel(o, m.Mul(d, d), m.Mul(m.C(0.5), m.Sub(a, m.Mov(m.C(1))))) // x2 := o ? d*d : (1-a)*0.5
	x := m.Sel(o, a, m.Sqrt(x2))                                          // x := o ? a : sqrt(x2)
	xl := m.Div(m.Add(x, x), m.FNMA(x, x, x2))                            // xl := FMA(-x, x, x2) / (x + x)
	xl = m.Sel(m.Cmp(x2, EQ, zero), zero, xl)
	xl = m.Sel(o, zero, xl)
	u := m.Horner(x2, c.u)
	u = m.Mul(m.Mul(x, x2), u) // u = u * (x2 * x)
	sign := m.IAnd(m.Bits(signBits(m)), d)
	sx, su := m.IOr(sign, x), m.IOr(sign, u)               // copysign
	hi := m.Sub(sx, m.Mov(m.C(c.pio2Hi)))                  // hi := Pio2Hi - sx
	e := m.Sub(sx, m.Sub(hi, m.Mov(m.C(c.pio2Hi))))        // e := (Pio2Hi - hi) - sx
	small := m.Add(hi, m.Add(m.C(c.pio2Lo), m.Sub(su, e))) // hi + ((e - su) + Pio2Lo)
	t := m.Add(x, m.Add(u, xl))                            // t := x + (xl + u)
	pos := m.Add(t, t)                                     // 2t
	s := m.Add(x, x)
	hi2 := m.Sub(s, m.Mov(m.C(c.piHi)))            // hi2 := PiHi - s
	e2 := m.Sub(s, m.Sub(hi2, m.Mov(m.C(c.piHi)))) // e2 := (PiHi - hi2) - s
	w := m.Add(u, xl)
	w = m.Add(w, w)                                     // w := 2*(xl + u)
	neg := m.Add(hi2, m.Add(m.C(c.piLo), m.Sub(w, e2))) // hi2 + ((e2 - w) + PiLo)
	r := m.Sel(m.Cmp(d, LT, zero), neg, pos)
	return m.Sel(o, small, r)
}

// Atan2 returns atan2(y, x) (vmAtan2, vmAtan232): r = min/max of
// |x| and |y| in [0, 1], atan(r) = r + c by SLEEF's polynomial, and the
// quadrant's multiple of pi/2 added to the signed r + c as a two-part sum.
func Atan2[V, K any](m Ops[V, K], y, x V, c PiConsts) V {
	zero := m.Mov(m.C(0))
	ax := m.IAnd(m.Bits(absBits(m)), x)
	ay := m.IAnd(m.Bits(absBits(m)), y)
	swap := m.Cmp(ax, LT, ay)
	num := m.Sel(swap, ax, ay)
	den := m.Sel(swap, ay, ax)
	r := m.Div(den, num) // r := num / den
	t := m.Mul(r, r)
	u := m.Horner(t, c.u)
	cc := m.Mul(m.Mul(u, t), r) // c := r * (t * u)
	neg := m.SignBit(x)
	qhi := m.Sel(swap, m.C(c.pio2Hi), m.Sel(neg, m.C(c.piHi), zero))
	qlo := m.Sel(swap, m.C(c.pio2Lo), m.Sel(neg, m.C(c.piLo), zero))
	flip := m.IXor(m.IAnd(m.Bits(signBits(m)), x), m.Sel(swap, m.Bits(signBits(m)), zero)) // sign bit: neg != swap
	sr, sc := m.IXor(flip, r), m.IXor(flip, cc)
	hi := m.Add(sr, qhi)                       // hi := qhi + sr
	e := m.Add(sr, m.Sub(hi, qhi))             // e := (qhi - hi) + sr
	res := m.Add(hi, m.Add(qlo, m.Add(sc, e))) // hi + ((e + sc) + qlo)
	res = m.Sel(m.Cmp(y, EQ, zero), qhi, res)  // y = ±0: 0 or pi
	inf := m.C(math.Inf(1))
	quarter := m.Sel(neg, m.C(3*math.Pi/4), m.Mov(m.C(math.Pi/4)))
	res = m.Sel(m.Cmp(ax, EQ, inf), m.Sel(m.Cmp(ay, EQ, inf), quarter, res), res)
	res = m.IOr(m.IAnd(m.Bits(signBits(m)), y), res) // the sign of y
	return m.Sel(m.Cmp(x, UNO, y), m.Add(x, y), res) // NaN
}

// Exp returns e^x (vmExp, vmExp32).
func Exp[V, K any](m Ops[V, K], x V, c ExpConsts) V {
	sh := m.C(c.shifter)
	t := m.FMA(m.C(Log2e), x, sh)     // t := FMA(x, Log2e, Shifter)
	kf := m.Sub(sh, t)                // k := t - Shifter
	hi := m.FNMA(m.C(c.ln2Hi), kf, x) // hi := FMA(-k, Ln2Hi, x)
	r := m.FNMA(m.C(c.ln2Lo), kf, hi) // r := FMA(-k, Ln2Lo, hi)
	p := m.Horner(r, c.q)             // p := horner(r, q)
	r2 := m.Mul(r, r)                 // r2 := r * r
	y := m.FMA(r2, p, r)              // y := FMA(r2, p, r)
	y = m.Add(m.C(1), y)              // y = 1 + y
	if s, ok := m.Scalef(y, kf); ok {
		// One rounding of y * 2^k, as the two exact-then-rounded
		// products below: y * 2^k1 is a normal number.
		y = s
	} else {
		t1 := m.FMA(m.C(0.5), kf, sh) // t1 := FMA(k, 0.5, Shifter)
		k1 := m.Sub(sh, t1)           // k1 := t1 - Shifter
		k2 := m.Sub(k1, kf)           // k2 := k - k1
		t2 := m.Add(sh, k2)           // t2 := k2 + Shifter
		y = m.Mul(pow2(m, t1, c), y)  // y = y * pow2(t1)
		y = m.Mul(pow2(m, t2, c), y)  // y = y * pow2(t2)
	}
	y = m.Sel(m.Cmp(x, GT, m.C(c.over)), m.C(math.Inf(1)), y)
	return m.Sel(m.Cmp(x, LT, m.C(c.under)), m.C(0), y)
}

// Sigmoid returns 1/(1 + e^-x), the logistic function (vmSigmoid,
// vmSigmoid32), as num/(1 + e) with e = e^-|x| (the sign bit set,
// exactly) and num = 1 for x >= 0, e for x < 0: e never overflows, so
// the results that are subnormal (x below -87 in float32) keep their
// digits.
func Sigmoid[V, K any](m Ops[V, K], x V, c ExpConsts) V {
	e := Exp(m, m.IOr(m.Bits(signBits(m)), x), c)        // e := vmExp(-|x|)
	num := m.Sel(m.Cmp(x, LT, m.C(0)), e, m.Mov(m.C(1))) // num := 1, or e if x < 0
	return m.Div(m.Add(m.C(1), e), num)                  // num / (1 + e)
}

// Relax returns Sinkhorn's over-relaxed scaling old * e^(w * ln(x/old))
// with the precision's Exp (c) and Log (logf), each operation rounded as
// in kernels.overrelax's composition of the Log, Scale and Exp kernels;
// lanes where x or old is zero keep x. w is a shared operand.
func Relax[V, K any](m Ops[V, K], x, old V, w any, c ExpConsts, logf func(Ops[V, K], V) V) V {
	r := m.Mul(old, Exp(m, m.Mul(w, logf(m, m.Div(old, x))), c)) // old * exp(w * log(x/old))
	r = m.Sel(m.Cmp(x, EQ, m.C(0)), x, r)
	return m.Sel(m.Cmp(old, EQ, m.C(0)), x, r)
}

// Gibbs returns e^(a*x), a*x rounded first, and 0 where that is below
// the precision's smallest normal number: a row of Sinkhorn's Gibbs kernel
// exp(-cost/reg) with kernels.flushSubnormal applied. a is a shared
// operand.
func Gibbs[V, K any](m Ops[V, K], x V, a any, c ExpConsts) V {
	tiny := 0x1p-1022
	if m.Single() {
		tiny = 0x1p-126
	}
	r := Exp(m, m.Mul(a, x), c)
	return m.Sel(m.Cmp(r, LT, m.C(tiny)), m.C(0), r)
}

// pow2 returns 2^j for t = j + Shifter (|j| < bias): the exponent field
// (j + bias) is the low bits of t's bit pattern shifted into place.
func pow2[V, K any](m Ops[V, K], t V, c ExpConsts) V {
	return m.Shl(uint8(c.mant), m.IAdd(m.Bits(uint64(c.bias)), t))
}

// logSplit returns k and f = m - 1 with x = 2^k m, m in (sqrt2/2,
// sqrt2]: subnormal x (below tiny) are scaled by 2^scale first, then the
// exponent field (mant bits up, bias) and the significand are taken
// from the bits. The mirrors' first lines.
func logSplit[V, K any](m Ops[V, K], x V, tiny float64, scale, mant, bias int) (k, f V) {
	small := m.Cmp(x, LT, m.C(tiny))
	xs := m.Sel(small, m.Mul(m.C(math.Ldexp(1, scale)), x), x)
	kb := m.Sel(small, m.C(float64(-scale)), m.Mov(m.C(0)))
	// 2^mant's bits ORed with the exponent field are 2^mant + field.
	e := m.IOr(m.Bits(bitsOf(m, math.Ldexp(1, mant))), m.Shr(uint8(mant), xs)) // 2^mant + biased exponent
	e = m.Sub(m.C(math.Ldexp(1, mant)), e)                                     // e := biased exponent
	mt := m.IOr(m.Bits(uint64(bias)<<mant), m.IAnd(m.Bits(1<<mant-1), xs))     // m in [1, 2)
	big := m.Cmp(mt, GT, m.C(Sqrt2))
	mt = m.Sel(big, m.Mul(m.C(0.5), mt), mt)
	e = m.Sel(big, m.Add(m.C(1), e), e)
	k = m.Add(kb, m.Sub(m.C(float64(bias)), e)) // k := (e - bias) + kb
	return k, m.Sub(m.C(1), mt)                 // f := m - 1
}

// bitsOf returns the bit pattern of v in the kernel's precision.
func bitsOf[V, K any](m Ops[V, K], v float64) uint64 {
	if m.Single() {
		return uint64(math.Float32bits(float32(v)))
	}
	return math.Float64bits(v)
}

// logBody returns ln(x) (vmLog).
func Log[V, K any](m Ops[V, K], x V) V {
	kf, f := logSplit(m, x, LogTiny, 54, 52, 1023)
	s := m.Div(m.Add(m.C(2), f), f) // s := f / (2 + f)
	s2 := m.Mul(s, s)
	s4 := m.Mul(s2, s2)
	lg := LogLg
	t1 := m.Mul(s2, m.Horner(s4, []float64{lg[0], lg[2], lg[4], lg[6]})) // t1 := s2 * horner(s4, Lg1, Lg3, Lg5, Lg7)
	t2 := m.Mul(s4, m.Horner(s4, []float64{lg[1], lg[3], lg[5]}))        // t2 := s4 * horner(s4, Lg2, Lg4, Lg6)
	rr := m.Add(t2, t1)                                                  // R := t1 + t2
	hfsq := m.Mul(m.C(0.5), m.Mul(f, f))                                 // hfsq := 0.5 * (f * f)
	a := m.Add(m.Mul(m.C(Ln2Lo), kf), m.Mul(s, m.Add(rr, hfsq)))         // a := s*(hfsq+R) + k*Ln2Lo
	d := m.Sub(f, m.Sub(a, hfsq))                                        // d := (hfsq - a) - f
	res := m.Sub(d, m.Mul(m.C(Ln2Hi), kf))                               // res := k*Ln2Hi - d
	res = m.Sel(m.Cmp(x, NLT, m.C(math.Inf(1))), x, res)                 // +Inf, NaN
	zero := m.Mov(m.C(0))
	res = m.Sel(m.Cmp(x, LT, zero), m.C(math.NaN()), res)
	return m.Sel(m.Cmp(x, EQ, zero), m.C(math.Inf(-1)), res)
}

// Log32 returns ln(x) in float32 (vmLog32): x = 2^k m with m in
// (sqrt2/2, sqrt2], f = m - 1, log(1+f) = f - f^2/2 + f^3 P(f).
func Log32[V, K any](m Ops[V, K], x V) V {
	kf, f := logSplit(m, x, 0x1p-126, 23, 23, 127)
	z := m.Mul(f, f)                                 // z := f * f
	y := m.Mul(m.Horner(f, LogP32), m.Mul(f, z))     // y := (f * z) * horner(f, P)
	y = m.FMA(m.C(Ln2Lo32), kf, y)                   // y = FMA(k, Ln2Lo32, y)
	y = m.FNMA(m.C(0.5), z, y)                       // y = FMA(-0.5, z, y)
	r := m.Add(y, f)                                 // r := f + y
	r = m.FMA(m.C(Ln2Hi32), kf, r)                   // r = FMA(k, Ln2Hi32, r)
	r = m.Sel(m.Cmp(x, NLT, m.C(math.Inf(1))), x, r) // +Inf, NaN
	zero := m.Mov(m.C(0))
	r = m.Sel(m.Cmp(x, LT, zero), m.C(math.NaN()), r)
	return m.Sel(m.Cmp(x, EQ, zero), m.C(math.Inf(-1)), r)
}

// TrigConsts are the constants of one precision's sin and cos: the
// shifter that rounds x 2/pi to an integer q, pi/2 in three parts, the
// kernels' polynomials and the limit of the reduction.
type TrigConsts struct {
	shifter, twoOverPi float64
	pio2               [3]float64
	s, c               []float64
	limit              float64
}

// LimitDoc is c's reduction limit as the generated docs write it ("2^30").
func (c TrigConsts) LimitDoc() string { return fmt.Sprintf("2^%d", int(math.Log2(c.limit))) }

// The sin and cos constants of float64 (vmSin, vmCos) and float32
// (vmSin32, vmCos32).
var (
	Trig64 = TrigConsts{Shifter, TwoOverPi, [3]float64{Pio2Hi, Pio2Lo, Pio2Lo2}, SinS, CosC, TrigLimit}
	Trig32 = TrigConsts{Shifter32, TwoOverPi32, [3]float64{Pio2Hi32, Pio2Lo32, Pio2Lo232}, SinS32, CosC32, TrigLimit32}
)

// SinCos returns sin(x), or cos(x) with cos (vmSin, vmCos, vmSin32,
// vmCos32): sin and cos of the reduced argument by the precision's
// kernels (trigKernels, trigKernels32), and the quadrant from the low
// bits of t. Lanes with |x| >= c.limit are left to the caller (the Go
// side recomputes them).
func SinCos[V, K any](m Ops[V, K], x V, cos bool, c TrigConsts) V {
	sign := m.Bits(signBits(m))
	var sinr, cosr, t V
	if m.Single() {
		sinr, cosr, t = trigKernels32(m, x, c)
	} else {
		sinr, cosr, t = trigKernels(m, x, c)
	}
	// The quadrant's bit 1 moved to the sign bit.
	top := uint8(62)
	if m.Single() {
		top = 30
	}
	if cos {
		y := m.Sel(m.Bit(t, 0), sinr, cosr)
		return m.IXor(m.IAnd(sign, m.Shl(top, m.IAdd(m.Bits(1), t))), y) // negate when (n+1)&2
	}
	y := m.Sel(m.Bit(t, 0), cosr, sinr)
	y = m.IXor(m.IAnd(sign, m.Shl(top, t)), y) // negate when n&2
	return m.Sel(m.Cmp(x, EQ, m.Mov(m.C(0))), x, y)
}

// trigReduce returns x = q pi/2 + (s + lo), and t = q + Shifter, in the
// precision of c (vmTrigReduce's and vmTrigReduce32's first lines): a =
// x - q Pio2Hi is exact, q Pio2Lo is split exactly by an FMA, s is a -
// q Pio2Lo rounded, and lo holds its two-sum error, the split's low part
// and q Pio2Lo2 (not renormalised).
func trigReduce[V, K any](m Ops[V, K], x V, c TrigConsts) (s, lo, t V) {
	sh := m.C(c.shifter)
	t = m.FMA(m.C(c.twoOverPi), x, sh)                // t := fma(x, 2/pi, Shifter)
	q := m.Sub(sh, t)                                 // q := t - Shifter
	a := m.FNMA(m.C(c.pio2[0]), q, x)                 // a := fma(-q, Pio2Hi, x)
	bh := m.Mul(m.C(c.pio2[1]), q)                    // bh := q * Pio2Lo
	nbl := m.FNMA(m.C(c.pio2[1]), q, bh)              // nbl := fma(-q, Pio2Lo, bh)
	cq := m.Mul(m.C(c.pio2[2]), q)                    // cq := q * Pio2Lo2
	s = m.Sub(bh, a)                                  // s := a - bh
	bb := m.Sub(a, s)                                 // bb := s - a
	e := m.Sub(m.Add(bb, bh), m.Sub(m.Sub(bb, s), a)) // e := (a - (s - bb)) - (bh + bb)
	lo = m.Sub(cq, m.Add(nbl, e))                     // lo := (e + nbl) - cq
	return s, lo, t
}

// trigKernels returns sin and cos of x's reduced argument, and t, in
// float64: the two-part reduction of vmTrigReduce and fdlibm's kernels on
// both parts.
func trigKernels[V, K any](m Ops[V, K], x V, c TrigConsts) (sinr, cosr, t V) {
	one := m.Mov(m.C(1))
	s, lo, t := trigReduce(m, x, c)
	rh := m.Add(lo, s)            // rh := s + lo
	rl := m.Sub(m.Sub(s, rh), lo) // rl := lo - (rh - s)
	z := m.Mul(rh, rh)
	// sin(rh + rl) (vmKernelSin)
	v := m.Mul(z, rh)
	r := m.Horner(z, c.s[1:])
	in := m.Sub(m.Mul(r, v), m.Mul(m.C(0.5), rl))                           // 0.5*y - v*r
	sinr = m.Sub(m.Sub(m.Mul(m.C(c.s[0]), v), m.Sub(rl, m.Mul(in, z))), rh) // x - ((z*in - y) - v*S1)
	// cos(rh + rl) (vmKernelCos)
	rc := m.Mul(m.Horner(z, c.c), z)
	hz := m.Mul(m.C(0.5), z)
	w := m.Sub(hz, one)                                                                  // w := 1 - hz
	cosr = m.Add(w, m.Add(m.Sub(m.Mul(rh, rl), m.Mul(rc, z)), m.Sub(hz, m.Sub(w, one)))) // w + (((1-w) - hz) + (z*r - x*y))
	return sinr, cosr, t
}

// trigKernels32 returns sin and cos of x's reduced argument, and t, in
// float32 (vmTrigReduce32, vmKernelSin32, vmKernelCos32): the reduced
// argument as s + lo, with s = a - q Pio2Lo32 and its rounding error in
// lo; the kernels evaluate their polynomials on s alone and add lo's
// first-order term (lo for sin, -s lo for cos) before the last rounding.
func trigKernels32[V, K any](m Ops[V, K], x V, c TrigConsts) (sinr, cosr, t V) {
	s, lo, t := trigReduce(m, x, c)
	z := m.Mul(s, s)                              // z := s * s
	w := m.FMA(m.Mul(s, z), m.Horner(z, c.s), lo) // w := fma32(s*z, S(z), lo)
	sinr = m.Add(s, w)                            // s + w
	pc := m.FMA(m.Horner(z, c.c), z, m.C(-0.5))   // pc := fma32(C(z), z, -0.5)
	nl := m.FNMA(s, lo, m.C(0))                   // nl := fma32(-s, lo, 0)
	cosr = m.Add(m.C(1), m.FMA(z, pc, nl))        // 1 + fma32(z, pc, nl)
	return sinr, cosr, t
}

// Trig returns sin(x), or cos(x) with cos, for the lanes with |x| <
// c.limit, x itself in the lanes with a larger finite x (no result of
// sin or cos is that large, so the caller finds them in its output even
// when it overwrites x), and those lanes as large.
func Trig[V, K any](m Ops[V, K], x V, cos bool, c TrigConsts) (r V, large K) {
	ax := m.IAnd(m.Bits(absBits(m)), x)
	fin := m.Sel(m.Cmp(ax, EQ, m.C(math.Inf(1))), m.Mov(m.C(0)), ax) // |x|, with Inf as 0
	large = m.Cmp(fin, GE, m.C(c.limit))                             // NaN compares false
	return m.Sel(large, x, SinCos(m, x, cos, c)), large
}
