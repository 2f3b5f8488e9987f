package kernels

import "math"

// prims are the vector primitives a SIMD path provides (generated
// assembly); simdOps builds a full kernel table from them. The sphere
// kernels keep their per-row scalar work (angles, sinc, atan2) in Go, in
// float64, and hand the row loops to the primitives, so every SIMD path
// shares one implementation of the geometry.
type prims[T float32 | float64] struct {
	sqrt, square func(dst, x []T)
	exp, log     func(dst, x []T)
	acos         func(dst, x []T)
	atan2        func(dst, y, x []T)
	// sin and cos compute the elements below vmTrigLimit (vmTrigLimit32
	// for float32), copy larger finite ones to dst unchanged and then
	// report true.
	sin, cos func(dst, x []T) (big bool)

	dot   func(x, y []T) T
	axpy  func(alpha T, x, y []T)
	scale func(alpha T, x []T)
	sum   func(x []T) T
	// sumSq and diffSumSq accumulate in float64 for both precisions.
	sumSq     func(x []T) float64
	diffSumSq func(x, y []T) (sm, sp float64)
	// divSqrt and divSquare compute in float64 and round once.
	divSqrt, divSquare func(dst, x []T, s float64)
	axpby              func(dst []T, a T, x []T, b T, y []T)
	logMapRow          func(dst, x, y []T, c, k T)
	// scaleNeg and adamW, if set, are the leaky-ReLU scaling and the
	// AdamW step; adamW does whole vectors only and returns how many
	// elements it left.
	scaleNeg func(dst, src, x []T, s T)
	adamW    func(w, g []T, m, v []float64, b1, c1, b2, c2, decay, sb, eb float64) (rest int)
	// gemm is the GEMM micro-kernel, if the path has one.
	gemm microKernel[T]
}

// simdMinRow is the row length below which the row kernels (ToSphere to
// ProjectTangent) run the generic loops on every path: a row costs the
// SIMD paths a few calls into assembly with masked tails, which short
// rows do not repay. Measured here (ToSphere + SphereDist +
// ProjectTangent, float32, AVX-512 and AVX2 against generic): d=4 0.57x
// and 0.74x, d=8 0.87x and 1.09x, d=12 1.01x and 1.23x, d=16 1.31x and
// 1.53x.
const simdMinRow = 12

