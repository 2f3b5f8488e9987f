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

// vmAcos returns arccos(d). For |d| < 1/2 it is pi/2 - asin(d), with
// asin(x) = x + x^3 u(x^2) (vmAsinU) and pi/2 - x summed in two parts;
// beyond, with x = sqrt((1-|d|)/2) (exact argument: 1-|d| is exact),
// acos(|d|) = 2 asin(x), where sqrt's rounding error is carried as
// xl = (x2 - x^2)/(2x), and acos(-|d|) = pi - 2 asin(x) in two parts.
// Every rounding is explicit, as in vmExp.
func vmAcos(d float64) float64 {
	a := math.Abs(d)
	o := a < 0.5
	var x2, x, xl float64
	if o {
		x2, x = float64(d*d), a
	} else {
		x2 = float64(0.5 * (1 - a))
		x = math.Sqrt(x2)
		xl = math.FMA(-x, x, x2) / (x + x)
		if x2 == 0 {
			xl = 0
		}
	}
	u := vmHorner(x2, vmAsinU[:])
	u = float64(u * float64(x*x2))
	switch {
	case o:
		sx, su := math.Copysign(x, d), math.Copysign(u, d)
		hi := vmPio2Hi - sx
		e := (vmPio2Hi - hi) - sx
		return hi + ((e - su) + vmPio2Lo)
	case d < 0:
		s := x + x
		hi := vmPiHi - s
		e := (vmPiHi - hi) - s
		w := u + xl
		w = w + w
		return hi + ((e - w) + vmPiLo)
	}
	t := x + (u + xl)
	return t + t // NaN for |d| > 1 and NaN (sqrt of a negative or NaN)
}

// vmAtan2 returns atan2(y, x): with r = min(|x|,|y|)/max(|x|,|y|) in
// [0, 1], atan(r) = r + c, c = r^3 u(r^2) (vmAtanU), and the result is
// q + (r + c) or q - (r + c) for q in {0, pi/2, pi} by the quadrant,
// summed in two parts; then the special cases of math.Atan2, and the
// sign of y.
func vmAtan2(y, x float64) float64 {
	ax, ay := math.Abs(x), math.Abs(y)
	swap := ax < ay
	num, den := ay, ax
	if swap {
		num, den = ax, ay
	}
	r := num / den
	t := float64(r * r)
	u := vmHorner(t, vmAtanU[:])
	c := float64(r * float64(t*u))
	neg := math.Signbit(x)
	var qhi, qlo float64
	switch {
	case swap:
		qhi, qlo = vmPio2Hi, vmPio2Lo
	case neg:
		qhi, qlo = vmPiHi, vmPiLo
	}
	sr, sc := r, c
	if swap != neg {
		sr, sc = -r, -c
	}
	hi := qhi + sr
	e := (qhi - hi) + sr
	res := hi + ((e + sc) + qlo)
	switch {
	case x != x || y != y:
		return x + y
	case y == 0:
		res = qhi // 0 or pi
	case math.IsInf(x, 0) && math.IsInf(y, 0):
		res = math.Pi / 4
		if neg {
			res = 3 * math.Pi / 4
		}
	}
	return math.Copysign(res, y)
}

// vmTrigReduce returns x = q pi/2 + (rh + rl) for |x| < vmTrigLimit, with
// t = q + vmShifter (whose low bits are q mod 4): x - q Pio2Hi is exact,
// q Pio2Lo is split exactly by an FMA, and the sums are two-part.
func vmTrigReduce(x float64) (rh, rl, t float64) {
	t = math.FMA(x, vmTwoOverPi, vmShifter)
	q := t - vmShifter
	a := math.FMA(-q, vmPio2Hi, x)
	bh := float64(q * vmPio2Lo)
	bl := math.FMA(q, vmPio2Lo, -bh)
	c := float64(q * vmPio2Lo2)
	s := a - bh // two-sum of a and -bh
	bb := s - a
	err := (a - (s - bb)) - (bh + bb)
	lo := (err - bl) - c
	rh = s + lo
	rl = lo - (rh - s)
	return rh, rl, t
}

