package kernels

import (
	"math"
	"sync"
)

// spherePrims are a SIMD path's row kernels of the sphere maps. The sphere
// kernels compute their per-row scalars (angles, sines, norms) in float64,
// a block of rows at a time with the path's float64 vector functions
// (rows64), and hand the row loops to these kernels, so every SIMD path
// shares one implementation of the geometry.
type spherePrims[T float32 | float64] struct {
	// diffSumSq accumulates in float64 for both precisions.
	diffSumSq func(x, y []T) (sm, sp float64)
	// divSqrt computes sqrt(x[i]/s) in float64 and rounds once.
	divSqrt func(dst, x []T, s float64)
	// sumMin and rootQuot, if set, are ToSphere's fast row:
	// sum's sum with the smallest nonzero element, and sqrt(x/s) in T
	// with the quotient from y = 1/s and one FMA step.
	sumMin   func(x []T) (s, mn T)
	rootQuot func(dst, x []T, s, y T)
	// rootQuotStream, if set, is rootQuot with non-temporal stores to
	// dst, for outputs of streamBytes or more; fence (SFENCE) follows
	// its last call.
	rootQuotStream func(dst, x []T, s, y T)
	axpby          func(dst []T, a T, x []T, b T, y []T)
	logMapRow      func(dst, x, y []T, c, k T)
	// rows64 are the path's float64 vector functions, with which the row
	// kernels of both precisions compute their per-row scalars (angles,
	// sines) a block of rows at a time (simdPath sets it).
	rows64 *vec64
	// gemm64 is the same path's float64 GEMM, with which the float32
	// PairwiseSphereDist computes its products (simdPath sets it).
	gemm64 gemmFunc[float64]
}

// vec64 are float64 vector functions of a path (sin and cos wrapped by
// trigOp, so any finite argument works).
type vec64 struct {
	sqrt     func(dst, x []float64)
	atan2    func(dst, y, x []float64)
	sin, cos func(dst, x []float64)
}

// vec64Of returns the float64 vector functions of p.
func vec64Of(p *prims[float64]) *vec64 {
	return &vec64{sqrt: p.sqrt, atan2: p.atan2,
		sin: trigOp(p.sin, sinGeneric[float64]), cos: trigOp(p.cos, cosGeneric[float64])}
}

// simdMinRow is the row length below which the row kernels (ToSphere to
// ProjectTangent) do not run along rows: a row costs a few calls into
// assembly with masked tails, which short rows do not repay. Rows of
// d = 2..8 take the short-row kernels across rows where the path has them
// (composeShortRows, shortrow.go), the others the generic loops.
const simdMinRow = 12

// composeSphere sets o's sphere kernels (ToSphere, the distances and
// maps) to compositions of p's row kernels.
func composeSphere[T float32 | float64](o *ops[T], p *prims[T]) {
	g := genericOps[T]() // for rows shorter than simdMinRow
	o.toSphere = toSphereOf(p, g.toSphere)
	r := &sphereRows[T]{p: p, g: g, v64: p.rows64,
		bufs:     sync.Pool{New: func() any { return new(rowBuf) }},
		pairBufs: sync.Pool{New: func() any { return new(pairBuf) }}}
	o.sphereDist, o.pairwiseSphereDist = r.sphereDist, r.pairwiseSphereDist
	o.slerp, o.logMap, o.expMap, o.projectTangent = r.slerp, r.logMap, r.expMap, r.projectTangent
}

