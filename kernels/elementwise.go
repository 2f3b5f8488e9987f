package kernels

// Sqrt sets dst[i] = sqrt(x[i]), correctly rounded (error <= 0.5 ULP).
// sqrt(-0) = -0, sqrt(+Inf) = +Inf, and negative x or NaN give NaN.
// dst may alias x. It panics if len(dst) != len(x).
func Sqrt[T Float](dst, x []T) {
	checkSame("Sqrt", []string{"dst", "x"}, len(dst), len(x))
	if is64[T]() {
		impl64().sqrt(f64s(dst), f64s(x))
		return
	}
	impl32().sqrt(f32s(dst), f32s(x))
}

// Square sets dst[i] = x[i]*x[i], correctly rounded (error <= 0.5 ULP).
// dst may alias x. It panics if len(dst) != len(x).
func Square[T Float](dst, x []T) {
	checkSame("Square", []string{"dst", "x"}, len(dst), len(x))
	if is64[T]() {
		impl64().square(f64s(dst), f64s(x))
		return
	}
	impl32().square(f32s(dst), f32s(x))
}

// Acos sets dst[i] = arccos(x[i]) in [0, pi]. Every path runs the same
// algorithm in T's arithmetic (SLEEF's asin polynomials, of float64 or of
// float32, with 2 asin(sqrt((1-x)/2)) for |x| >= 1/2, so acos(1-e) is as
// accurate as acos(0.5)) and returns the same bits. Error: float64 < 1 ULP
// (worst 0.72 ULP on 10^7 random inputs weighted towards ±1 and 0),
// float32 < 1 ULP (worst 0.68 ULP over every float32 input). acos(1) =
// 0 exactly; |x| > 1 and NaN give NaN. dst may alias x. It panics if
// len(dst) != len(x).
func Acos[T Float](dst, x []T) {
	checkSame("Acos", []string{"dst", "x"}, len(dst), len(x))
	if is64[T]() {
		impl64().acos(f64s(dst), f64s(x))
		return
	}
	impl32().acos(f32s(dst), f32s(x))
}

// Atan2 sets dst[i] = atan2(y[i], x[i]) in [-pi, pi], with the special
// values of math.Atan2 (signed zeros, infinities, NaN) and the quadrant
// right even where y/x underflows. Every path runs the same algorithm in
// T's arithmetic (min/max of |x| and |y|, SLEEF's atan polynomial of that
// precision, the quadrant's multiple of pi/2 added in two parts) and
// returns the same bits. Error < 2 ULP: float64 worst 1.44 ULP on 10^6
// random pairs; float32 worst 1.38 ULP (every float32 y against x = 1, -1
// and 0.75, and 10^6 random pairs).
// dst may alias x or y. It panics unless dst, y and x have equal lengths.
func Atan2[T Float](dst, y, x []T) {
	checkSame("Atan2", []string{"dst", "y", "x"}, len(dst), len(y), len(x))
	if is64[T]() {
		impl64().atan2(f64s(dst), f64s(y), f64s(x))
		return
	}
	impl32().atan2(f32s(dst), f32s(y), f32s(x))
}

// Sin sets dst[i] = sin(x[i]). Every path runs the same algorithm and
// returns the same bits: x = q pi/2 + r with r as a two-part number (pi/2
// in three parts, so r keeps its relative accuracy next to the multiples
// of pi/2), then sin or cos of r by polynomials. float64 reduces in
// float64 for |x| < 2^30 and runs fdlibm's kernels (error < 1 ULP: worst
// 0.70 ULP on random inputs, those next to multiples of pi/2 included),
// and uses the math package's reduction beyond (an absolute 2u: math.Sin
// keeps 64 bits of the reduced argument). float32 runs in float32 for |x|
// < 2^16, with its own polynomials evaluated on r's high part and r's low
// part added to first order before the last rounding (error < 2 ULP: worst
// 1.15 ULP over every float32 input), and rounds the float64 function's
// result beyond. sin(±0) = ±0; ±Inf and NaN give NaN. dst may alias x. It
// panics if len(dst) != len(x).
func Sin[T Float](dst, x []T) {
	checkSame("Sin", []string{"dst", "x"}, len(dst), len(x))
	if is64[T]() {
		impl64().sin(f64s(dst), f64s(x))
		return
	}
	impl32().sin(f32s(dst), f32s(x))
}

// Cos sets dst[i] = cos(x[i]) by the algorithm of Sin, with its error
// bounds (float64 worst 0.70 ULP for |x| < 2^30 on random inputs; float32
// worst 1.15 ULP over every float32 input). ±Inf and NaN give NaN. dst may
// alias x. It panics if len(dst) != len(x).
func Cos[T Float](dst, x []T) {
	checkSame("Cos", []string{"dst", "x"}, len(dst), len(x))
	if is64[T]() {
		impl64().cos(f64s(dst), f64s(x))
		return
	}
	impl32().cos(f32s(dst), f32s(x))
}

// Exp sets dst[i] = e^x[i]. Every path (generic, AVX2, AVX-512, NEON)
// runs the same polynomial algorithm and returns the same bits. Error:
// float64 < 1 ULP (worst 0.99 ULP on 10^7 random inputs); float32 < 2 ULP
// (worst 1.06 ULP over every float32 input; it runs in float32
// arithmetic). Results beyond the range of T give +Inf or 0, subnormal
// results round once, exp(-Inf) = 0 and NaN gives NaN. dst may alias x.
// It panics if len(dst) != len(x).
func Exp[T Float](dst, x []T) {
	checkSame("Exp", []string{"dst", "x"}, len(dst), len(x))
	if is64[T]() {
		impl64().exp(f64s(dst), f64s(x))
		return
	}
	impl32().exp(f32s(dst), f32s(x))
}

// Sigmoid sets dst[i] = 1/(1 + e^-x[i]), the logistic function, as
// num/(1 + e) with e = e^-|x[i]| by Exp's algorithm, num = 1 for x[i] >= 0
// and e for x[i] < 0 (so e never overflows), the sum and the quotient
// rounded once each; every path returns the same bits. Error < 3 ULP:
// float64 worst 2.25 ULP on 10^7 random inputs, float32 worst 2.40 ULP over
// every float32 input (Exp's error passes through the quotient undamped
// for x < 0, and the sum and the quotient add their roundings). Results lie in [0, 1]; sigmoid(+Inf) = 1,
// sigmoid(-Inf) = 0, results below the smallest subnormal are 0, and NaN
// gives NaN. dst may alias x. It panics if len(dst) != len(x).
func Sigmoid[T Float](dst, x []T) {
	checkSame("Sigmoid", []string{"dst", "x"}, len(dst), len(x))
	if is64[T]() {
		impl64().sigmoid(f64s(dst), f64s(x))
		return
	}
	impl32().sigmoid(f32s(dst), f32s(x))
}

// Log sets dst[i] = ln(x[i]). Every path returns the same bits (as for
// Exp). Error for every positive x, subnormals included: float64 < 1 ULP
// (fdlibm's algorithm; worst 0.50 ULP on 10^7 random inputs), float32
// < 2 ULP (Cephes' logf polynomial in float32; worst 0.83 ULP over every
// float32 input). log(±0) = -Inf, log(+Inf) =
// +Inf, and negative x or NaN give NaN. dst may alias x. It panics if
// len(dst) != len(x).
func Log[T Float](dst, x []T) {
	checkSame("Log", []string{"dst", "x"}, len(dst), len(x))
	if is64[T]() {
		impl64().log(f64s(dst), f64s(x))
		return
	}
	impl32().log(f32s(dst), f32s(x))
}
