// Package testutil holds what the kernel tests share: a higher-precision
// reference for the elementary functions (math/big at 256 bits, far beyond
// float64), ULP error measurement, guard-padded slices that catch
// out-of-bounds writes, and random inputs on the simplex and the sphere.
// It is imported by tests only.
package testutil

import (
	"math"
	"math/big"
	"sync"
)

// Prec is the working precision, in bits, of the reference functions.
const Prec = 256

// reducePrec is the precision of pi used to reduce sin/cos arguments: a
// float64 is at most 2^1024, so 1024 bits go to the integer multiple of pi/2
// and Prec+200 remain for the remainder.
const reducePrec = 1024 + Prec + 200

// Big returns x as a big.Float of precision Prec. x must not be NaN.
func Big(x float64) *big.Float { return newF(Prec).SetFloat64(x) }

func newF(prec uint) *big.Float { return new(big.Float).SetPrec(prec) }

// Pi returns pi to prec bits, by Machin's formula.
func Pi(prec uint) *big.Float {
	piOnce.Do(func() {
		p := uint(reducePrec + 64)
		a := atanInv(5, p)
		a.Mul(a, newF(p).SetInt64(16))
		b := atanInv(239, p)
		b.Mul(b, newF(p).SetInt64(4))
		piBig = a.Sub(a, b)
	})
	return newF(prec).Set(piBig)
}

var (
	piOnce sync.Once
	piBig  *big.Float
)

// atanInv returns atan(1/k) = sum_n (-1)^n / ((2n+1) k^(2n+1)).
func atanInv(k int64, prec uint) *big.Float {
	sum := newF(prec)
	pow := newF(prec).Quo(newF(prec).SetInt64(1), newF(prec).SetInt64(k)) // k^-(2n+1)
	k2 := newF(prec).SetInt64(k * k)
	eps := newF(prec).SetMantExp(big.NewFloat(1), -int(prec)-8)
	for n := int64(0); ; n++ {
		term := newF(prec).Quo(pow, newF(prec).SetInt64(2*n+1))
		if term.Cmp(eps) < 0 {
			return sum
		}
		if n%2 == 0 {
			sum.Add(sum, term)
		} else {
			sum.Sub(sum, term)
		}
		pow.Quo(pow, k2)
	}
}

// small reports |x| < 2^-(prec+8) relative to 1, the end of a series.
func small(x *big.Float, prec uint) bool {
	return x.Sign() == 0 || x.MantExp(nil) < -int(prec)-8
}

// Exp returns e^x.
func Exp(x *big.Float) *big.Float {
	if x.Sign() == 0 {
		return newF(Prec).SetInt64(1)
	}
	// exp(x) = exp(x/2^s)^(2^s) with |x/2^s| < 2^-8.
	s := max(0, x.MantExp(nil)+8)
	p := uint(Prec + s + 32)
	r := newF(p).SetMantExp(x, -s)
	sum, term := newF(p).SetInt64(1), newF(p).SetInt64(1)
	for n := int64(1); ; n++ {
		term.Mul(term, r)
		term.Quo(term, newF(p).SetInt64(n))
		if small(term, p) {
			break
		}
		sum.Add(sum, term)
	}
	for ; s > 0; s-- {
		sum.Mul(sum, sum)
	}
	return newF(Prec).Set(sum)
}

// atanh returns atanh(z) = sum z^(2k+1)/(2k+1) for |z| < 1/2.
func atanh(z *big.Float, prec uint) *big.Float {
	sum := newF(prec).Set(z)
	z2 := newF(prec).Mul(z, z)
	pow := newF(prec).Set(z)
	for k := int64(1); ; k++ {
		pow.Mul(pow, z2)
		term := newF(prec).Quo(pow, newF(prec).SetInt64(2*k+1))
		if small(term, prec) {
			return sum
		}
		sum.Add(sum, term)
	}
}

// Log returns ln(x) for x > 0.
func Log(x *big.Float) *big.Float {
	p := uint(Prec + 64)
	mant := newF(p)
	e := x.MantExp(mant) // x = mant * 2^e, mant in [1/2, 1)
	if mant.Cmp(big.NewFloat(math.Sqrt2/2)) < 0 {
		mant.SetMantExp(mant, 1)
		e--
	}
	one := newF(p).SetInt64(1)
	z := newF(p).Quo(newF(p).Sub(mant, one), newF(p).Add(mant, one))
	l := atanh(z, p)
	l.Mul(l, newF(p).SetInt64(2))
	ln2 := atanh(newF(p).Quo(one, newF(p).SetInt64(3)), p)
	ln2.Mul(ln2, newF(p).SetInt64(2*int64(e)))
	return newF(Prec).Add(l, ln2)
}

