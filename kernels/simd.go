package kernels

import (
	"math"
	"sync"
	"unsafe"

	"github.com/fisherflow/fisherflow/internal/cpu"
)

// prims are the vector primitives a SIMD path provides (generated
// assembly); simdOps builds a full kernel table from them. The sphere
// kernels compute their per-row scalars (angles, sines, norms) in float64,
// 64 rows at a time with the path's float64 vector functions (rows64), and
// hand the row loops to the primitives, so every SIMD path shares one
// implementation of the geometry. One row at a time with math.Atan2 and
// math.Sin, those scalars had cost SphereDist, LogMap and Slerp half their
// time at d = 160.
type prims[T float32 | float64] struct {
	sqrt, square func(dst, x []T)
	// sqrtStream and squareStream, if set, are sqrt and square with
	// non-temporal stores, for outputs of streamBytes or more (see
	// rootQuotStream).
	sqrtStream, squareStream func(dst, x []T)
	exp, log                 func(dst, x []T)
	sigmoid                  func(dst, x []T)
	relax                    func(dst, old []T, w T)
	gibbs                    func(dst, x []T, a T)
	acos                     func(dst, x []T)
	atan2                    func(dst, y, x []T)
	// sin and cos compute the elements below vmTrigLimit (vmTrigLimit32
	// for float32), copy larger finite ones to dst unchanged and then
	// report true.
	sin, cos func(dst, x []T) (big bool)

	dot   func(x, y []T) T
	axpy  func(alpha T, x, y []T)
	scale func(alpha T, x []T)
	sum   func(x []T) T
	// dot4 and axpy4, if set, are the four-row dot and axpy (otherwise
	// composed from dot and axpy); their callers check the lengths.
	dot4  func(x0, x1, x2, x3, y []T) (r0, r1, r2, r3 T)
	axpy4 func(a0, a1, a2, a3 T, x0, x1, x2, x3, y []T)
	// sumSq and diffSumSq accumulate in float64 for both precisions.
	sumSq     func(x []T) float64
	diffSumSq func(x, y []T) (sm, sp float64)
	// divSqrt and divSquare compute in float64 and round once.
	divSqrt, divSquare func(dst, x []T, s float64)
	// sumMin and rootQuot, if set, are ToSphere's fast row:
	// sum's sum with the smallest nonzero element, and sqrt(x/s) in T
	// with the quotient from y = 1/s and one FMA step.
	sumMin   func(x []T) (s, mn T)
	rootQuot func(dst, x []T, s, y T)
	// rootQuotStream, if set, is rootQuot with non-temporal stores to
	// dst, for outputs of streamBytes or more; fence (SFENCE) follows
	// its last call.
	rootQuotStream func(dst, x []T, s, y T)
	fence          func()
	axpby          func(dst []T, a T, x []T, b T, y []T)
	logMapRow      func(dst, x, y []T, c, k T)
	// scaleNeg and adamW, if set, are the leaky-ReLU scaling and the
	// AdamW step; adamW does whole vectors only and returns how many
	// elements it left.
	scaleNeg func(dst, src, x []T, s T)
	adamW    func(w, g []T, m, v []float64, b1, c1, b2, c2, decay, sb, eb float64) (rest int)
	// moments, colMoments and scaleShift, if set, are the normalisation
	// primitives (Moments, AddColumnMoments, ScaleShift) over whole
	// vectors, returning how many elements are left.
	moments    func(x []T, shift float64) (s1, s2 float64, rest int)
	colMoments func(sum, dot []float64, a, b []T, shift float64) (rest int)
	scaleShift func(dst, a, s, b []T, t, c T) (rest int)
	// gemm is the GEMM micro-kernel, if the path has one.
	gemm microKernel[T]
	// gemm64 is the same path's float64 GEMM, with which the float32
	// PairwiseSphereDist computes its products (simdPath sets it).
	gemm64 gemmFunc[float64]
	// rows64 are the path's float64 vector functions, with which the row
	// kernels of both precisions compute their per-row scalars (angles,
	// sines) a block of rows at a time.
	rows64 *vec64
}

