package kernels

// Gemm computes C = alpha*op(A)*op(B) + beta*C on row-major matrices, with
// BLAS semantics: op(A) is A (m x k, leading dimension lda) or, when transA
// is true, the transpose of A stored as k x m; likewise op(B) is k x n, or B
// stored as n x k when transB is true; C is m x n with leading dimension
// ldc. When beta == 0, C is not read (NaN in C does not propagate); when
// alpha == 0 or k == 0, A and B are not read.
//
// Each element has error at most (k + 2)*u * (|alpha| (|op(A)| |op(B)|)_ij
// + |beta C_ij|). It panics if m, n or k is negative, a leading dimension
// is smaller than its row length (or 1), or a slice is too short for the
// matrix it holds.
func Gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panicf("Gemm: negative dimension m=%d n=%d k=%d", m, n, k)
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("a", ar, ac, len(a), lda)
	checkMatrix("b", br, bc, len(b), ldb)
	checkMatrix("c", m, n, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if is64[T]() {
		impl64().gemm(transA, transB, m, n, k, float64(alpha), f64s(a), lda, f64s(b), ldb, float64(beta), f64s(c), ldc)
		return
	}
	impl32().gemm(transA, transB, m, n, k, float32(alpha), f32s(a), lda, f32s(b), ldb, float32(beta), f32s(c), ldc)
}

// checkMatrix panics unless a slice of length n holds a rows x cols
// row-major matrix with leading dimension ld.
func checkMatrix(name string, rows, cols, n, ld int) {
	if ld < max(1, cols) {
		panicf("Gemm: ld%s=%d < max(1, %d columns)", name, ld, cols)
	}
	if rows > 0 && cols > 0 && n < (rows-1)*ld+cols {
		panicf("Gemm: len(%s)=%d < %d needed for %dx%d with ld%s=%d", name, n, (rows-1)*ld+cols, rows, cols, name, ld)
	}
}
