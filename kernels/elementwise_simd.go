package kernels

import (
	"math"
	"unsafe"

	"github.com/fisherflow/fisherflow/internal/cpu"
)

// elementwisePrims are a SIMD path's elementwise kernels and vector math
// functions.
type elementwisePrims[T float32 | float64] struct {
	sqrt, square func(dst, x []T)
	// sqrtStream and squareStream, if set, are sqrt and square with
	// non-temporal stores, for outputs of streamBytes or more; fence
	// (SFENCE) follows their last call.
	sqrtStream, squareStream func(dst, x []T)
	fence                    func()
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
}

// composeElementwise sets o's elementwise kernels and vector math
// functions to p's.
func composeElementwise[T float32 | float64](o *ops[T], p *prims[T]) {
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

// streamBytes is the output size from which ToSphere, Sqrt and Square
// write by non-temporal stores (prims.rootQuotStream, sqrtStream,
// squareStream): the L3 cache's, or 32 MiB where the CPU does not report
// it (virtual machines often hide it). Beyond the caches an ordinary store
// first reads its line (write-allocate), so a row map moves 24 bytes a
// float64 element instead of 16. On outputs that fit the caches the
// stores would evict what the caller reads next, hence the threshold.
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
