// Package gonumblas lets gonum use fisherflow's kernels: Implementation
// satisfies gonum's blas.Float32 and blas.Float64 interfaces, runs GEMM
// and the unit-stride level-1 routines (dot, axpy, scal, nrm2) on
// kernels, and delegates everything else to gonum's own pure-Go
// implementation. After
//
//	blas64.Use(gonumblas.Implementation{})
//	blas32.Use(gonumblas.Implementation{})
//
// gonum/mat products run on the SIMD GEMM. Calls whose arguments gonum
// would reject go to gonum unchanged, so its panics and their messages are
// gonum's own.
package gonumblas

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/fisherflow/fisherflow/kernels"
)

// Implementation is gonum's BLAS with the kernels of package kernels
// where they apply.
type Implementation struct {
	gonum.Implementation
}

var (
	_ blas.Float64 = Implementation{}
	_ blas.Float32 = Implementation{}
)

func validTrans(t blas.Transpose) (trans, ok bool) {
	switch t {
	case blas.NoTrans:
		return false, true
	case blas.Trans, blas.ConjTrans:
		return true, true
	}
	return false, false
}

// gemmArgsOK reports whether gonum would accept the GEMM arguments, and
// the transpositions.
func gemmArgsOK(tA, tB blas.Transpose, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int) (aT, bT, ok bool) {
	aT, okA := validTrans(tA)
	bT, okB := validTrans(tB)
	if !okA || !okB || m < 0 || n < 0 || k < 0 {
		return aT, bT, false
	}
	ar, ac, br, bc := m, k, k, n
	if aT {
		ar, ac = k, m
	}
	if bT {
		br, bc = n, k
	}
	fits := func(rows, cols, l, ld int) bool {
		return ld >= max(1, cols) && (rows == 0 || cols == 0 || l >= (rows-1)*ld+cols)
	}
	return aT, bT, fits(ar, ac, lenA, lda) && fits(br, bc, lenB, ldb) && fits(m, n, lenC, ldc)
}

// Dgemm computes C = alpha op(A) op(B) + beta C on kernels.Gemm.
func (impl Implementation) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	aT, bT, ok := gemmArgsOK(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if !ok {
		impl.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	kernels.Gemm(aT, bT, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Sgemm computes C = alpha op(A) op(B) + beta C on kernels.Gemm.
func (impl Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	aT, bT, ok := gemmArgsOK(tA, tB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if !ok {
		impl.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	kernels.Gemm(aT, bT, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// unit reports whether a vector call is plain: unit strides, n >= 0 and
// slices long enough.
func unit(n, incX, lenX, incY, lenY int) bool {
	return n >= 0 && incX == 1 && incY == 1 && lenX >= n && lenY >= n
}

// Ddot returns x . y.
func (impl Implementation) Ddot(n int, x []float64, incX int, y []float64, incY int) float64 {
	if !unit(n, incX, len(x), incY, len(y)) {
		return impl.Implementation.Ddot(n, x, incX, y, incY)
	}
	return kernels.Dot(x[:n], y[:n])
}

// Sdot returns x . y.
func (impl Implementation) Sdot(n int, x []float32, incX int, y []float32, incY int) float32 {
	if !unit(n, incX, len(x), incY, len(y)) {
		return impl.Implementation.Sdot(n, x, incX, y, incY)
	}
	return kernels.Dot(x[:n], y[:n])
}

// Daxpy sets y += alpha x.
func (impl Implementation) Daxpy(n int, alpha float64, x []float64, incX int, y []float64, incY int) {
	if !unit(n, incX, len(x), incY, len(y)) {
		impl.Implementation.Daxpy(n, alpha, x, incX, y, incY)
		return
	}
	kernels.Axpy(alpha, x[:n], y[:n])
}

// Saxpy sets y += alpha x.
func (impl Implementation) Saxpy(n int, alpha float32, x []float32, incX int, y []float32, incY int) {
	if !unit(n, incX, len(x), incY, len(y)) {
		impl.Implementation.Saxpy(n, alpha, x, incX, y, incY)
		return
	}
	kernels.Axpy(alpha, x[:n], y[:n])
}

// Dscal sets x *= alpha.
func (impl Implementation) Dscal(n int, alpha float64, x []float64, incX int) {
	// alpha == 0 sets x to zero in BLAS, NaN and Inf included.
	if !unit(n, incX, len(x), 1, n) || alpha == 0 {
		impl.Implementation.Dscal(n, alpha, x, incX)
		return
	}
	kernels.Scale(alpha, x[:n])
}

// Sscal sets x *= alpha.
func (impl Implementation) Sscal(n int, alpha float32, x []float32, incX int) {
	// alpha == 0 sets x to zero in BLAS, NaN and Inf included.
	if !unit(n, incX, len(x), 1, n) || alpha == 0 {
		impl.Implementation.Sscal(n, alpha, x, incX)
		return
	}
	kernels.Scale(alpha, x[:n])
}

// Dnrm2 returns the Euclidean norm of x, without overflow.
func (impl Implementation) Dnrm2(n int, x []float64, incX int) float64 {
	if !unit(n, incX, len(x), 1, n) {
		return impl.Implementation.Dnrm2(n, x, incX)
	}
	r := kernels.Norm2(x[:n])
	if math.IsInf(float64(r), 0) {
		// gonum's convention differs from kernels.Norm2 (and
		// math.Hypot) when Inf and NaN meet: it returns NaN.
		return impl.Implementation.Dnrm2(n, x, incX)
	}
	return r
}

// Snrm2 returns the Euclidean norm of x, without overflow.
func (impl Implementation) Snrm2(n int, x []float32, incX int) float32 {
	if !unit(n, incX, len(x), 1, n) {
		return impl.Implementation.Snrm2(n, x, incX)
	}
	r := kernels.Norm2(x[:n])
	if math.IsInf(float64(r), 0) {
		// gonum's convention differs from kernels.Norm2 (and
		// math.Hypot) when Inf and NaN meet: it returns NaN.
		return impl.Implementation.Snrm2(n, x, incX)
	}
	return r
}
