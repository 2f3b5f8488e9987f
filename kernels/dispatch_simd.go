package kernels

import "math"

// prims are the kernels a SIMD path provides (generated assembly), one
// set per family; simdOps builds a full kernel table from them. Each
// family's generator writes, into its F_amd64.go or F_arm64.go stubs, one
// function per path and precision that fills that family's fields
// (elementwisePrimsAVX512F32, ...), and one per path that does both
// precisions (elementwisePrimsAVX512); archPaths lists those per path.
type prims[T float32 | float64] struct {
	elementwisePrims[T]
	level1Prims[T]
	normPrims[T]
	spherePrims[T]
	simplexPrims[T]
	shortrowPrims[T]
	// gemm is the GEMM micro-kernel, if the path has one.
	gemm microKernel[T]
}

// simdPath returns the path whose primitives the family functions fill
// (elementwisePrimsAVX512, ...: generated, one per family and path). Both
// tables compute their rows' scalars with the path's own float64 vector
// functions, and the float32 table's pairwise products take the path's
// own float64 GEMM, so a forced path never reaches another path's
// kernels.
func simdPath(name string, supported func() bool, families ...func(*prims[float32], *prims[float64])) *path {
	var p32 prims[float32]
	var p64 prims[float64]
	for _, f := range families {
		f(&p32, &p64)
	}
	p64.rows64 = vec64Of(&p64)
	p32.rows64 = p64.rows64
	f64 := simdOps(p64)
	p32.gemm64 = f64.gemm
	return &path{name: name, supported: supported, f32: simdOps(p32), f64: f64, bf16: genericBF16()}
}

// simdOps returns the generic table with every kernel the primitives
// cover replaced, family by family.
func simdOps[T float32 | float64](p prims[T]) *ops[T] {
	o := genericOps[T]()
	composeElementwise(o, &p)
	composeLevel1(o, &p)
	composeNorm(o, &p)
	composeSphere(o, &p)
	composeSimplex(o, &p)
	composeShortRows(o, &p)
	composeGemm(o, &p)
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
