// Package kernels provides batched numerical kernels for float32 and float64:
// elementwise vector math, level-1 BLAS, the square-root map between the
// probability simplex and the positive orthant of the unit sphere, sphere
// geodesics, entropic and exact optimal transport, GEMM, the batched 1-d
// convolution and its gradients (Conv1d, as implicit GEMMs), the passes of
// a normalisation layer (Moments, AddColumnMoments, ScaleShift) and of a
// bias gradient (ColumnSums), and two training updates (ScaleNeg, a leaky
// ReLU's pass, and the AdamW step).
//
// # Layout of arguments
//
// Batches are row-major: a slice x of length n*d holds n rows of length d.
// Every function checks the lengths it is given before it touches memory and
// panics with a message naming the function and the lengths when they do not
// fit, as gonum does: a length mismatch is a programming error. Values outside
// a function's domain (NaN, Inf, negative probabilities, all-zero rows) never
// crash; they give NaN or the value the function's doc comment names.
// Sinkhorn and EMD, whose inputs usually come from data, return errors instead.
//
// # Error bounds
//
// Each doc comment states the error bound that every path (generic, AVX2,
// AVX-512, NEON) guarantees and that the tests check against a
// higher-precision reference. Bounds are given in terms of
//
//	u = 2^-24 for float32, 2^-53 for float64 (the unit roundoff), and
//	ULP = the spacing of floating-point numbers of type T at the exact result.
//
// The generic path computes float32 results in float64 internally, so it is
// usually far inside the float32 bounds.
//
// # Paths
//
// Each kernel has a pure-Go implementation, the "generic" path, which is the
// reference and the fallback. Faster paths for particular instruction sets are
// chosen once at start-up for the running CPU; [Path], [Paths] and [UsePath]
// report and change the choice, and the environment variable
// FISHERFLOW_KERNELS picks one at start-up. The purego build tag builds
// the package without assembly.
//
// # Large outputs
//
// On amd64, Sqrt, Square and ToSphere write an output at least as large as
// the L3 cache (32 MiB where the CPU does not report its L3) with
// non-temporal stores, which skip reading each destination line before it
// is written and leave the output out of the caches: on arrays far beyond
// the caches they ran 4-38% faster on our machine (ToSphere 4-8%, Sqrt
// and Square 15-38%), to the same bits. The output is
// complete and visible to every goroutine when the call returns.
package kernels
