package testutil

import (
	"math"
	"math/big"
)

// ULPError returns |got - ref| in units of the spacing of the floating-point
// type with mant mantissa bits (24 or 53) and least exponent minExp at the
// exact value ref. A got of ±Inf is exact when ref rounds to it; any other
// mismatch of infinities is +Inf.
func ulpError(got float64, ref *big.Float, mant, minExp int) float64 {
	if math.IsNaN(got) {
		return math.Inf(1)
	}
	if math.IsInf(got, 0) {
		var r float64
		if mant == 24 {
			f, _ := ref.Float32()
			r = float64(f)
		} else {
			r, _ = ref.Float64()
		}
		if r == got {
			return 0
		}
		return math.Inf(1)
	}
	// ulp at ref: 2^(e-mant) for ref = m*2^e, m in [1/2, 1); never less
	// than the subnormal spacing 2^minExp.
	e := ref.MantExp(nil)
	if ref.Sign() == 0 {
		e = math.MinInt32
	}
	ulpExp := max(e-mant, minExp)
	diff := new(big.Float).SetPrec(Prec).Sub(new(big.Float).SetPrec(Prec).SetFloat64(got), ref)
	diff.Abs(diff)
	diff.SetMantExp(diff, -ulpExp)
	f, _ := diff.Float64()
	return f
}

// ULP64 returns the error of a float64 result in float64 ULPs of ref.
func ULP64(got float64, ref *big.Float) float64 { return ulpError(got, ref, 53, -1074) }

// ULP32 returns the error of a float32 result in float32 ULPs of ref.
func ULP32(got float32, ref *big.Float) float64 { return ulpError(float64(got), ref, 24, -149) }

// ULPOf returns the error of a result of type T in ULPs of T.
func ULPOf[T ~float32 | ~float64](got T, ref *big.Float) float64 {
	if isF32(got) {
		return ULP32(float32(got), ref)
	}
	return ULP64(float64(got), ref)
}

func isF32[T ~float32 | ~float64](x T) bool {
	// Converting 1+2^-30 to T keeps the low bit only in float64.
	return T(1+0x1p-30) == 1
}
