package kernels

import "math"

// vmExp and vmLog are the vector math functions of every path, written
// as scalar Go: the generated assembly (asm/elementwise/vecmath.go) runs
// the same operations in the same order on vectors, so all paths return
// the same bits. Every rounding is explicit: math.FMA where the assembly
// fuses, and a conversion around every other product, which stops the
// compiler from fusing it on the architectures where it may (Go fuses
// x*y + z on arm64, for instance). The constants are in
// vecmath_tables.go, generated from asm/internal/vm.
//
// Both evaluate in float64; the float32 kernels widen, use the shorter
// vmExpQ32, and round once.

// vmExp returns e^x with the polynomial q (vmExpQ64 or vmExpQ32):
// x = k ln2 + r with |r| <= ln2/2, e^r = 1 + r + r^2 q(r), and 2^k
// applied as two powers of two so that subnormal results round once.
func vmExp(x float64, q []float64) float64 {
	t := math.FMA(x, vmLog2e, vmShifter)
	k := t - vmShifter
	hi := math.FMA(-k, vmLn2Hi, x)
	r := math.FMA(-k, vmLn2Lo, hi)
	p := q[len(q)-1]
	for i := len(q) - 2; i >= 0; i-- {
		p = math.FMA(p, r, q[i])
	}
	r2 := float64(r * r)
	y := math.FMA(r2, p, r)
	y = 1 + y
	t1 := math.FMA(k, 0.5, vmShifter)
	k1 := t1 - vmShifter
	k2 := k - k1
	t2 := k2 + vmShifter
	y = float64(y * vmPow2(t1))
	y = float64(y * vmPow2(t2))
	switch {
	case x > vmExpOver:
		return math.Inf(1)
	case x < vmExpUnder:
		return 0
	}
	return y // NaN stays NaN
}

// vmPow2 returns 2^j for t = j + vmShifter, |j| < 1023.
func vmPow2(t float64) float64 {
	return math.Float64frombits((math.Float64bits(t) + 1023) << 52)
}

// vmLog returns ln(x): x = 2^k m with m in (sqrt2/2, sqrt2], f = m - 1,
// s = f/(2+f), and fdlibm's log(1+f) = f - (f^2/2 - s (f^2/2 + R(s))).
func vmLog(x float64) float64 {
	xs, kb := x, 0.0
	if x < vmLogTiny {
		xs, kb = float64(x*vmLogScale), -54
	}
	b := math.Float64bits(xs)
	e := math.Float64frombits(b>>52|0x4330000000000000) - 0x1p52
	m := math.Float64frombits(b&(1<<52-1) | 0x3ff0000000000000)
	if m > vmSqrt2 {
		m, e = float64(0.5*m), e+1
	}
	k := (e - 1023) + kb
	f := m - 1
	s := f / (2 + f)
	s2 := float64(s * s)
	s4 := float64(s2 * s2)
	lg := &vmLogLg
	t1 := float64(s2 * math.FMA(math.FMA(math.FMA(lg[6], s4, lg[4]), s4, lg[2]), s4, lg[0]))
	t2 := float64(s4 * math.FMA(math.FMA(lg[5], s4, lg[3]), s4, lg[1]))
	R := t1 + t2
	hfsq := float64(0.5 * float64(f*f))
	a := float64(s*(hfsq+R)) + float64(k*vmLn2Lo)
	d := (hfsq - a) - f
	res := float64(k*vmLn2Hi) - d
	switch {
	case !(x < math.Inf(1)): // +Inf, NaN
		return x
	case x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	}
	return res
}
