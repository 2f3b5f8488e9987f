package kernels

import "math"

// The vector math functions acos, atan2, sin and cos, written as scalar
// Go as in elementwise_exp.go (the same operations, in the same order, as
// the generated assembly), in float64 and then in float32.

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
