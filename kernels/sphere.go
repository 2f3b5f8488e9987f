package kernels

// The sphere kernels work on rows of length d that lie on the unit sphere
// S^{d-1} (ToSphere produces them). Angles are computed as
//
//	theta = 2*atan2(|x-y|, |x+y|),
//
// which is accurate for every angle, unlike arccos(<x,y>), which loses half
// the digits near 0, exactly where flows end. No kernel divides by
// sin(theta): they use sinc(theta) = sin(theta)/theta, which is 1 at 0, so
// identical rows and rows at the corners of the orthant give exact, finite
// results. Antipodal rows (theta = pi) have no unique geodesic; they cannot
// occur on the positive orthant, and Slerp and LogMap give meaningless (but
// non-crashing) values for them.
//
// Error bounds are stated for unit rows with d*u < 0.01; components are
// measured in absolute terms since rows have unit norm.

// SphereDist sets dst[i] to the geodesic angle between row i of x and row i
// of y, 2*atan2(|x_i-y_i|, |x_i+y_i|), in [0, pi]; it is 0 exactly for
// identical rows. The relative error is at most (d + 8)*u. It panics unless
// d > 0, len(x) is a multiple of d, len(y) == len(x) and
// len(dst) == len(x)/d.
func SphereDist[T Float](dst, x, y []T, d int) {
	n := checkRows("SphereDist", "x", len(x), d)
	checkSame("SphereDist", []string{"x", "y"}, len(x), len(y))
	if len(dst) != n {
		panicf("SphereDist: len(dst)=%d != rows=%d (len(x)=%d, d=%d)", len(dst), n, len(x), d)
	}
	if is64[T]() {
		impl64().sphereDist(f64s(dst), f64s(x), f64s(y), d)
		return
	}
	impl32().sphereDist(f32s(dst), f32s(x), f32s(y), d)
}

// Slerp sets row i of dst to the point a fraction t[i] along the geodesic
// from row i of x0 to row i of x1:
//
//	dst = sin((1-t)theta)/sin(theta) * x0 + sin(t theta)/sin(theta) * x1,
//
// evaluated with sinc so that it is exact at t = 0 and t = 1 and for
// identical rows, where it returns x0. t outside [0, 1] extrapolates along
// the great circle. Each component has absolute error at most (d + 10)*u
// for t in [0, 1]. dst may alias x0 or x1. It panics unless d > 0, the
// lengths of dst, x0 and x1 are equal multiples of d and len(t) is the
// number of rows.
func Slerp[T Float](dst, x0, x1, t []T, d int) {
	n := checkRows("Slerp", "x0", len(x0), d)
	checkSame("Slerp", []string{"x0", "x1", "dst"}, len(x0), len(x1), len(dst))
	if len(t) != n {
		panicf("Slerp: len(t)=%d != rows=%d (len(x0)=%d, d=%d)", len(t), n, len(x0), d)
	}
	if is64[T]() {
		impl64().slerp(f64s(dst), f64s(x0), f64s(x1), f64s(t), d)
		return
	}
	impl32().slerp(f32s(dst), f32s(x0), f32s(x1), f32s(t), d)
}

// LogMap sets row i of dst to the tangent vector at row i of x that points
// along the geodesic towards row i of y, with norm equal to the angle theta
// between them (the inverse of ExpMap):
//
//	dst = ((y - x) + 2 sin^2(theta/2) x) / sinc(theta),
//
// the form of (y - cos(theta) x) * theta/sin(theta) that does not cancel when
// y is close to x. It is exactly zero for identical rows. Each component has
// absolute error at most (d + 10)*u. dst may alias x or y. It panics unless
// d > 0 and dst, x and y have equal lengths that are multiples of d.
func LogMap[T Float](dst, x, y []T, d int) {
	checkRows("LogMap", "x", len(x), d)
	checkSame("LogMap", []string{"x", "y", "dst"}, len(x), len(y), len(dst))
	if is64[T]() {
		impl64().logMap(f64s(dst), f64s(x), f64s(y), d)
		return
	}
	impl32().logMap(f32s(dst), f32s(x), f32s(y), d)
}

// ExpMap sets row i of dst to the point reached from row i of x by following
// the geodesic with initial velocity row i of v for unit time:
//
//	dst = cos(|v|) x + sinc(|v|) v.
//
// v should be tangent at x (see ProjectTangent); its normal component is not
// removed. ExpMap(x, 0) = x exactly, and ExpMap(x, LogMap(x, y)) returns y
// to within (2d + 20)*u per component. Each component has absolute error at
// most (d + 6)*u * max(1, |v|). A row of v with an Inf or NaN gives NaN.
// dst may alias x or v. It panics unless d > 0 and dst, x and v have equal
// lengths that are multiples of d.
func ExpMap[T Float](dst, x, v []T, d int) {
	checkRows("ExpMap", "x", len(x), d)
	checkSame("ExpMap", []string{"x", "v", "dst"}, len(x), len(v), len(dst))
	if is64[T]() {
		impl64().expMap(f64s(dst), f64s(x), f64s(v), d)
		return
	}
	impl32().expMap(f32s(dst), f32s(x), f32s(v), d)
}

// ProjectTangent sets row i of dst to the component of row i of v tangent
// to the sphere at row i of x: dst = v - <x, v> x. Each component has
// absolute error at most (d + 3)*u * |v|. dst may alias x or v. It panics
// unless d > 0 and dst, x and v have equal lengths that are multiples of d.
func ProjectTangent[T Float](dst, x, v []T, d int) {
	checkRows("ProjectTangent", "x", len(x), d)
	checkSame("ProjectTangent", []string{"x", "v", "dst"}, len(x), len(v), len(dst))
	if is64[T]() {
		impl64().projectTangent(f64s(dst), f64s(x), f64s(v), d)
		return
	}
	impl32().projectTangent(f32s(dst), f32s(x), f32s(v), d)
}

// PairwiseSphereDist sets dst[i*m+j] to the geodesic angle between row i of
// x and row j of y, where x has n rows and y has m rows: an n x m row-major
// matrix with the same formula and error bound as SphereDist. It panics
// unless d > 0, len(x) and len(y) are multiples of d and len(dst) = n*m.
func PairwiseSphereDist[T Float](dst, x, y []T, d int) {
	n := checkRows("PairwiseSphereDist", "x", len(x), d)
	m := checkRows("PairwiseSphereDist", "y", len(y), d)
	if len(dst) != n*m {
		panicf("PairwiseSphereDist: len(dst)=%d != %d*%d (rows of x * rows of y)", len(dst), n, m)
	}
	if is64[T]() {
		impl64().pairwiseSphereDist(f64s(dst), f64s(x), f64s(y), d)
		return
	}
	impl32().pairwiseSphereDist(f32s(dst), f32s(x), f32s(y), d)
}