// vec64 are float64 vector functions of a path (sin and cos wrapped by
// trigOp, so any finite argument works).
type vec64 struct {
	sqrt     func(dst, x []float64)
	atan2    func(dst, y, x []float64)
	sin, cos func(dst, x []float64)
}

// angleRows is the number of rows whose scalars the SIMD paths compute
// together: the scalar math.Atan2 and square roots of one row cost as much
// as its sums at d = 160, and Slerp's three sines more.
const angleRows = 64

// mapRows is the block of rows of the kernels that pass over their rows
// twice (Slerp, LogMap, ExpMap: the angles or norms, then the map): 16
// rows of d = 160 float64 are 40 KB, so the second pass reads them from
// L1. Against blocks of angleRows, at 4096 x 160: ExpMap 57-60 -> 63-70
// GB/s (both precisions), Slerp and LogMap within noise (8 rows: float32
// Slerp 15% slower).
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

// streamBytes is the output size from which ToSphere, Sqrt and Square
// write by non-temporal stores (prims.rootQuotStream, sqrtStream,
// squareStream): the L3 cache's, or 32 MiB where the CPU does not report
// it (the Zen 5 VMs this was measured on hide theirs; Zen 5 has 32 MiB a
// CCD). Beyond the caches an ordinary store first reads its line
// (write-allocate), so a row map moves 24 bytes a float64 element instead
// of 16. Measured there on 2^24 elements of simplex rows (d = 160, one
// thread, 18 alternated rounds in one process): ToSphere float64 36.6 ->
// 40.3 GB/s, float32 39.8 -> 41.3 (median ratios 1.078 and 1.043); Sqrt
// and Square (one pass) ran 15-38% faster. On outputs that fit the caches
// the stores would evict what the caller reads next, hence the threshold.
var streamBytes = func() int {
	if l3 := cpu.Describe().Caches.L3; l3 > 0 {
		return l3
	}
	return 32 << 20
}()

// streams reports whether an output of n elements of T is written by
// non-temporal stores (at least streamBytes long).
func streams[T float32 | float64](n int) bool {
	var z T
	return n*int(unsafe.Sizeof(z)) >= streamBytes
}

// streamed returns f, or for outputs of streamBytes or more, s followed by
// fence, if s is set.
func streamed[T float32 | float64](f, s func(dst, x []T), fence func()) func(dst, x []T) {
	if s == nil {
		return f
	}
	return func(dst, x []T) {
		if !streams[T](len(x)) {
			f(dst, x)
			return
		}
		s(dst, x)
		fence()
	}
}

// simdMinRow is the row length below which the row kernels (ToSphere to
// ProjectTangent) run the generic loops on every path: a row costs the
// SIMD paths a few calls into assembly with masked tails, which short
// rows do not repay. Measured here (ToSphere + SphereDist +
// ProjectTangent, float32, AVX-512 and AVX2 against generic): d=4 0.57x
// and 0.74x, d=8 0.87x and 1.09x, d=12 1.01x and 1.23x, d=16 1.31x and
// 1.53x.
const simdMinRow = 12

// simdPath returns the path of the given primitives. The float32 table's
// pairwise products take the float64 GEMM of the same path, so a forced
// path never reaches another path's kernels.
func simdPath(name string, supported func() bool, p32 prims[float32], p64 prims[float64]) *path {
	f64 := simdOps(p64)
	p32.gemm64 = f64.gemm
	return &path{name: name, supported: supported, f32: simdOps(p32), f64: f64}
}

