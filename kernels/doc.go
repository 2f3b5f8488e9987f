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
// # Global state
//
// The package has two settings, both safe to change while kernels run on
// other goroutines: the active path (above; a call uses one path
// throughout), and the number of goroutines that Gemm, the convolutions,
// ColumnSums and Sinkhorn may use per call, set by [SetThreads] (default
// GOMAXPROCS; results do not depend on it). Everything else a call needs
// is its arguments or scratch from pools.
//
// # Files
//
// Each kernel family F (elementwise, level1, norm, sphere, simplex, gemm,
// conv, and the transport solvers sinkhorn, ot, emd) is a set of files, of
// these where it has them: F.go, the public functions, their checks and
// docs; F_generic.go, the pure-Go reference; F_simd.go, the SIMD paths'
// composition of the family from its primitives (Fprims, composeF);
// F_amd64.s and F_arm64.s, the generated assembly, with F_amd64.go and
// F_arm64.go, its declarations and the path tables (FPrimsAVX512, ...)
// that dispatch_amd64.go and dispatch_arm64.go list; F_test.go and
// F_bench_test.go, its tests and benchmarks. colsum.go (ColumnSums,
// built on level1's axpy) is a family of its own without kernels.
//
// The dispatch files tie the families together: dispatch.go defines ops,
// the table of every kernel that each path fills, and the path selection;
// dispatch_generic.go fills it with the generic kernels; dispatch_simd.go
// builds a SIMD path's table from its families' primitives (simdOps: one
// compose call per family); dispatch_amd64.go and dispatch_arm64.go list
// the paths of each architecture. threads.go holds the thread setting,
// and gen.go runs the generators in ../asm. Adding a family is one set of
// files plus its registrations: its generator's lines in gen.go, its
// struct in prims and its compose call in simdOps, and its generated
// FPrims<Path> in each path's list.
//
// # Large outputs
//
// On amd64, Sqrt, Square and ToSphere write an output at least as large as
// the L3 cache (32 MiB where the CPU does not report its L3) with
// non-temporal stores, which skip reading each destination line before it
// is written and leave the output out of the caches, to the same bits.
// The output is complete and visible to every goroutine when the call
// returns.
package kernels
