package kernels

import "math"

// angle returns 2*atan2(|x-y|, |x+y|), accumulated in float64.
func angle[T float32 | float64](x, y []T) float64 {
	y = y[:len(x)]
	var sm, sp float64
	for i, v := range x {
		a, b := float64(v), float64(y[i])
		dm, dp := a-b, a+b
		sm += dm * dm
		sp += dp * dp
	}
	return angleFromSums(sm, sp)
}

// angleFromSums returns 2*atan2(sqrt(sm), sqrt(sp)), the angle between two
// rows from |x-y|^2 and |x+y|^2 (both >= 0: no quadrant issue).
func angleFromSums(sm, sp float64) float64 {
	return 2 * math.Atan2(math.Sqrt(sm), math.Sqrt(sp))
}

func sphereDistGeneric[T float32 | float64](dst, x, y []T, d int) {
	rowAngles(dst, x, y, d, angle[T])
}

func pairwiseSphereDistGeneric[T float32 | float64](dst, x, y []T, d int) {
	pairAngles(dst, x, y, d, angle[T])
}

// rowAngles sets dst[i] to the angle between row i of x and of y.
func rowAngles[T float32 | float64](dst, x, y []T, d int, angle func(x, y []T) float64) {
	for i := range dst {
		dst[i] = T(angle(x[i*d:(i+1)*d], y[i*d:(i+1)*d]))
	}
}

// pairAngles sets dst[i*m+j] to the angle between row i of x and row j of y.
func pairAngles[T float32 | float64](dst, x, y []T, d int, angle func(x, y []T) float64) {
	m := len(y) / d
	for i := 0; i < len(x)/d; i++ {
		xi, out := x[i*d:(i+1)*d], dst[i*m:(i+1)*m]
		for j := range out {
			out[j] = T(angle(xi, y[j*d:(j+1)*d]))
		}
	}
}

func slerpGeneric[T float32 | float64](dst, x0, x1, t []T, d int) {
	slerpRows(dst, x0, x1, t, d, angle[T], func(out, a, b []T, ca, cb float64) {
		for i := range out {
			out[i] = T(ca*float64(a[i]) + cb*float64(b[i]))
		}
	})
}

// slerpRows is the generic Slerp driver: per row, the angle, then
// out = ca*x0 + cb*x1 by combine (identical rows copy x0 exactly).
func slerpRows[T float32 | float64](dst, x0, x1, t []T, d int, angle func(x, y []T) float64, combine func(out, a, b []T, ca, cb float64)) {
	for r, tr := range t {
		a, b, out := x0[r*d:(r+1)*d], x1[r*d:(r+1)*d], dst[r*d:(r+1)*d]
		theta := angle(a, b)
		if theta == 0 {
			copy(out, a)
			continue
		}
		ca, cb := slerpCoefs(float64(tr), theta)
		combine(out, a, b, ca, cb)
	}
}

func logMapGeneric[T float32 | float64](dst, x, y []T, d int) {
	for r := 0; r < len(x); r += d {
		a, b, out := x[r:r+d], y[r:r+d], dst[r:r+d]
		c, k := logMapCoefs(angle(a, b))
		for i := range out {
			av := float64(a[i])
			out[i] = T(((float64(b[i]) - av) + c*av) * k)
		}
	}
}

func expMapGeneric[T float32 | float64](dst, x, v []T, d int) {
	for r := 0; r < len(x); r += d {
		a, w, out := x[r:r+d], v[r:r+d], dst[r:r+d]
		var s float64
		for _, f := range w {
			s += float64(f) * float64(f)
		}
		n := math.Sqrt(s)
		cs, sc := math.Cos(n), sinc(n)
		for i := range out {
			out[i] = T(cs*float64(a[i]) + sc*float64(w[i]))
		}
	}
}

func projectTangentGeneric[T float32 | float64](dst, x, v []T, d int) {
	for r := 0; r < len(x); r += d {
		a, w, out := x[r:r+d], v[r:r+d], dst[r:r+d]
		var p float64
		for i, f := range w {
			p += float64(a[i]) * float64(f)
		}
		for i := range out {
			out[i] = T(float64(w[i]) - p*float64(a[i]))
		}
	}
}

// slerpCoefs returns the weights of x0 and x1 at fraction t of a geodesic
// of angle theta > 0: sin((1-t)theta)/sin(theta) and sin(t theta)/sin(theta),
// through sinc so that nothing divides by a small sine.
func slerpCoefs(t, theta float64) (ca, cb float64) {
	return slerpCoefsOf(t, theta, math.Sin(theta), math.Sin((1-t)*theta), math.Sin(t*theta))
}

// slerpCoefsOf is slerpCoefs from the sines of theta, (1-t) theta and
// t theta.
func slerpCoefsOf(t, theta, s, s0, s1 float64) (ca, cb float64) {
	sc := sincOf(s, theta)
	return (1 - t) * sincOf(s0, (1-t)*theta) / sc, t * sincOf(s1, t*theta) / sc
}

// logMapCoefs returns c = 1 - cos(theta), computed as 2 sin^2(theta/2)
// without cancellation, and k = theta/sin(theta) = 1/sinc(theta).
func logMapCoefs(theta float64) (c, k float64) {
	return logMapCoefsOf(theta, math.Sin(theta/2), math.Sin(theta))
}

// logMapCoefsOf is logMapCoefs from the sines of theta/2 (h) and theta.
func logMapCoefsOf(theta, h, s float64) (c, k float64) {
	return 2 * h * h, 1 / sincOf(s, theta)
}

// sinc returns sin(x)/x, with sinc(0) = 1. sin(x)/x is accurate to a few
// ULP for every x != 0 (for tiny x, sin(x) rounds to x and the ratio to 1),
// so no Taylor branch is needed.
func sinc(x float64) float64 { return sincOf(math.Sin(x), x) }

// sincOf returns sin(x)/x from s = sin(x), and 1 at x = 0: sinc, for
// callers that computed the sine already (the SIMD sphere kernels, a block
// of rows at a time).
func sincOf(s, x float64) float64 {
	if x == 0 {
		return 1
	}
	return s / x
}
