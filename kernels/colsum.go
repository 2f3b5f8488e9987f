package kernels

import (
	"sync"

	"github.com/fisherflow/fisherflow/internal/par"
)

// ColumnSums sets dst = beta*dst + the sum of the rows of x (rows of
// len(dst) values): the gradient of a bias added to every row. The rows
// are summed in fixed blocks of colSumBlock by the path's Axpy, in T, and
// the blocks' sums added in float64 in block order, so the result does
// not depend on the threads (SetThreads) that share the blocks. Each sum
// is within (colSumBlock+1)u of the sum of its terms' magnitudes (u the
// unit roundoff of T); with beta = 0, dst is not read. It panics unless
// len(x) is a multiple of len(dst) (any multiple, for len(dst) = 0: none).
func ColumnSums[T Float](dst, x []T, beta T) {
	if (len(dst) == 0 && len(x) != 0) || (len(dst) > 0 && len(x)%len(dst) != 0) {
		panicf("ColumnSums: len(x)=%d is not a multiple of len(dst)=%d", len(x), len(dst))
	}
	if len(dst) == 0 {
		return
	}
	if is64[T]() {
		impl64().colSums(f64s(dst), f64s(x), float64(beta))
		return
	}
	impl32().colSums(f32s(dst), f32s(x), float32(beta))
}

// colSumBlock is how many rows ColumnSums adds in T before the sum goes
// to float64.
const colSumBlock = 64

// colSums is ops.colSums: the blocks of rows are dealt to the threads
// (internal/par), each block's sum kept in a pooled buffer.
type colSums[T float32 | float64] struct {
	axpy func(alpha T, x, y []T)
	pool sync.Pool // *colSumCall[T]
}

type colSumCall[T float32 | float64] struct {
	c     *colSums[T]
	x     []T
	d     int
	part  []T       // one row of sums per block
	acc   []float64 // the blocks' sums in float64
	phase par.Phase
}

func newColSums[T float32 | float64](axpy func(alpha T, x, y []T)) func(dst, x []T, beta T) {
	c := &colSums[T]{axpy: axpy, pool: sync.Pool{New: func() any { return new(colSumCall[T]) }}}
	return c.run
}

func (c *colSums[T]) run(dst, x []T, beta T) {
	d := len(dst)
	rows := len(x) / d
	nb := ceilDiv(rows, colSumBlock)
	call := c.pool.Get().(*colSumCall[T])
	call.c, call.x, call.d = c, x, d
	call.part = grow(call.part, nb*d)
	call.acc = grow(call.acc, d)
	acc := call.acc
	threads := 1
	if len(x) >= 1<<16 {
		threads = min(kernelThreads(), nb)
	}
	par.For(threads, nb, call, 0, &call.phase)
	clear(acc)
	for b := 0; b < nb; b++ {
		for i, v := range call.part[b*d : (b+1)*d] {
			acc[i] += float64(v)
		}
	}
	for i, v := range acc {
		if beta != 0 {
			v += float64(beta) * float64(dst[i])
		}
		dst[i] = T(v)
	}
	call.x = nil
	c.pool.Put(call)
}

// Work sums blocks lo..hi.
func (call *colSumCall[T]) Work(_, _, lo, hi int) {
	d := call.d
	rows := len(call.x) / d
	for b := lo; b < hi; b++ {
		p := call.part[b*d : (b+1)*d]
		r0 := b * colSumBlock
		copy(p, call.x[r0*d:(r0+1)*d])
		for r := r0 + 1; r < min(rows, r0+colSumBlock); r++ {
			call.c.axpy(1, call.x[r*d:(r+1)*d], p)
		}
	}
}
