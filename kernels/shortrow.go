package kernels

import (
	"sync"

	"github.com/fisherflow/fisherflow/internal/shortrows"
)

// shortrowPrims are a SIMD path's short-row kernels (asm/sphere/short.go),
// indexed by the row length d (2..8; nil where the path has none): each
// runs whole blocks of srRows rows (32 float32 or 16 float64 rows on
// AVX-512, 8 on AVX2) across rows, and returns the blocks done; it stops
// before a block that needs the generic kernel.
type shortrowPrims[T float32 | float64] struct {
	srSphereDist                         [9]func(dst, x, y []T) int
	srSlerp                              [9]func(dst, x0, x1, t []T) int
	srLogMap, srExpMap, srProjectTangent [9]func(dst, x, v []T) int
	srToSphere, srToSimplex              [9]func(dst, x []T) int
	// srRows is the rows of a block.
	srRows int
}

// srArgs are the slices of one call of a short-row kernel: outputs, then
// inputs, each with its values per row (d, or 1 for a per-row slice).
type srArgs[T float32 | float64] struct {
	s    [4][]T
	w    [4]int
	n    int // slices used
	outs int // the first outs slices are outputs
}

// rows returns a with each slice cut to rows r0..r1.
func (a *srArgs[T]) rows(r0, r1 int) srArgs[T] {
	b := *a
	for i := 0; i < a.n; i++ {
		b.s[i] = a.s[i][r0*a.w[i] : r1*a.w[i]]
	}
	return b
}

// srBuf is the padded copy of a call's last rows (fewer than a block:
// at most 32 rows of 8).
type srBuf[T float32 | float64] struct{ s [4][32 * 8]T }

// srBufs32 and srBufs64 hold srBufs, one pool per precision.
var srBufs32, srBufs64 = sync.Pool{New: func() any { return new(srBuf[float32]) }},
	sync.Pool{New: func() any { return new(srBuf[float64]) }}

// runShort runs a call of rows rows: whole blocks of B rows by k, any
// block k stops at by g (the generic kernel on the same slices), and
// the last rows, fewer than B, by k on padded copies (the last row
// repeated, so that the padding is as valid as the data) or by g if k
// stops there.
func runShort[T float32 | float64](a srArgs[T], rows, B int, k func(a srArgs[T]) int, g func(a srArgs[T])) {
	full := rows / B * B
	for r := 0; r < full; {
		b := a.rows(r, full)
		r += k(b) * B
		if r < full {
			b = a.rows(r, r+B)
			g(b)
			r += B
		}
	}
	if full == rows {
		return
	}
	pool := &srBufs64
	if !is64[T]() {
		pool = &srBufs32
	}
	buf := pool.Get().(*srBuf[T])
	defer pool.Put(buf)
	t := a
	for i := 0; i < a.n; i++ {
		w := a.w[i]
		src, pad := a.s[i][full*w:], buf.s[i][:B*w]
		copy(pad, src)
		for r := rows - full; r < B; r++ {
			copy(pad[r*w:(r+1)*w], src[len(src)-w:])
		}
		t.s[i] = pad
	}
	if k(t) == 0 {
		b := a.rows(full, rows)
		g(b)
		return
	}
	for i := 0; i < a.outs; i++ {
		copy(a.s[i][full*a.w[i]:], t.s[i])
	}
}

// shortOK reports whether rows of d take p's short-row kernels.
func shortOK[T float32 | float64](p *prims[T], d int) bool {
	return d >= 2 && d <= 8 && p.srRows > 0 && !shortrows.Off.Load()
}

// composeShortRows sets o's sphere kernels and ToSphere and ToSimplex to
// p's short-row kernels on rows of d = 2..8, keeping o's kernels (the
// generic loops there) for other d.
func composeShortRows[T float32 | float64](o *ops[T], p *prims[T]) {
	if p.srRows == 0 {
		return
	}
	B := p.srRows
	dist, slerp, logMap, expMap, project, toSphere, toSimplex := o.sphereDist, o.slerp, o.logMap, o.expMap, o.projectTangent, o.toSphere, o.toSimplex
	o.sphereDist = func(dst, x, y []T, d int) {
		if !shortOK(p, d) || p.srSphereDist[d] == nil {
			dist(dst, x, y, d)
			return
		}
		k := p.srSphereDist[d]
		runShort(srArgs[T]{s: [4][]T{dst, x, y}, w: [4]int{1, d, d}, n: 3, outs: 1}, len(dst), B,
			func(a srArgs[T]) int { return k(a.s[0], a.s[1], a.s[2]) },
			func(a srArgs[T]) { dist(a.s[0], a.s[1], a.s[2], d) })
	}
	o.slerp = func(dst, x0, x1, t []T, d int) {
		if !shortOK(p, d) || p.srSlerp[d] == nil {
			slerp(dst, x0, x1, t, d)
			return
		}
		k := p.srSlerp[d]
		runShort(srArgs[T]{s: [4][]T{dst, x0, x1, t}, w: [4]int{d, d, d, 1}, n: 4, outs: 1}, len(t), B,
			func(a srArgs[T]) int { return k(a.s[0], a.s[1], a.s[2], a.s[3]) },
			func(a srArgs[T]) { slerp(a.s[0], a.s[1], a.s[2], a.s[3], d) })
	}
	three := func(ks *[9]func(dst, x, v []T) int, prev func(dst, x, v []T, d int)) func(dst, x, v []T, d int) {
		return func(dst, x, v []T, d int) {
			if !shortOK(p, d) || ks[d] == nil {
				prev(dst, x, v, d)
				return
			}
			k := ks[d]
			runShort(srArgs[T]{s: [4][]T{dst, x, v}, w: [4]int{d, d, d}, n: 3, outs: 1}, len(x)/d, B,
				func(a srArgs[T]) int { return k(a.s[0], a.s[1], a.s[2]) },
				func(a srArgs[T]) { prev(a.s[0], a.s[1], a.s[2], d) })
		}
	}
	o.logMap, o.expMap, o.projectTangent = three(&p.srLogMap, logMap), three(&p.srExpMap, expMap), three(&p.srProjectTangent, project)
	two := func(ks *[9]func(dst, x []T) int, prev func(dst, x []T, d int)) func(dst, x []T, d int) {
		return func(dst, x []T, d int) {
			if !shortOK(p, d) || ks[d] == nil {
				prev(dst, x, d)
				return
			}
			k := ks[d]
			runShort(srArgs[T]{s: [4][]T{dst, x}, w: [4]int{d, d}, n: 2, outs: 1}, len(x)/d, B,
				func(a srArgs[T]) int { return k(a.s[0], a.s[1]) },
				func(a srArgs[T]) { prev(a.s[0], a.s[1], d) })
		}
	}
	o.toSphere, o.toSimplex = two(&p.srToSphere, toSphere), two(&p.srToSimplex, toSimplex)
}