// toSphereOf returns ToSphere on p's row kernels (generic, the generic
// ToSphere, for rows shorter than simdMinRow).
func toSphereOf[T float32 | float64](p *prims[T], generic func(dst, x []T, d int)) func(dst, x []T, d int) {
	return func(dst, x []T, d int) {
		if d < simdMinRow {
			generic(dst, x, d)
			return
		}
		if p.rootQuot == nil {
			for r := 0; r < len(x); r += d {
				row, out := x[r:r+d], dst[r:r+d]
				if s := float64(p.sum(row)); s > 0 && s <= maxOf[T]() {
					p.divSqrt(out, row, s)
				} else {
					toSphereGeneric(out, row, d) // as below
				}
			}
			return
		}
		// A row in L2 is short enough for the Go around it to show: this
		// loop keeps the primitives in locals, tests each row once, and
		// sums each row one row ahead, so that the next row's loads
		// overlap this row's square roots (in float32; in float64 the
		// square roots dominate either way).
		sumMin, rootQuot, divSqrt := p.sumMin, p.rootQuot, p.divSqrt
		stream := p.rootQuotStream != nil && streams[T](len(dst))
		if stream {
			rootQuot = p.rootQuotStream
		}
		var nst, nmt T // the next row's sum and minimum
		if len(x) > 0 {
			nst, nmt = sumMin(x[:d])
		}
		for r := 0; r < len(x); r += d {
			row, out := x[r:r+d], dst[r:r+d]
			st, mt := nst, nmt
			s, mn := float64(st), float64(mt)
			if r+d < len(x) {
				// The next row's sums first, so that its loads
				// overlap this row's square roots.
				nst, nmt = sumMin(x[r+d : r+2*d])
			}
			switch {
			case !(s > 0 && s <= maxOf[T]()):
				// Zero, NaN or overflowing sums: the generic row
				// decides, so all paths agree on invalid rows.
				toSphereGeneric(out, row, d)
			case mn*(1/minNormalOf[T]()) >= s:
				// No quotient is below T's normal range (nor
				// negative), where T would lose relative
				// accuracy: divide and root in T. The test is
				// mn/s >= the smallest normal, scaled by a power
				// of two to stay exact and normal (mn >= 4 makes
				// the float64 product overflow to +Inf, and then
				// mn/s >= 4/MaxFloat64 holds). s*minNormal would
				// be subnormal for float64 rows summing to less
				// than 1, and cost each such row a microcode
				// assist.
				rootQuot(out, row, st, 1/st)
			default:
				divSqrt(out, row, s)
			}
		}
		if stream {
			p.fence()
		}
	}
}

// sphereRows are the sphere kernels that work a block of rows at a time
// (their scalars by the path's float64 vector functions v64), with their
// scratch pools, and g, the generic kernels for rows shorter than
// simdMinRow.
type sphereRows[T float32 | float64] struct {
	p              *prims[T]
	g              *ops[T]
	v64            *vec64
	bufs, pairBufs sync.Pool // *rowBuf, *pairBuf
}

// sphereDist is SphereDist: the angles of a block of rows at a time
// (blockAngles).
func (sr *sphereRows[T]) sphereDist(dst, x, y []T, d int) {
	p, g := sr.p, sr.g
	bufs := &sr.bufs
	v64 := sr.v64
	if d < simdMinRow {
		g.sphereDist(dst, x, y, d)
		return
	}
	b := bufs.Get().(*rowBuf)
	for r0 := 0; r0 < len(dst); r0 += angleRows {
		nb := min(angleRows, len(dst)-r0)
		for i, a := range blockAngles(v64, b, x, y, d, r0, nb, p.diffSumSq) {
			dst[r0+i] = T(a)
		}
	}
	bufs.Put(b)
}

// pairwiseSphereDist is PairwiseSphereDist (pairwise).
func (sr *sphereRows[T]) pairwiseSphereDist(dst, x, y []T, d int) {
	p, g := sr.p, sr.g
	pairBufs := &sr.pairBufs
	if d < simdMinRow {
		g.pairwiseSphereDist(dst, x, y, d)
		return
	}
	pairwise(p, pairBufs, dst, x, y, d)
}

// slerp is Slerp: a block of mapRows rows' angles, their three sines in
// one call, then the rows by axpby.
func (sr *sphereRows[T]) slerp(dst, x0, x1, t []T, d int) {
	p, g := sr.p, sr.g
	bufs := &sr.bufs
	v64 := sr.v64
	if d < simdMinRow {
		g.slerp(dst, x0, x1, t, d)
		return
	}
	b := bufs.Get().(*rowBuf)
	for r0 := 0; r0 < len(t); r0 += mapRows {
		nb := min(mapRows, len(t)-r0)
		theta := blockAngles(v64, b, x0, x1, d, r0, nb, p.diffSumSq)
		// The sines of theta, (1-t) theta and t theta, in one call.
		s := b.s[:3*nb]
		for i, th := range theta {
			tr := float64(t[r0+i])
			s[i], s[nb+i], s[2*nb+i] = th, (1-tr)*th, tr*th
		}
		v64.sin(s, s)
		for i, th := range theta {
			r, tr := (r0+i)*d, float64(t[r0+i])
			out, a, c := dst[r:r+d], x0[r:r+d], x1[r:r+d]
			if th == 0 {
				copy(out, a)
				continue
			}
			ca, cb := slerpCoefsOf(tr, th, s[i], s[nb+i], s[2*nb+i])
			p.axpby(out, T(ca), a, T(cb), c)
		}
	}
	bufs.Put(b)
}

