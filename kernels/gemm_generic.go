package kernels

import (
	"sync"
	"unsafe"
)

// gatherPool holds the scratch rows of gemmGeneric.
var gatherPool = sync.Pool{New: func() any { return new([]byte) }}

// bytesAs returns n elements of T backed by *buf, growing it if needed.
func bytesAs[T float32 | float64](buf *[]byte, n int) []T {
	var z T
	size := int(unsafe.Sizeof(z))
	if cap(*buf) < n*size {
		*buf = make([]byte, n*size)
	}
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(*buf))), n)
}

// gemmGeneric is the reference: C is scaled by beta first, then each row of
// C accumulates alpha*op(A)[i,p] times row p of op(B). Arguments are checked
// and m, n > 0.
func gemmGeneric[T float32 | float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	scaleC(beta, c, m, n, ldc, scaleGeneric[T])
	if alpha == 0 || k == 0 {
		return
	}
	// With B transposed, a row of op(B) is strided; gather it once per p
	// into a pooled buffer (a call allocates nothing in steady state).
	var bt []T
	if transB {
		buf := gatherPool.Get().(*[]byte)
		defer gatherPool.Put(buf)
		bt = bytesAs[T](buf, n)
	}
	for p := 0; p < k; p++ {
		brow := bt
		if transB {
			for j := range bt {
				bt[j] = b[j*ldb+p]
			}
		} else {
			brow = b[p*ldb : p*ldb+n]
		}
		for i := 0; i < m; i++ {
			var aip T
			if transA {
				aip = a[p*lda+i]
			} else {
				aip = a[i*lda+p]
			}
			axpyUnrolled(aip*alpha, brow, c[i*ldc:i*ldc+n])
		}
	}
}

// axpyUnrolled sets y[j] += a*x[j] in T, four elements at a time.
func axpyUnrolled[T float32 | float64](a T, x, y []T) {
	y = y[:len(x)]
	j := 0
	for ; j+4 <= len(x); j += 4 {
		xs, ys := x[j:j+4:j+4], y[j:j+4:j+4]
		ys[0] += a * xs[0]
		ys[1] += a * xs[1]
		ys[2] += a * xs[2]
		ys[3] += a * xs[3]
	}
	for ; j < len(x); j++ {
		y[j] += a * x[j]
	}
}

// scaleC sets C = beta*C with BLAS semantics: beta == 0 clears C without
// reading it, so NaN in C does not propagate.
func scaleC[T float32 | float64](beta T, c []T, m, n, ldc int, scale func(alpha T, x []T)) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			scale(beta, row)
		}
	}
}