// vmKernelSin returns sin(x + y) for |x + y| <= pi/4, y a tail below
// x's last place (fdlibm's __kernel_sin with iy = 1, Horner by FMA).
func vmKernelSin(x, y float64) float64 {
	z := float64(x * x)
	v := float64(z * x)
	r := vmHorner(z, vmSinS[1:])
	return x - ((float64(z*(float64(0.5*y)-float64(v*r))) - y) - float64(v*vmSinS[0]))
}

// vmKernelCos returns cos(x + y) for |x + y| <= pi/4 (fdlibm's
// __kernel_cos: w = 1 - z/2 with its rounding error kept).
func vmKernelCos(x, y float64) float64 {
	z := float64(x * x)
	r := float64(z * vmHorner(z, vmCosC[:]))
	hz := float64(0.5 * z)
	w := 1 - hz
	return w + (((1 - w) - hz) + (float64(z*r) - float64(x*y)))
}

// vmSin returns sin(x): the reduction of vmTrigReduce, then sin or cos
// of the reduced argument by q mod 4. Beyond vmTrigLimit (and for the
// zeros, whose sign it keeps) it returns math.Sin's result.
func vmSin(x float64) float64 {
	if !(math.Abs(x) < vmTrigLimit) && !math.IsInf(x, 0) && x == x || x == 0 {
		return math.Sin(x)
	}
	rh, rl, t := vmTrigReduce(x)
	n := math.Float64bits(t)
	y := vmKernelSin(rh, rl)
	if n&1 != 0 {
		y = vmKernelCos(rh, rl)
	}
	if n&2 != 0 {
		y = -y
	}
	return y
}

// vmCos returns cos(x) as vmSin does sin(x).
func vmCos(x float64) float64 {
	if !(math.Abs(x) < vmTrigLimit) && !math.IsInf(x, 0) && x == x {
		return math.Cos(x)
	}
	rh, rl, t := vmTrigReduce(x)
	n := math.Float64bits(t)
	y := vmKernelCos(rh, rl)
	if n&1 != 0 {
		y = vmKernelSin(rh, rl)
	}
	if (n+1)&2 != 0 {
		y = -y
	}
	return y
}

// The float32 versions of acos, atan2, sin and cos: the float64
// algorithms above in float32 arithmetic, with float32 polynomials and
// float32 parts of pi (elementwise_tables.go), every operation rounded to
// float32 as in the 16-lane assembly; sin and cos keep the reduction's two
// parts but evaluate shorter kernels on them (vmKernelSin32,
// vmKernelCos32).

// vmHorner32 is vmHorner in float32 (fma32 steps).
func vmHorner32(x float32, c []float32) float32 {
	p := c[len(c)-1]
	for i := len(c) - 2; i >= 0; i-- {
		p = fma32(p, x, c[i])
	}
	return p
}

// abs32 returns |x|, and copysign32 x with the sign of s.
func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

func copysign32(x, s float32) float32 {
	return math.Float32frombits(math.Float32bits(x)&^(1<<31) | math.Float32bits(s)&(1<<31))
}

// vmAcos32 is vmAcos in float32 (SLEEF's float32 asin polynomial).
func vmAcos32(d float32) float32 {
	a := abs32(d)
	o := a < 0.5
	var x2, x, xl float32
	if o {
		x2, x = float32(d*d), a
	} else {
		x2 = float32(0.5 * (1 - a))
		x = float32(math.Sqrt(float64(x2))) // correctly rounded: float64 has more than 2*24+2 bits
		xl = fma32(-x, x, x2) / (x + x)
		if x2 == 0 {
			xl = 0
		}
	}
	u := vmHorner32(x2, vmAsinU32[:])
	u = float32(u * float32(x*x2))
	switch {
	case o:
		sx, su := copysign32(x, d), copysign32(u, d)
		hi := float32(vmPio2Hi32) - sx
		e := (float32(vmPio2Hi32) - hi) - sx
		return hi + ((e - su) + float32(vmPio2Lo32))
	case d < 0:
		s := x + x
		hi := float32(vmPiHi32) - s
		e := (float32(vmPiHi32) - hi) - s
		w := u + xl
		w = w + w
		return hi + ((e - w) + float32(vmPiLo32))
	}
	t := x + (u + xl)
	return t + t
}

