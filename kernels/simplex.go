package kernels

// ToSphere maps probability rows onto the positive orthant of the unit
// sphere: each row of p (length d) is divided by its sum and square-rooted,
//
//	dst[i] = sqrt(p[i] / sum_j p[j]),
//
// so the row has unit Euclidean norm, and rows that do not sum to exactly 1
// are renormalised. A one-hot row (a corner of the simplex) maps to itself
// exactly. Each element has relative error at most (d/2 + 2)*u.
//
// A row whose sum is not positive and finite (all zeros, an Inf or a NaN)
// becomes all NaN; a negative entry in an otherwise valid row gives NaN in
// that entry. dst may alias p. It panics unless d > 0, len(p) is a multiple
// of d, and len(dst) == len(p).
func ToSphere[T Float](dst, p []T, d int) {
	checkRows("ToSphere", "p", len(p), d)
	checkSame("ToSphere", []string{"dst", "p"}, len(dst), len(p))
	if is64[T]() {
		impl64().toSphere(f64s(dst), f64s(p), d)
		return
	}
	impl32().toSphere(f32s(dst), f32s(p), d)
}

// ToSimplex maps rows back to the probability simplex: each row of x
// (length d) is squared and divided by its sum of squares,
//
//	dst[i] = x[i]^2 / sum_j x[j]^2,
//
// so the row sums to 1 whatever its norm. Intermediate squares never
// overflow or underflow to a wrong result (the row is rescaled by a power of
// two when needed). Each element has relative error at most (d + 2)*u.
//
// A row of zeros, or with an Inf or NaN entry, becomes all NaN. dst may alias
// x. It panics unless d > 0, len(x) is a multiple of d, and
// len(dst) == len(x).
func ToSimplex[T Float](dst, x []T, d int) {
	checkRows("ToSimplex", "x", len(x), d)
	checkSame("ToSimplex", []string{"dst", "x"}, len(dst), len(x))
	if is64[T]() {
		impl64().toSimplex(f64s(dst), f64s(x), d)
		return
	}
	impl32().toSimplex(f32s(dst), f32s(x), d)
}
