package kernels

import "math"

// simplexPrims are a SIMD path's ToSimplex row kernel.
type simplexPrims[T float32 | float64] struct {
	// divSquare computes x[i]^2/s in float64 and rounds once.
	divSquare func(dst, x []T, s float64)
}

// composeSimplex sets o's ToSimplex to rows of p's sumSq and divSquare.
func composeSimplex[T float32 | float64](o *ops[T], p *prims[T]) {
	g := genericOps[T]() // for rows shorter than simdMinRow
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
}