// vmAtan232 is vmAtan2 in float32 (SLEEF's float32 atan polynomial).
func vmAtan232(y, x float32) float32 {
	ax, ay := abs32(x), abs32(y)
	swap := ax < ay
	num, den := ay, ax
	if swap {
		num, den = ax, ay
	}
	r := num / den
	t := float32(r * r)
	u := vmHorner32(t, vmAtanU32[:])
	c := float32(r * float32(t*u))
	neg := math.Float32bits(x)>>31 != 0
	var qhi, qlo float32
	switch {
	case swap:
		qhi, qlo = vmPio2Hi32, vmPio2Lo32
	case neg:
		qhi, qlo = vmPiHi32, vmPiLo32
	}
	sr, sc := r, c
	if swap != neg {
		sr, sc = -r, -c
	}
	hi := qhi + sr
	e := (qhi - hi) + sr
	res := hi + ((e + sc) + qlo)
	switch {
	case x != x || y != y:
		return x + y
	case y == 0:
		res = qhi // 0 or pi
	case ax > math.MaxFloat32 && ay > math.MaxFloat32:
		res = math.Pi / 4
		if neg {
			res = 3 * math.Pi / 4
		}
	}
	return copysign32(res, y)
}

// vmTrigReduce32 returns x = q pi/2 + (s + lo) for |x| < vmTrigLimit32,
// with t = q + vmShifter32 (whose low bits are q mod 4): a = x - q
// Pio2Hi32 is exact, q Pio2Lo32 is split exactly by an FMA, and s is a -
// q Pio2Lo32 rounded, its error (and q Pio2Lo232) in lo. s + lo is not
// renormalised: the kernels need only |lo| small against s's last place
// or s itself tiny.
func vmTrigReduce32(x float32) (s, lo, t float32) {
	const sh = float32(vmShifter32)
	t = fma32(x, vmTwoOverPi32, sh)
	q := t - sh
	a := fma32(-q, vmPio2Hi32, x)
	bh := float32(q * vmPio2Lo32)
	nbl := fma32(-q, vmPio2Lo32, bh)
	c := float32(q * vmPio2Lo232)
	s = a - bh // two-sum of a and -bh
	bb := s - a
	e := float32(a-(s-bb)) - float32(bh+bb)
	lo = float32(e+nbl) - c
	return s, lo, t
}

// vmKernelSin32 returns sin(x + y) for |x + y| <= pi/4, y small against
// x's last place: x + (x^3 S(x^2) + y), the polynomial on x alone and y
// added before the last rounding.
func vmKernelSin32(x, y float32) float32 {
	z := float32(x * x)
	return x + fma32(float32(x*z), vmHorner32(z, vmSinS32[:]), y)
}

// vmKernelCos32 returns cos(x + y) likewise: 1 + (z (C(z) z - 1/2) - x y)
// with z = x^2, one rounding after the sum with 1.
func vmKernelCos32(x, y float32) float32 {
	z := float32(x * x)
	pc := fma32(vmHorner32(z, vmCosC32[:]), z, -0.5)
	return 1 + fma32(z, pc, fma32(-x, y, 0))
}

// vmSin32 returns sin(x) as vmSin does, in float32 below vmTrigLimit32;
// beyond (and for the zeros, whose sign it keeps) it returns the float64
// function's result rounded.
func vmSin32(x float32) float32 {
	if !(abs32(x) < vmTrigLimit32) && abs32(x) <= math.MaxFloat32 || x == 0 {
		return float32(vmSin(float64(x)))
	}
	rh, rl, t := vmTrigReduce32(x)
	n := math.Float32bits(t)
	y := vmKernelSin32(rh, rl)
	if n&1 != 0 {
		y = vmKernelCos32(rh, rl)
	}
	if n&2 != 0 {
		y = -y
	}
	return y
}

// vmCos32 returns cos(x) as vmSin32 does sin(x).
func vmCos32(x float32) float32 {
	if !(abs32(x) < vmTrigLimit32) && abs32(x) <= math.MaxFloat32 {
		return float32(vmCos(float64(x)))
	}
	rh, rl, t := vmTrigReduce32(x)
	n := math.Float32bits(t)
	y := vmKernelCos32(rh, rl)
	if n&1 != 0 {
		y = vmKernelSin32(rh, rl)
	}
	if (n+1)&2 != 0 {
		y = -y
	}
	return y
}