// logMap is LogMap: a block of mapRows rows' angles and sines, then the
// rows by logMapRow.
func (sr *sphereRows[T]) logMap(dst, x, y []T, d int) {
	p, g := sr.p, sr.g
	bufs := &sr.bufs
	v64 := sr.v64
	if d < simdMinRow {
		g.logMap(dst, x, y, d)
		return
	}
	b := bufs.Get().(*rowBuf)
	n := len(x) / d
	for r0 := 0; r0 < n; r0 += mapRows {
		nb := min(mapRows, n-r0)
		theta := blockAngles(v64, b, x, y, d, r0, nb, p.diffSumSq)
		// logMapCoefs from the sines of theta/2 and theta.
		s := b.s[:2*nb]
		for i, th := range theta {
			s[i], s[nb+i] = th/2, th
		}
		v64.sin(s, s)
		for i, th := range theta {
			r := (r0 + i) * d
			c, k := logMapCoefsOf(th, s[i], s[nb+i])
			p.logMapRow(dst[r:r+d], x[r:r+d], y[r:r+d], T(c), T(k))
		}
	}
	bufs.Put(b)
}

// expMap is ExpMap: a block of mapRows rows' tangent norms, their cosines
// and sines, then the rows by axpby.
func (sr *sphereRows[T]) expMap(dst, x, v []T, d int) {
	p, g := sr.p, sr.g
	bufs := &sr.bufs
	v64 := sr.v64
	if d < simdMinRow {
		g.expMap(dst, x, v, d)
		return
	}
	b := bufs.Get().(*rowBuf)
	rows := len(x) / d
	for r0 := 0; r0 < rows; r0 += mapRows {
		nb := min(mapRows, rows-r0)
		nrm, cs, sn := b.a[:nb], b.b[:nb], b.s[:nb]
		for i := range nrm {
			r := (r0 + i) * d
			nrm[i] = p.sumSq(v[r : r+d])
		}
		v64.sqrt(nrm, nrm)
		v64.cos(cs, nrm)
		v64.sin(sn, nrm)
		for i, n := range nrm {
			r := (r0 + i) * d
			p.axpby(dst[r:r+d], T(cs[i]), x[r:r+d], T(sincOf(sn[i], n)), v[r:r+d])
		}
	}
	bufs.Put(b)
}

// projectTangent is ProjectTangent: each row by dot and axpby.
func (sr *sphereRows[T]) projectTangent(dst, x, v []T, d int) {
	p, g := sr.p, sr.g
	if d < simdMinRow {
		g.projectTangent(dst, x, v, d)
		return
	}
	for r := 0; r < len(x); r += d {
		a, w, out := x[r:r+d], v[r:r+d], dst[r:r+d]
		p.axpby(out, 1, w, -p.dot(a, w), a)
	}
}

// angleRows is the number of rows whose scalars the SIMD paths compute
// together: the scalar math.Atan2 and square roots of one row cost as much
// as its sums at d = 160, and Slerp's three sines more.
const angleRows = 64

// mapRows is the block of rows of the kernels that pass over their rows
// twice (Slerp, LogMap, ExpMap: the angles or norms, then the map): 16
// rows of d = 160 float64 are 40 KB, so the second pass reads them from
// L1; fewer rows slow Slerp down.
const mapRows = 16

// rowBuf is the scratch of a block of rows: its angles (or norms) and the
// arguments and values of its sines.
type rowBuf struct {
	a, b [angleRows]float64
	s    [3 * angleRows]float64
}

// angles turns the sums |x-y|^2, |x+y|^2 in b.a[:nb], b.b[:nb] into the
// angles 2*atan2(|x-y|, |x+y|) in b.a and returns them: angleFromSums by
// the vector Sqrt and Atan2 (within their 2 ULP).
func (v *vec64) angles(b *rowBuf, nb int) []float64 {
	sm, sp := b.a[:nb], b.b[:nb]
	v.sqrt(sm, sm)
	v.sqrt(sp, sp)
	v.atan2(sm, sm, sp)
	for i := range sm {
		sm[i] *= 2
	}
	return sm
}