// simdOps returns the generic table with every kernel the primitives
// cover replaced.
func simdOps[T float32 | float64](p prims[T]) *ops[T] {
	o := genericOps[T]()
	g := genericOps[T]() // for rows shorter than simdMinRow
	o.sqrt, o.square = p.sqrt, p.square
	if p.exp != nil {
		o.exp, o.log = p.exp, p.log
	}
	if p.acos != nil {
		o.acos, o.atan2 = p.acos, p.atan2
	}
	if p.sin != nil {
		o.sin, o.cos = trigOp(p.sin, sinGeneric[T]), trigOp(p.cos, cosGeneric[T])
	}
	o.dot, o.axpy, o.scale, o.sum = p.dot, p.axpy, p.scale, p.sum
	o.norm2 = func(x []T) T { return norm2Finish(x, p.sumSq(x)) }
	if p.scaleNeg != nil {
		o.scaleNeg = p.scaleNeg
	}
	if p.adamW != nil {
		o.adamW = func(w, g []T, m, v []float64, c [7]float64) {
			n := len(w) - p.adamW(w, g, m, v, c[0], c[1], c[2], c[3], c[4], c[5], c[6])
			adamWGeneric(w[n:], g[n:], m[n:], v[n:], c)
		}
	}
	if p.gemm.fn != nil {
		o.gemm, o.gemmMK = blockedGemm(p.gemm, p.scale), p.gemm
	}

	o.toSphere = func(dst, x []T, d int) {
		if d < simdMinRow {
			g.toSphere(dst, x, d)
			return
		}
		for r := 0; r < len(x); r += d {
			row, out := x[r:r+d], dst[r:r+d]
			s := float64(p.sum(row))
			if !(s > 0 && s <= maxOf[T]()) {
				// Zero, NaN or overflowing sums: the generic row
				// decides, so all paths agree on invalid rows.
				toSphereGeneric(out, row, d)
				continue
			}
			p.divSqrt(out, row, s)
		}
	}
	o.toSimplex = func(dst, x []T, d int) {
		if d < simdMinRow {
			g.toSimplex(dst, x, d)
			return
		}
		for r := 0; r < len(x); r += d {
			row, out := x[r:r+d], dst[r:r+d]
			s := p.sumSq(row)
			if !(s >= 0x1p-968 && s <= math.MaxFloat64) {
				toSimplexGeneric(out, row, d) // needs rescaling, or invalid
				continue
			}
			p.divSquare(out, row, s)
		}
	}

	angle := func(x, y []T) float64 { return angleFromSums(p.diffSumSq(x, y)) }
	o.sphereDist = func(dst, x, y []T, d int) {
		if d < simdMinRow {
			g.sphereDist(dst, x, y, d)
			return
		}
		rowAngles(dst, x, y, d, angle)
	}
	o.pairwiseSphereDist = func(dst, x, y []T, d int) {
		if d < simdMinRow {
			g.pairwiseSphereDist(dst, x, y, d)
			return
		}
		pairAngles(dst, x, y, d, angle)
	}
	o.slerp = func(dst, x0, x1, t []T, d int) {
		if d < simdMinRow {
			g.slerp(dst, x0, x1, t, d)
			return
		}
		slerpRows(dst, x0, x1, t, d, angle, func(out, a, b []T, ca, cb float64) {
			p.axpby(out, T(ca), a, T(cb), b)
		})
	}
	o.logMap = func(dst, x, y []T, d int) {
		if d < simdMinRow {
			g.logMap(dst, x, y, d)
			return
		}
		for r := 0; r < len(x); r += d {
			a, b, out := x[r:r+d], y[r:r+d], dst[r:r+d]
			c, k := logMapCoefs(angle(a, b))
			p.logMapRow(out, a, b, T(c), T(k))
		}
	}
	o.expMap = func(dst, x, v []T, d int) {
		if d < simdMinRow {
			g.expMap(dst, x, v, d)
			return
		}
		for r := 0; r < len(x); r += d {
			a, w, out := x[r:r+d], v[r:r+d], dst[r:r+d]
			n := math.Sqrt(p.sumSq(w))
			p.axpby(out, T(math.Cos(n)), a, T(sinc(n)), w)
		}
	}
	o.projectTangent = func(dst, x, v []T, d int) {
		if d < simdMinRow {
			g.projectTangent(dst, x, v, d)
			return
		}
		for r := 0; r < len(x); r += d {
			a, w, out := x[r:r+d], v[r:r+d], dst[r:r+d]
			p.axpby(out, 1, w, -p.dot(a, w), a)
		}
	}
	return o
}

// maxOf returns the largest finite value of T.
func maxOf[T float32 | float64]() float64 {
	if is64[T]() {
		return math.MaxFloat64
	}
	return math.MaxFloat32
}

// trigOp runs the SIMD sin or cos kernel, which leaves the finite
// elements at or beyond the reduction's limit (vmTrigLimit, or
// vmTrigLimit32 for float32) in dst as they were in x (and says so), then
// computes those with the generic function (the same algorithm beyond the
// limit). No sin or cos is that large, so they are found in dst even when
// dst aliases x.
func trigOp[T float32 | float64](simd func(dst, x []T) bool, generic func(dst, x []T)) func(dst, x []T) {
	limit := vmTrigLimit
	if !is64[T]() {
		limit = vmTrigLimit32
	}
	return func(dst, x []T) {
		if !simd(dst, x) {
			return
		}
		for i, v := range dst[:len(x)] {
			if a := math.Abs(float64(v)); a >= limit && a <= math.MaxFloat64 {
				generic(dst[i:i+1], dst[i:i+1])
			}
		}
	}
}
