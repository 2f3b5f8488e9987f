package kernels

import "math"

// acos returns arccos(x) without the cancellation of pi/2 - asin(x) near
// |x| = 1: for |x| > 1/2 it uses acos(x) = 2*asin(sqrt((1-|x|)/2)), where
// 1-|x| is exact (Sterbenz) and the asin argument is at most 1/2.
func acos(x float64) float64 {
	a := math.Abs(x)
	if !(a > 0.5) { // also NaN
		return math.Pi/2 - math.Asin(x)
	}
	r := 2 * math.Asin(math.Sqrt((1-a)*0.5))
	if x < 0 {
		return math.Pi - r
	}
	return r
}

// sinc returns sin(x)/x, with sinc(0) = 1. sin(x)/x is accurate to a few
// ULP for every x != 0 (for tiny x, sin(x) rounds to x and the ratio to 1),
// so no Taylor branch is needed.
func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(x) / x
}

// exp and log are the fdlibm algorithms (also Go's pure-Go math.exp and
// math.log), used instead of the math package because on amd64 math.Exp
// overflows to +Inf below the true threshold (it returns +Inf at 709.5,
// where e^x = 1.35e308) and math.Log is wrong for subnormal inputs; both
// have errors below 1 ULP over their whole domain and give the same bits on
// every architecture.
const (
	ln2Hi    = 6.93147180369123816490e-01
	ln2Lo    = 1.90821492927058770002e-10
	log2e    = 1.44269504088896338700e+00
	expOver  = 7.09782712893383973096e+02
	expUnder = -7.45133219101941108420e+02
	expNear0 = 1.0 / (1 << 28)
	expP1    = 1.66666666666666657415e-01
	expP2    = -2.77777777770155933842e-03
	expP3    = 6.61375632143793436117e-05
	expP4    = -1.65339022054652515390e-06
	expP5    = 4.13813679705723846039e-08
	logL1    = 6.666666666666735130e-01
	logL2    = 3.999999999940941908e-01
	logL3    = 2.857142874366239149e-01
	logL4    = 2.222219843214978396e-01
	logL5    = 1.818357216161805012e-01
	logL6    = 1.531383769920937332e-01
	logL7    = 1.479819860511658591e-01
	sqrtHalf = 0.70710678118654752440
	maxFloat = math.MaxFloat64
)

func exp(x float64) float64 {
	switch {
	case x != x || x > expOver:
		return x * math.Inf(1) // NaN stays NaN; overflow gives +Inf
	case x < expUnder:
		return 0
	case -expNear0 < x && x < expNear0:
		return 1 + x
	}
	// x = k*ln2 + r with |r| <= ln2/2, r = hi - lo in extra precision.
	var k int
	if x < 0 {
		k = int(log2e*x - 0.5)
	} else {
		k = int(log2e*x + 0.5)
	}
	hi := x - float64(k)*ln2Hi
	lo := float64(k) * ln2Lo
	r := hi - lo
	t := r * r
	c := r - t*(expP1+t*(expP2+t*(expP3+t*(expP4+t*expP5))))
	y := 1 - ((lo - (r*c)/(2-c)) - hi)
	return math.Ldexp(y, k)
}

func log(x float64) float64 {
	switch {
	case x != x || x > maxFloat:
		return x // NaN, +Inf
	case x < 0:
		return math.NaN()
	case x == 0:
		return math.Inf(-1)
	}
	f1, ki := math.Frexp(x) // normalises subnormals
	if f1 < sqrtHalf {
		f1 *= 2
		ki--
	}
	f := f1 - 1
	k := float64(ki)
	s := f / (2 + f)
	s2 := s * s
	s4 := s2 * s2
	t1 := s2 * (logL1 + s4*(logL3+s4*(logL5+s4*logL7)))
	t2 := s4 * (logL2 + s4*(logL4+s4*logL6))
	R := t1 + t2
	hfsq := 0.5 * f * f
	return k*ln2Hi - ((hfsq - (s*(hfsq+R) + k*ln2Lo)) - f)
}

// atan2 is math.Atan2 with the quadrant taken from the sign of y rather
// than from the sign of atan(y/x): math.Atan2(-8.7e-282, -1.7e159) returns
// +pi because y/x underflows to +0.
func atan2(y, x float64) float64 {
	if x != x || y != y || x == 0 || y == 0 || math.IsInf(x, 0) || math.IsInf(y, 0) {
		return math.Atan2(y, x) // special values are right there
	}
	q := math.Atan(y / x)
	if x > 0 {
		return q
	}
	if math.Signbit(y) {
		return q - math.Pi
	}
	return q + math.Pi
}
