package kernels

import "math"

func toSphereGeneric[T float32 | float64](dst, p []T, d int) {
	for r := 0; r < len(p); r += d {
		row, out := p[r:r+d], dst[r:r+d]
		var s float64
		for _, v := range row {
			s += float64(v)
		}
		if !(s > 0 && s <= math.MaxFloat64) {
			fill(out, T(math.NaN()))
			continue
		}
		for i, v := range row {
			out[i] = T(math.Sqrt(float64(v) / s))
		}
	}
}

func toSimplexGeneric[T float32 | float64](dst, x []T, d int) {
	for r := 0; r < len(x); r += d {
		row, out := x[r:r+d], dst[r:r+d]
		var s float64
		for _, v := range row {
			f := float64(v)
			s += f * f
		}
		// Squares of float32 values are exact in float64; float64 rows
		// whose sum of squares overflowed, or is small enough that
		// underflow may have cost accuracy, are rescaled.
		e := 0
		if is64[T]() && !(s >= 0x1p-968 && s <= math.MaxFloat64) {
			s, e = sumSquaresScaled(f64s(row))
		}
		if !(s > 0 && s <= math.MaxFloat64) {
			fill(out, T(math.NaN()))
			continue
		}
		for i, v := range row {
			f := math.Ldexp(float64(v), -e)
			out[i] = T(f * f / s)
		}
	}
}

// sumSquaresScaled returns s and e with sum_i (x[i]*2^-e)^2 = s, choosing e
// so that the largest magnitude is scaled into [1/2, 1). An Inf or NaN
// element gives s = NaN.
func sumSquaresScaled(x []float64) (s float64, e int) {
	var m float64
	for _, v := range x {
		a := math.Abs(v)
		if a != a || math.IsInf(a, 0) {
			return math.NaN(), 0
		}
		m = max(m, a)
	}
	if m == 0 {
		return 0, 0
	}
	_, e = math.Frexp(m)
	for _, v := range x {
		f := math.Ldexp(v, -e)
		s += f * f
	}
	return s, e
}

func fill[T float32 | float64](x []T, v T) {
	for i := range x {
		x[i] = v
	}
}
