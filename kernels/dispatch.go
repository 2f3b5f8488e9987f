package kernels

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
)

// EnvPath is the environment variable that picks the kernel path at
// start-up, e.g. FISHERFLOW_KERNELS=generic. An unknown name, or one this CPU
// cannot run, is reported on standard error and the best path is used.
const EnvPath = "FISHERFLOW_KERNELS"

// ops is one path's implementation of every kernel for one precision. A SIMD
// path starts from the generic table and replaces the entries it speeds up,
// so every field is always set. Arguments have been checked by the public
// function before an entry is called.
type ops[T float32 | float64] struct {
	sqrt, square, acos, sin, cos, exp, sigmoid, log func(dst, x []T)
	atan2                                           func(dst, y, x []T)
	// relax, if set, is overrelax's over-relaxation in one kernel (nil:
	// overrelax composes it from log and exp).
	relax func(dst, old []T, w T)
	// gibbs, if set, is the Gibbs kernel's row, exp(a*x) with subnormal
	// results flushed to zero, in one kernel (nil: composed).
	gibbs func(dst, x []T, a T)

	dot  func(x, y []T) T
	axpy func(alpha T, x, y []T)
	// dot4 and axpy4 are dot and axpy over four rows of len(x0) at once
	// (Sinkhorn's pass over K); axpy4 adds the rows' terms in order.
	dot4  func(x0, x1, x2, x3, y []T) (r0, r1, r2, r3 T)
	axpy4 func(a0, a1, a2, a3 T, x0, x1, x2, x3, y []T)
	scale func(alpha T, x []T)
	sum   func(x []T) T
	norm2 func(x []T) T

	scaleNeg func(dst, src, x []T, s T)
	adamW    func(w, g []T, m, v []float64, c [7]float64)

	colSums    func(dst, x []T, beta T)
	moments    func(x []T, shift float64) (s1, s2 float64)
	colMoments func(sum, dot []float64, a, b []T, shift float64)
	scaleShift func(dst, a, s, b []T, t, c T)

	toSphere, toSimplex func(dst, x []T, d int)

	sphereDist                     func(dst, x, y []T, d int)
	slerp                          func(dst, x0, x1, t []T, d int)
	logMap, expMap, projectTangent func(dst, x, v []T, d int)
	pairwiseSphereDist             func(dst, x, y []T, d int)

	gemm func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)
	// gemmMK is the micro-kernel behind gemm (zero for the generic
	// loops); tests and benchmarks reach it here.
	gemmMK microKernel[T]
	// conv computes the convolutions' products (convForward, ...): out =
	// beta*out + op(a, b) (+ bias, forward only, nil for none) on checked
	// arguments.
	conv func(op int, s ConvShape, out, a, b, bias []T, beta T)
}

// path is a named set of kernel implementations for both precisions.
type path struct {
	name      string
	supported func() bool
	f32       *ops[float32]
	f64       *ops[float64]
	bf16      *bf16Ops
}

// paths lists every path this build knows, best first; the generic path is
// last and always supported.
var paths = append(archPaths(), &path{
	name:      "generic",
	supported: func() bool { return true },
	f32:       genericOps[float32](),
	f64:       genericOps[float64](),
	bf16:      genericBF16(),
})

// active is the path in use: with the thread setting (threads.go), the
// package's only mutable state.
var active atomic.Pointer[path]

func init() {
	selectPath(os.Getenv(EnvPath), os.Stderr)
}

// selectPath activates the path named by env, or the best supported path
// when env is empty or names no path this CPU can run (reported on w).
func selectPath(env string, w io.Writer) {
	best := supportedPaths()[0]
	active.Store(best)
	env = strings.TrimSpace(env)
	if env == "" {
		return
	}
	if err := UsePath(env); err != nil {
		fmt.Fprintf(w, "fisherflow/kernels: %s=%q: %v; using %q\n", EnvPath, env, err, best.name)
	}
}

func supportedPaths() []*path {
	var out []*path
	for _, p := range paths {
		if p.supported() {
			out = append(out, p)
		}
	}
	return out
}

// Path returns the name of the active kernel path: "generic", "avx2",
// "avx512" or "neon".
func Path() string { return active.Load().name }

// Paths returns the names of the paths this CPU can run, best first. The
// last one is always "generic".
func Paths() []string {
	var names []string
	for _, p := range supportedPaths() {
		names = append(names, p.name)
	}
	return names
}

// UsePath makes the named path active for all later calls. It returns an
// error naming the choices if the name is unknown or the CPU cannot run that
// path. Switching paths while kernels run on other goroutines is safe: each
// call uses one path throughout.
func UsePath(name string) error {
	for _, p := range paths {
		if p.name != name {
			continue
		}
		if !p.supported() {
			return fmt.Errorf("kernel path %q is not supported by this CPU (choices: %s)", name, strings.Join(Paths(), ", "))
		}
		active.Store(p)
		return nil
	}
	return fmt.Errorf("unknown kernel path %q (choices: %s)", name, strings.Join(Paths(), ", "))
}

// impl returns the active path's table for T.
func impl32() *ops[float32] { return active.Load().f32 }
func impl64() *ops[float64] { return active.Load().f64 }
