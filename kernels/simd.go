package kernels

import "math"

// prims are the vector primitives a SIMD path provides (generated
// assembly); simdOps builds a full kernel table from them. The sphere
// kernels keep their per-row scalar work (angles, sinc, atan2) in Go, in
// float64, and hand the row loops to the primitives, so every SIMD path
// shares one implementation of the geometry.
type prims[T float32 | float64] struct {
	sqrt, square func(dst, x []T)
	dot          func(x, y []T) T
	axpy         func(alpha T, x, y []T)
	scale        func(alpha T, x []T)
	sum          func(x []T) T
	// sumSq and diffSumSq accumulate in float64 for both precisions.
	sumSq     func(x []T) float64
	diffSumSq func(x, y []T) (sm, sp float64)
	// divSqrt and divSquare compute in float64 and round once.
	divSqrt, divSquare func(dst, x []T, s float64)
	axpby              func(dst []T, a T, x []T, b T, y []T)
	logMapRow          func(dst, x, y []T, c, k T)
	// gemm is the GEMM micro-kernel, if the path has one.
	gemm microKernel[T]
}

// simdOps returns the generic table with every kernel the primitives
// cover replaced.
func simdOps[T float32 | float64](p prims[T]) *ops[T] {
	o := genericOps[T]()
	o.sqrt, o.square = p.sqrt, p.square
	o.dot, o.axpy, o.scale, o.sum = p.dot, p.axpy, p.scale, p.sum
	o.norm2 = func(x []T) T { return norm2Finish(x, p.sumSq(x)) }
	if p.gemm.fn != nil {
		o.gemm, o.gemmMK = blockedGemm(p.gemm, p.scale), p.gemm
	}

	o.toSphere = func(dst, x []T, d int) {
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
	o.sphereDist = func(dst, x, y []T, d int) { rowAngles(dst, x, y, d, angle) }
	o.pairwiseSphereDist = func(dst, x, y []T, d int) { pairAngles(dst, x, y, d, angle) }
	o.slerp = func(dst, x0, x1, t []T, d int) {
		slerpRows(dst, x0, x1, t, d, angle, func(out, a, b []T, ca, cb float64) {
			p.axpby(out, T(ca), a, T(cb), b)
		})
	}
	o.logMap = func(dst, x, y []T, d int) {
		for r := 0; r < len(x); r += d {
			a, b, out := x[r:r+d], y[r:r+d], dst[r:r+d]
			c, k := logMapCoefs(angle(a, b))
			p.logMapRow(out, a, b, T(c), T(k))
		}
	}
	o.expMap = func(dst, x, v []T, d int) {
		for r := 0; r < len(x); r += d {
			a, w, out := x[r:r+d], v[r:r+d], dst[r:r+d]
			n := math.Sqrt(p.sumSq(w))
			p.axpby(out, T(math.Cos(n)), a, T(sinc(n)), w)
		}
	}
	o.projectTangent = func(dst, x, v []T, d int) {
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
