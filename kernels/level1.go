package kernels

// Dot returns sum_i x[i]*y[i], with
//
//	|Dot - exact| <= n*u/(1-n*u) * sum_i |x[i]*y[i]|,   n = len(x),
//
// the bound of any summation order (paths may reorder the sum). It panics if
// len(x) != len(y).
func Dot[T Float](x, y []T) T {
	checkSame("Dot", []string{"x", "y"}, len(x), len(y))
	if is64[T]() {
		return T(impl64().dot(f64s(x), f64s(y)))
	}
	return T(impl32().dot(f32s(x), f32s(y)))
}

// Axpy sets y[i] += alpha*x[i]. Each element is rounded at most twice:
// |error| <= 2u*(|alpha*x[i]| + |y[i]|). x and y may be the same slice
// (but not partially overlapping ones). It panics if len(x) != len(y).
func Axpy[T Float](alpha T, x, y []T) {
	checkSame("Axpy", []string{"x", "y"}, len(x), len(y))
	if is64[T]() {
		impl64().axpy(float64(alpha), f64s(x), f64s(y))
		return
	}
	impl32().axpy(float32(alpha), f32s(x), f32s(y))
}

// Scale sets x[i] *= alpha, correctly rounded (error <= 0.5 ULP).
func Scale[T Float](alpha T, x []T) {
	if is64[T]() {
		impl64().scale(float64(alpha), f64s(x))
		return
	}
	impl32().scale(float32(alpha), f32s(x))
}

// Sum returns sum_i x[i], with |Sum - exact| <= n*u/(1-n*u) * sum_i |x[i]|.
// Sum of an empty slice is 0.
func Sum[T Float](x []T) T {
	if is64[T]() {
		return T(impl64().sum(f64s(x)))
	}
	return T(impl32().sum(f32s(x)))
}

// Norm2 returns the Euclidean norm sqrt(sum_i x[i]^2) without overflow or
// underflow in intermediate results: it is finite whenever the norm is
// representable, even if x[i]^2 is not. The relative error is at most
// (n/2 + 2)*u, n = len(x). Any ±Inf element gives +Inf; otherwise any NaN
// gives NaN. Norm2 of an empty slice is 0.
func Norm2[T Float](x []T) T {
	if is64[T]() {
		return T(impl64().norm2(f64s(x)))
	}
	return T(impl32().norm2(f32s(x)))
}