// blockAngles fills b with the sums |x-y|^2, |x+y|^2 of rows r0..r0+nb
// and returns their angles (vec64.angles).
func blockAngles[T float32 | float64](v *vec64, b *rowBuf, x, y []T, d, r0, nb int, diffSumSq func(x, y []T) (sm, sp float64)) []float64 {
	for i := range nb {
		r := (r0 + i) * d
		b.a[i], b.b[i] = diffSumSq(x[r:r+d], y[r:r+d])
	}
	return v.angles(b, nb)
}

// pairTol is the fraction of |x|^2 + |y|^2 below which pairwise takes
// |x-y|^2 from the row sums rather than from the product: there the
// cancellation in |x|^2 + |y|^2 - 2<x,y> could cost more than the bound
// of SphereDist allows.
const pairTol = 1e-6

// pairBuf is pairwise's scratch: float64 copies of a float32 problem,
// the squared norms of their rows, and a block of inner products.
type pairBuf struct {
	x, y, nx, ny, g []float64
	rows            rowBuf
}

// pairwise is PairwiseSphereDist on the SIMD paths, the angles of a block
// of pairs at a time from their sums |x-y|^2, |x+y|^2 (vec64.angles).
// For float32 the sums come from float64 products, G = X Y^T by the
// float64 Gemm, as |x|^2 + |y|^2 -+ 2<x,y>: the float32 values are exact
// in float64, and where |x-y|^2 >= pairTol (|x|^2 + |y|^2) the
// cancellation error, at most about 4 d u64 (|x|^2 + |y|^2), is below
// 2^-20 of it, so the angle keeps SphereDist's bound (d + 8) u32; the
// other pairs (close ones, identical ones, and non-finite sums) take
// diffSumSq, as SphereDist does. For float64 there is no wider product
// to hide the cancellation in, and every pair takes diffSumSq.
func pairwise[T float32 | float64](p *prims[T], bufs *sync.Pool, dst, x, y []T, d int) {
	n, m := len(x)/d, len(y)/d
	b := bufs.Get().(*pairBuf)
	defer bufs.Put(b)
	rb := &b.rows
	gemm := !is64[T]() && n*m > 0
	if gemm {
		b.x, b.y = grow(b.x, n*d), grow(b.y, m*d)
		b.nx, b.ny = grow(b.nx, n), grow(b.ny, m)
		for i, v := range x {
			b.x[i] = float64(v)
		}
		for i, v := range y {
			b.y[i] = float64(v)
		}
		for i := range b.nx {
			b.nx[i] = p.sumSq(x[i*d : (i+1)*d])
		}
		for j := range b.ny {
			b.ny[j] = p.sumSq(y[j*d : (j+1)*d])
		}
	}
	// Rows of x in blocks whose products fit in L2 (512 KB).
	block := min(n, max(16, (1<<16)/max(m, 1)))
	v64 := p.rows64
	for i0 := 0; i0 < n; i0 += block {
		nb := min(block, n-i0)
		if gemm {
			b.g = grow(b.g, nb*m)
			p.gemm64(false, true, nb, m, d, 1, b.x[i0*d:], d, b.y, d, 0, b.g, m)
		}
		for i := i0; i < i0+nb; i++ {
			xi, out := x[i*d:(i+1)*d], dst[i*m:(i+1)*m]
			for j0 := 0; j0 < m; j0 += angleRows {
				nj := min(angleRows, m-j0)
				for j := j0; j < j0+nj; j++ {
					if gemm {
						s := b.nx[i] + b.ny[j]
						g2 := 2 * b.g[(i-i0)*m+j]
						if sm, sp := s-g2, s+g2; sm > pairTol*s && sp <= math.MaxFloat64 {
							rb.a[j-j0], rb.b[j-j0] = sm, sp
							continue
						}
					}
					rb.a[j-j0], rb.b[j-j0] = p.diffSumSq(xi, y[j*d:(j+1)*d])
				}
				for k, a := range v64.angles(rb, nj) {
					out[j0+k] = T(a)
				}
			}
		}
	}
}