// simdOps returns the generic table with every kernel the primitives
// cover replaced.
func simdOps[T float32 | float64](p prims[T]) *ops[T] {
	o := genericOps[T]()
	g := genericOps[T]() // for rows shorter than simdMinRow
	o.sqrt, o.square = streamed(p.sqrt, p.sqrtStream, p.fence), streamed(p.square, p.squareStream, p.fence)
	if p.exp != nil {
		o.exp, o.log, o.sigmoid, o.relax, o.gibbs = p.exp, p.log, p.sigmoid, p.relax, p.gibbs
	}
	if p.acos != nil {
		o.acos, o.atan2 = p.acos, p.atan2
	}
	if p.sin != nil {
		o.sin, o.cos = trigOp(p.sin, sinGeneric[T]), trigOp(p.cos, cosGeneric[T])
	}
	o.dot, o.axpy, o.scale, o.sum = p.dot, p.axpy, p.scale, p.sum
	o.dot4, o.axpy4 = dot4Of(p.dot), axpy4Of(p.axpy)
	o.colSums = newColSums(p.axpy)
	if p.dot4 != nil {
		o.dot4, o.axpy4 = p.dot4, p.axpy4
	}
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
	if p.moments != nil {
		o.moments = func(x []T, shift float64) (float64, float64) {
			s1, s2, rest := p.moments(x, shift)
			t1, t2 := momentsGeneric(x[len(x)-rest:], shift)
			return s1 + t1, s2 + t2
		}
	}
	if p.colMoments != nil {
		o.colMoments = func(sum, dot []float64, a, b []T, shift float64) {
			n := len(a) - p.colMoments(sum, dot, a, b, shift)
			colMomentsGeneric(sum[n:], dot[n:], a[n:], b[n:], shift)
		}
	}
	if p.scaleShift != nil {
		o.scaleShift = func(dst, a, s, b []T, t, c T) {
			n := len(dst) - p.scaleShift(dst, a, s, b, t, c)
			scaleShiftGeneric(dst[n:], a[n:], s[n:], b[n:], t, c)
		}
	}
	if p.gemm.fn != nil {
		bg := newBlocked(p.gemm, p.scale)
		o.gemm, o.gemmMK, o.conv = bg.gemm, p.gemm, bg.conv
	}

	o.toSphere = func(dst, x []T, d int) {
		if d < simdMinRow {
			g.toSphere(dst, x, d)
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
		// A row of d = 160 float32 in L2 takes about 20 ns, so the Go
		// around it shows: this loop keeps the primitives in locals and
		// tests each row once (3-5% faster in L2 than one loop for both
		// kinds of path with the fields and nil tests in it), and sums
		// each row one row ahead (12-14% faster again in float32, as
		// fast as a loop of direct calls). In float64 a row's map (20
		// VSQRTPD, 43 ns at d = 160) and its sums (9.5 ns) do not overlap
		// either way, nor when a scratch kernel interleaved them vector
		// by vector: a row costs its square roots plus its sums.
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
				// mn/s >= 4/MaxFloat64 holds). As s*minNormal it
				// was subnormal for float64 rows summing to less
				// than 1, and each such row took a microcode
				// assist: ToSphere f64 ran 11% slower on simplex
				// rows than on rows summing to 80.
				rootQuot(out, row, st, 1/st)
			default:
				divSqrt(out, row, s)
			}
		}
		if stream {
			p.fence()
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

	bufs := sync.Pool{New: func() any { return new(rowBuf) }}
	pairBufs := sync.Pool{New: func() any { return new(pairBuf) }}
	v64 := p.rows64
	o.sphereDist = func(dst, x, y []T, d int) {
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
	o.pairwiseSphereDist = func(dst, x, y []T, d int) {
		if d < simdMinRow {
			g.pairwiseSphereDist(dst, x, y, d)
			return
		}
		pairwise(p, &pairBufs, dst, x, y, d)
	}
	o.slerp = func(dst, x0, x1, t []T, d int) {
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
	o.logMap = func(dst, x, y []T, d int) {
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
	o.expMap = func(dst, x, v []T, d int) {
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

// minNormalOf returns the smallest normal value of T.
func minNormalOf[T float32 | float64]() float64 {
	if is64[T]() {
		return 0x1p-1022
	}
	return 0x1p-126
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
func pairwise[T float32 | float64](p prims[T], bufs *sync.Pool, dst, x, y []T, d int) {
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
