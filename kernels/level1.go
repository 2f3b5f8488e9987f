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

// ScaleNeg sets dst[i] = src[i]*s where x[i] < 0 and src[i] elsewhere
// (a NaN x[i] counts as not negative): the forward pass of a leaky ReLU
// with slope s is ScaleNeg(y, x, x, s), its backward pass ScaleNeg(dx, dy,
// x, s). The product is correctly rounded (error <= 0.5 ULP), and every
// path returns the same bits. dst may alias src or x. It panics if the
// lengths differ.
func ScaleNeg[T Float](dst, src, x []T, s T) {
	checkSame("ScaleNeg", []string{"dst", "src", "x"}, len(dst), len(src), len(x))
	if is64[T]() {
		impl64().scaleNeg(f64s(dst), f64s(src), f64s(x), float64(s))
		return
	}
	impl32().scaleNeg(f32s(dst), f32s(src), f32s(x), float32(s))
}

// AdamWCoeffs are the coefficients of one AdamW step at step t (from 1)
// with learning rate lr and weight decay wd, as torch.optim.AdamW
// computes them.
type AdamWCoeffs struct {
	Beta1, Beta2 float64 // the moments' decay rates
	Eps          float64 // added to the root of the second moment
	Decay        float64 // the weights' factor, 1 - lr*wd
	Step         float64 // lr / (1 - Beta1^t)
	BiasCorr2    float64 // sqrt(1 - Beta2^t)
}

// AdamW applies one step of AdamW to the weights w, with the gradients g
// and the first and second moments m and v, which it updates. The moments
// and the arithmetic are float64 in both precisions:
//
//	m = Beta1*m + (1-Beta1)*g
//	v = Beta2*v + (1-Beta2)*g*g
//	w = w*Decay - (Step*BiasCorr2)*m / (sqrt(v) + Eps*BiasCorr2)
//
// which is torch's w*Decay - Step*m/(sqrt(v)/BiasCorr2 + Eps) with one
// division instead of two. Every operation is rounded separately (no
// FMA) in the same order on every path, so every path returns the same
// bits; the float32 weights are rounded once, at the end. It panics if
// the lengths differ.
func AdamW[T Float](w, g []T, m, v []float64, c AdamWCoeffs) {
	checkSame("AdamW", []string{"w", "g", "m", "v"}, len(w), len(g), len(m), len(v))
	cs := [7]float64{c.Beta1, 1 - c.Beta1, c.Beta2, 1 - c.Beta2, c.Decay, c.Step * c.BiasCorr2, c.Eps * c.BiasCorr2}
	if is64[T]() {
		impl64().adamW(f64s(w), f64s(g), m, v, cs)
		return
	}
	impl32().adamW(f32s(w), f32s(g), m, v, cs)
}