// SinCos returns sin(x) and cos(x) with the argument reduced exactly.
func SinCos(x float64) (sin, cos *big.Float) {
	p := uint(reducePrec)
	bx := newF(p).SetFloat64(x)
	halfPi := Pi(p)
	halfPi.SetMantExp(halfPi, -1)
	q := newF(p).Quo(bx, halfPi)
	// k = round(q)
	q.Add(q, big.NewFloat(0.5))
	kInt, _ := q.Int(nil)
	if q.Sign() < 0 && !q.IsInt() {
		kInt.Sub(kInt, big.NewInt(1)) // Int truncates; floor for negatives
	}
	k := newF(p).SetInt(kInt)
	r := newF(p).Sub(bx, newF(p).Mul(k, halfPi))
	rp := newF(Prec + 32).Set(r)
	s, c := sinCosSmall(rp, Prec+32)
	switch new(big.Int).And(kInt, big.NewInt(3)).Int64() {
	case 0:
		return newF(Prec).Set(s), newF(Prec).Set(c)
	case 1:
		return newF(Prec).Set(c), newF(Prec).Neg(s)
	case 2:
		return newF(Prec).Neg(s), newF(Prec).Neg(c)
	default:
		return newF(Prec).Neg(c), newF(Prec).Set(s)
	}
}

// sinCosSmall sums the Taylor series for |r| <= pi/4.
func sinCosSmall(r *big.Float, p uint) (sin, cos *big.Float) {
	sin, cos = newF(p).Set(r), newF(p).SetInt64(1)
	r2 := newF(p).Mul(r, r)
	st, ct := newF(p).Set(r), newF(p).SetInt64(1)
	for n := int64(1); ; n++ {
		st.Mul(st, r2)
		st.Quo(st, newF(p).SetInt64((2*n)*(2*n+1)))
		st.Neg(st)
		ct.Mul(ct, r2)
		ct.Quo(ct, newF(p).SetInt64((2*n-1)*(2*n)))
		ct.Neg(ct)
		if small(st, p) && small(ct, p) {
			return sin, cos
		}
		sin.Add(sin, st)
		cos.Add(cos, ct)
	}
}

// Atan returns atan(x).
func Atan(x *big.Float) *big.Float {
	p := uint(Prec + 32)
	one := newF(p).SetInt64(1)
	ax := newF(p).Abs(x)
	if ax.Cmp(one) > 0 {
		// atan(x) = sign(x) pi/2 - atan(1/x)
		r := Atan(newF(p).Quo(one, x))
		hp := Pi(p)
		hp.SetMantExp(hp, -1)
		if x.Sign() < 0 {
			hp.Neg(hp)
		}
		return newF(Prec).Sub(hp, r)
	}
	// Halve the angle three times: atan(x) = 2 atan(x / (1 + sqrt(1+x^2))).
	y := newF(p).Set(x)
	for i := 0; i < 3; i++ {
		s := newF(p).Mul(y, y)
		s.Add(s, one)
		s.Sqrt(s)
		s.Add(s, one)
		y.Quo(y, s)
	}
	sum := newF(p).Set(y)
	y2 := newF(p).Mul(y, y)
	pow := newF(p).Set(y)
	for n := int64(1); ; n++ {
		pow.Mul(pow, y2)
		pow.Neg(pow)
		term := newF(p).Quo(pow, newF(p).SetInt64(2*n+1))
		if small(term, p) {
			break
		}
		sum.Add(sum, term)
	}
	return newF(Prec).SetMantExp(sum, 3)
}

// Atan2 returns atan2(y, x) for finite y, x that are not both zero.
func Atan2(y, x *big.Float) *big.Float {
	p := uint(Prec + 32)
	hp := Pi(p)
	hp.SetMantExp(hp, -1)
	switch {
	case x.Sign() == 0:
		if y.Sign() < 0 {
			return hp.Neg(hp)
		}
		return hp
	case x.Sign() > 0:
		return Atan(newF(p).Quo(y, x))
	}
	a := Atan(newF(p).Quo(y, x))
	pi := Pi(p)
	if y.Sign() < 0 {
		return newF(Prec).Sub(a, pi)
	}
	return newF(Prec).Add(a, pi)
}

// Acos returns arccos(x) for |x| <= 1, as atan2(sqrt(1-x^2), x) with 1-x^2
// exact.
func Acos(x float64) *big.Float {
	bx := Big(x)
	s := newF(Prec).Mul(bx, bx)
	s.Sub(newF(Prec).SetInt64(1), s)
	s.Sqrt(s)
	return Atan2(s, bx)
}

// SinCosBig returns sin(x) and cos(x) for a big argument with |x| <= 8,
// by the Taylor series without reduction (the terms lose at most a dozen
// of the Prec+64 bits).
func SinCosBig(x *big.Float) (sin, cos *big.Float) {
	s, c := sinCosSmall(newF(Prec+64).Set(x), Prec+64)
	return newF(Prec).Set(s), newF(Prec).Set(c)
}

// Sqrt returns the square root of x >= 0.
func Sqrt(x *big.Float) *big.Float { return newF(Prec).Sqrt(x) }

// Angle returns 2*atan2(|x-y|, |x+y|) for float64 rows, exactly up to Prec.
func Angle(x, y []float64) *big.Float {
	sm, sp := newF(Prec), newF(Prec)
	for i := range x {
		a, b := Big(x[i]), Big(y[i])
		dm := newF(Prec).Sub(a, b)
		dp := newF(Prec).Add(a, b)
		sm.Add(sm, dm.Mul(dm, dm))
		sp.Add(sp, dp.Mul(dp, dp))
	}
	if sm.Sign() == 0 {
		return newF(Prec)
	}
	a := Atan2(Sqrt(sm), Sqrt(sp))
	return a.SetMantExp(a, 1)
}
