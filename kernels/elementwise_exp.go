package kernels

import "math"

// vmExp and vmLog are the vector math functions of every path, written
// as scalar Go: the generated assembly (asm/elementwise/vecmath.go) runs
// the same operations in the same order on vectors, so all paths return
// the same bits. Every rounding is explicit: math.FMA where the assembly
// fuses, and a conversion around every other product, which stops the
// compiler from fusing it on the architectures where it may (Go fuses
// x*y + z on arm64, for instance). The constants are in
// elementwise_tables.go, generated from asm/internal/vm. vmExp32 and vmLog32
// are the float32 versions, in float32 arithmetic.

// vmExp returns e^x: x = k ln2 + r with |r| <= ln2/2, e^r = 1 + r +
// r^2 q(r) with q = vmExpQ64, and 2^k applied as two powers of two so that
// subnormal results round once.
func vmExp(x float64) float64 {
	t := math.FMA(x, vmLog2e, vmShifter)
	k := t - vmShifter
	hi := math.FMA(-k, vmLn2Hi, x)
	r := math.FMA(-k, vmLn2Lo, hi)
	q := &vmExpQ64
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

// vmExp32 is vmExp in float32 arithmetic, with vmExpQ32 and the float32
// split of ln2: every operation rounds to float32, as in the 16-lane
// assembly.
func vmExp32(x float32) float32 {
	const sh = float32(vmShifter32)
	t := fma32(x, vmLog2e, sh)
	k := t - sh
	hi := fma32(-k, vmLn2Hi32, x)
	r := fma32(-k, vmLn2Lo32, hi)
	q := &vmExpQ32
	p := q[len(q)-1]
	for i := len(q) - 2; i >= 0; i-- {
		p = fma32(p, r, q[i])
	}
	r2 := float32(r * r)
	y := fma32(r2, p, r)
	y = 1 + y
	t1 := fma32(k, 0.5, sh)
	k1 := t1 - sh
	k2 := k - k1
	t2 := k2 + sh
	y = float32(y * vmPow2f32(t1))
	y = float32(y * vmPow2f32(t2))
	switch {
	case x > vmExpOver32:
		return float32(math.Inf(1))
	case x < vmExpUnder32:
		return 0
	}
	return y
}

// vmSigmoid returns 1/(1 + e^-x) (vm.Sigmoid) as num/(1 + e), e =
// e^-|x|, num = 1 for x >= 0 and e for x < 0 (-|x| is exact; the sum and
// the quotient round once each).
func vmSigmoid(x float64) float64 {
	e := vmExp(-math.Abs(x))
	num := 1.0
	if x < 0 {
		num = e
	}
	return num / (1 + e)
}

// vmSigmoid32 is vmSigmoid in float32 arithmetic.
func vmSigmoid32(x float32) float32 {
	e := vmExp32(math.Float32frombits(math.Float32bits(x) | 1<<31))
	num := float32(1)
	if x < 0 {
		num = e
	}
	return num / (1 + e)
}

// vmPow2f32 returns 2^j for t = j + vmShifter32, |j| < 127.
func vmPow2f32(t float32) float32 {
	return math.Float32frombits((math.Float32bits(t) + 127) << 23)
}

// fma32 returns a*b + c rounded once to float32, as the float32 FMA
// instructions do. a*b is exact in float64, and rounding the float64 sum
// to float32 gives the right result unless that sum is a float32
// midpoint (then the first rounding may have decided the tie) or in
// float32's subnormal range: there the sum is rounded to odd instead
// (when inexact, the neighbour with an odd last bit), which makes the
// final rounding correct.
func fma32(a, b, c float32) float32 {
	p := float64(a) * float64(b)
	s := p + float64(c)
	if math.Float64bits(s)&(1<<29-1) != 1<<28 && !(math.Abs(s) < 0x1p-126) {
		return float32(s)
	}
	v := s - p
	e := (p - (s - v)) + (float64(c) - v) // s + e = p + c exactly
	if bits := math.Float64bits(s); e != 0 && bits&1 == 0 {
		if (e > 0) == (s > 0) {
			bits++
		} else {
			bits--
		}
		s = math.Float64frombits(bits)
	}
	return float32(s)
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

// vmLog32 is the float32 log: x = 2^k m with m in (sqrt2/2, sqrt2],
// f = m - 1, and Cephes' log(1+f) = f - f^2/2 + f^3 P(f), every
// operation rounded to float32.
func vmLog32(x float32) float32 {
	xs, kb := x, float32(0)
	if x < 0x1p-126 {
		xs, kb = float32(x*0x1p23), -23
	}
	b := math.Float32bits(xs)
	e := math.Float32frombits(b>>23|0x4b000000) - 0x1p23
	m := math.Float32frombits(b&(1<<23-1) | 0x3f800000)
	if m > float32(vmSqrt2) {
		m, e = float32(0.5*m), e+1
	}
	k := (e - 127) + kb
	f := m - 1
	z := float32(f * f)
	q := &vmLogP32
	p := q[len(q)-1]
	for i := len(q) - 2; i >= 0; i-- {
		p = fma32(p, f, q[i])
	}
	y := float32(float32(f*z) * p)
	y = fma32(k, vmLn2Lo32, y)
	y = fma32(-0.5, z, y)
	r := f + y
	r = fma32(k, vmLn2Hi32, r)
	switch {
	case !(x < float32(math.Inf(1))): // +Inf, NaN
		return x
	case x < 0:
		return float32(math.NaN())
	case x == 0:
		return float32(math.Inf(-1))
	}
	return r
}

// vmHorner returns c[0] + x*(c[1] + ... + x*c[n-1]), each step one FMA
// (emit.M.Horner).
func vmHorner(x float64, c []float64) float64 {
	p := c[len(c)-1]
	for i := len(c) - 2; i >= 0; i-- {
		p = math.FMA(p, x, c[i])
	}
	return p
}
