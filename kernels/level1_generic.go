package kernels

import "math"

// The generic level-1 kernels accumulate in float64 with four partial sums,
// so float32 results are far inside their bounds.

func dotGeneric[T float32 | float64](x, y []T) T {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i]) * float64(y[i])
		s1 += float64(x[i+1]) * float64(y[i+1])
		s2 += float64(x[i+2]) * float64(y[i+2])
		s3 += float64(x[i+3]) * float64(y[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i]) * float64(y[i])
	}
	return T((s0 + s1) + (s2 + s3))
}

func axpyGeneric[T float32 | float64](alpha T, x, y []T) {
	y = y[:len(x)]
	a := float64(alpha)
	for i, v := range x {
		y[i] = T(a*float64(v) + float64(y[i]))
	}
}

func scaleGeneric[T float32 | float64](alpha T, x []T) {
	for i := range x {
		x[i] *= alpha
	}
}

func sumGeneric[T float32 | float64](x []T) T {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i])
		s1 += float64(x[i+1])
		s2 += float64(x[i+2])
		s3 += float64(x[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return T((s0 + s1) + (s2 + s3))
}

func norm2Generic[T float32 | float64](x []T) T {
	var s float64
	for _, v := range x {
		f := float64(v)
		s += f * f
	}
	return norm2Finish(x, s)
}

// norm2Finish returns the norm of x given s, its sum of squares computed
// in float64. In float64, squares of float32 values neither overflow nor
// lose accuracy to underflow, so only float64 input can need rescaling;
// a NaN s comes from NaN or Inf elements, and any Inf makes the norm +Inf.
func norm2Finish[T float32 | float64](x []T, s float64) T {
	if s >= 0x1p-968 && s <= math.MaxFloat64 || len(x) == 0 {
		return T(math.Sqrt(s))
	}
	if is64[T]() {
		return T(norm2Scaled(f64s(x)))
	}
	if s != s {
		for _, v := range x {
			if math.IsInf(float64(v), 0) {
				return T(math.Inf(1))
			}
		}
	}
	return T(math.Sqrt(s))
}

// norm2Scaled computes the norm of x after scaling it by a power of two so
// that the largest magnitude is in [1/2, 1): the scaling is exact, no square
// overflows, and squares that underflow are below u of the sum.
func norm2Scaled(x []float64) float64 {
	var m float64
	nan := false
	for _, v := range x {
		a := math.Abs(v)
		if math.IsInf(a, 0) {
			return math.Inf(1)
		}
		if a != a {
			nan = true
		}
		m = max(m, a)
	}
	if nan {
		return math.NaN()
	}
	if m == 0 {
		return 0
	}
	_, e := math.Frexp(m)
	var s float64
	for _, v := range x {
		// Ldexp rather than a multiplication by 2^-e: for subnormal m,
		// 2^-e is not representable.
		f := math.Ldexp(v, -e)
		s += f * f
	}
	return math.Ldexp(math.Sqrt(s), e)
}

// scaleNegGeneric selects the factor by a conditional move on its bits:
// on random signs a branch mispredicts half the time.
func scaleNegGeneric[T float32 | float64](dst, src, x []T, s T) {
	src, x = src[:len(dst)], x[:len(dst)]
	if is64[T]() {
		d, sr, xs := f64s(dst), f64s(src), f64s(x)
		one := math.Float64bits(1)
		diff := math.Float64bits(float64(s)) ^ one
		for i := range d {
			var m uint64
			if xs[i] < 0 {
				m = diff
			}
			d[i] = sr[i] * math.Float64frombits(one^m)
		}
		return
	}
	d, sr, xs := f32s(dst), f32s(src), f32s(x)
	one := math.Float32bits(1)
	diff := math.Float32bits(float32(s)) ^ one
	for i := range d {
		var m uint32
		if xs[i] < 0 {
			m = diff
		}
		d[i] = sr[i] * math.Float32frombits(one^m)
	}
}

// adamWGeneric is AdamW with c = [b1, 1-b1, b2, 1-b2, decay, step*bc2,
// eps*bc2]; the SIMD kernels repeat its operations in its order.
func adamWGeneric[T float32 | float64](w, g []T, m, v []float64, c [7]float64) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	b1, c1, b2, c2, decay, sb, eb := c[0], c[1], c[2], c[3], c[4], c[5], c[6]
	for i := range w {
		gf := float64(g[i])
		// The conversions round every product, which stops the compiler
		// from fusing a product and a sum where it may (arm64).
		mi := float64(b1*m[i]) + float64(c1*gf)
		vi := float64(b2*v[i]) + float64(float64(c2*gf)*gf)
		m[i], v[i] = mi, vi
		w[i] = T(float64(float64(w[i])*decay) - float64(sb*mi)/(math.Sqrt(vi)+eb))
	}
}

// dot4Of composes the four-row dot of a path without one from its dot.
func dot4Of[T float32 | float64](dot func(x, y []T) T) func(x0, x1, x2, x3, y []T) (r0, r1, r2, r3 T) {
	return func(x0, x1, x2, x3, y []T) (r0, r1, r2, r3 T) {
		n := len(x0)
		return dot(x0, y), dot(x1[:n], y), dot(x2[:n], y), dot(x3[:n], y)
	}
}

// axpy4Of composes the four-row axpy of a path without one from its axpy.
func axpy4Of[T float32 | float64](axpy func(alpha T, x, y []T)) func(a0, a1, a2, a3 T, x0, x1, x2, x3, y []T) {
	return func(a0, a1, a2, a3 T, x0, x1, x2, x3, y []T) {
		n := len(x0)
		axpy(a0, x0, y)
		axpy(a1, x1[:n], y)
		axpy(a2, x2[:n], y)
		axpy(a3, x3[:n], y)
	}
}
