package kernels

// Moments returns s1, the sum of x[i] - shift, and s2, the sum of
// (x[i] - shift)^2, accumulated in float64 (float32 elements are widened
// first, so the terms are exact but for the subtraction's rounding).
// With shift near the mean (x[0] serves), the mean shift + s1/n and the
// variance s2/n - (s1/n)^2 suffer no cancellation worth the name: the
// one pass of a normalisation's statistics. Each sum is within
// n*2^-53/(1-n*2^-53) of the sum of its terms' magnitudes of the exact
// one (paths sum in different orders), n = len(x).
func Moments[T Float](x []T, shift float64) (s1, s2 float64) {
	if is64[T]() {
		return impl64().moments(f64s(x), shift)
	}
	return impl32().moments(f32s(x), shift)
}

// AddColumnMoments adds a[i] to sum[i] and a[i]*(b[i] - shift) to dot[i],
// in float64, for every i: called once per row of two matrices of
// len(a) columns, it accumulates the column sums of a and of
// a*(b - shift), the reductions of a normalisation's backward pass. The
// product and its addition are one FMA (rounded once) after the
// subtraction. It panics unless sum, dot, a and b have the same length.
func AddColumnMoments[T Float](sum, dot []float64, a, b []T, shift float64) {
	checkSame("AddColumnMoments", []string{"sum", "dot", "a", "b"}, len(sum), len(dot), len(a), len(b))
	if is64[T]() {
		impl64().colMoments(sum, dot, f64s(a), f64s(b), shift)
		return
	}
	impl32().colMoments(sum, dot, f32s(a), f32s(b), shift)
}

// ScaleShift sets dst[i] = a[i]*s[i] + (b[i]*t + c) for every i: a
// normalisation's forward pass (a the input, s and b its per-column scale
// and offset, t = 1, c = 0) or backward pass (a the output gradient, b
// the input). Both sums are rounded once (FMAs) in T; in float32 the
// generic path rounds float64 FMAs instead, which differs by 1 ULP where
// that double rounding meets a tie. dst may be a or b. It panics unless
// the four slices have the same length.
func ScaleShift[T Float](dst, a, s, b []T, t, c T) {
	checkSame("ScaleShift", []string{"dst", "a", "s", "b"}, len(dst), len(a), len(s), len(b))
	if is64[T]() {
		impl64().scaleShift(f64s(dst), f64s(a), f64s(s), f64s(b), float64(t), float64(c))
		return
	}
	impl32().scaleShift(f32s(dst), f32s(a), f32s(s), f32s(b), float32(t), float32(c))
}
