// Command neoncost is the cost model of the arm64 NEON path, where our
// machines can only emulate: qemu timings mean nothing, so it counts the
// instructions each kernel executes per element (per multiply-add for
// Gemm) on the "neon" path and on "generic", and projects a throughput on
// a named core from the counts, labelled as a projection.
//
// It builds itself for arm64, runs that binary under qemu-aarch64 with one
// instruction per translation block and every execution logged (-singlestep
// -d exec,nochain), and reads the log: the child calls each kernel between
// two calls of marker, and every instruction between them outside the
// runtime counts. Each kernel runs at two sizes; the difference of the
// counts over the difference of the sizes is the count per element,
// free of the fixed cost of a call. llvm-objdump's disassembly of the
// same binary classifies the instructions (FP/SIMD or not).
//
//	neoncost [-o bench/out/neon.md] [-qemu qemu-aarch64-static]
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/fisherflow/fisherflow/internal/atomicfile"
	"github.com/fisherflow/fisherflow/kernels"
)

// kcase is one kernel: prep returns, for a problem of size n, the call to
// count and its units (elements, or multiply-adds for Gemm).
type kcase struct {
	name  string
	sizes [2]int
	prep  [2]func(n int) (run func(), units int) // float32, float64
}

// paths are the paths compared, in the order the child runs them.
var paths = []string{"generic", "neon"}

// rowLen is the row length of the sphere kernels' problems.
const rowLen = 64

func cases() []kcase {
	return []kcase{
		unary("Exp", kernels.Exp[float32], kernels.Exp[float64], -5, 5),
		unary("Log", kernels.Log[float32], kernels.Log[float64], 0.01, 10),
		unary("Sin", kernels.Sin[float32], kernels.Sin[float64], -10, 10),
		unary("Cos", kernels.Cos[float32], kernels.Cos[float64], -10, 10),
		unary("Acos", kernels.Acos[float32], kernels.Acos[float64], -1, 1),
		{"Atan2", [2]int{256, 512}, [2]func(int) (func(), int){atan2[float32], atan2[float64]}},
		unary("Sqrt", kernels.Sqrt[float32], kernels.Sqrt[float64], 0, 4),
		unary("Square", kernels.Square[float32], kernels.Square[float64], -2, 2),
		{"Dot", [2]int{1024, 2048}, [2]func(int) (func(), int){dot[float32], dot[float64]}},
		{"Axpy", [2]int{1024, 2048}, [2]func(int) (func(), int){axpy[float32], axpy[float64]}},
		{"ScaleNeg", [2]int{1024, 2048}, [2]func(int) (func(), int){scaleNeg[float32], scaleNeg[float64]}},
		{"AdamW", [2]int{512, 1024}, [2]func(int) (func(), int){adamW[float32], adamW[float64]}},
		{"Moments", [2]int{1024, 2048}, [2]func(int) (func(), int){moments[float32], moments[float64]}},
		{"ScaleShift", [2]int{1024, 2048}, [2]func(int) (func(), int){scaleShift[float32], scaleShift[float64]}},
		{"AddColumnMoments", [2]int{1024, 2048}, [2]func(int) (func(), int){colMoments[float32], colMoments[float64]}},
		rows("ToSphere", func(d, x, _ []float32) { kernels.ToSphere(d, x, rowLen) }, func(d, x, _ []float64) { kernels.ToSphere(d, x, rowLen) }),
		rows("SphereDist", func(d, x, y []float32) { kernels.SphereDist(d[:len(x)/rowLen], x, y, rowLen) }, func(d, x, y []float64) { kernels.SphereDist(d[:len(x)/rowLen], x, y, rowLen) }),
		rows("LogMap", func(d, x, y []float32) { kernels.LogMap(d, x, y, rowLen) }, func(d, x, y []float64) { kernels.LogMap(d, x, y, rowLen) }),
		rows("ExpMap", func(d, x, y []float32) { kernels.ExpMap(d, x, y, rowLen) }, func(d, x, y []float64) { kernels.ExpMap(d, x, y, rowLen) }),
		rows("ProjectTangent", func(d, x, y []float32) { kernels.ProjectTangent(d, x, y, rowLen) }, func(d, x, y []float64) { kernels.ProjectTangent(d, x, y, rowLen) }),
		{"Gemm", [2]int{32, 64}, [2]func(int) (func(), int){gemm[float32], gemm[float64]}},
	}
}

func fill[T kernels.Float](n int, lo, hi float64, seed uint64) []T {
	r := rand.New(rand.NewPCG(seed, 1))
	x := make([]T, n)
	for i := range x {
		x[i] = T(lo + (hi-lo)*r.Float64())
	}
	return x
}

func unary(name string, f32 func(dst, x []float32), f64 func(dst, x []float64), lo, hi float64) kcase {
	return kcase{name, [2]int{256, 512}, [2]func(int) (func(), int){
		func(n int) (func(), int) {
			x, d := fill[float32](n, lo, hi, 1), make([]float32, n)
			return func() { f32(d, x) }, n
		},
		func(n int) (func(), int) {
			x, d := fill[float64](n, lo, hi, 1), make([]float64, n)
			return func() { f64(d, x) }, n
		},
	}}
}

func atan2[T kernels.Float](n int) (func(), int) {
	y, x, d := fill[T](n, -2, 2, 1), fill[T](n, -2, 2, 2), make([]T, n)
	return func() { kernels.Atan2(d, y, x) }, n
}

func dot[T kernels.Float](n int) (func(), int) {
	x, y := fill[T](n, -1, 1, 1), fill[T](n, -1, 1, 2)
	var s T
	return func() { s += kernels.Dot(x, y) }, n
}

func axpy[T kernels.Float](n int) (func(), int) {
	x, y := fill[T](n, -1, 1, 1), fill[T](n, -1, 1, 2)
	return func() { kernels.Axpy(0.5, x, y) }, n
}

func scaleNeg[T kernels.Float](n int) (func(), int) {
	x, s, d := fill[T](n, -1, 1, 1), fill[T](n, -1, 1, 2), make([]T, n)
	return func() { kernels.ScaleNeg(d, s, x, 0.01) }, n
}

func adamW[T kernels.Float](n int) (func(), int) {
	w, g := fill[T](n, -1, 1, 1), fill[T](n, -1, 1, 2)
	m, v := make([]float64, n), fill[float64](n, 0, 1, 3)
	c := kernels.AdamWCoeffs{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Decay: 1 - 1e-5, Step: 1e-3, BiasCorr2: 0.5}
	return func() { kernels.AdamW(w, g, m, v, c) }, n
}

func moments[T kernels.Float](n int) (func(), int) {
	x := fill[T](n, -1, 1, 1)
	return func() { kernels.Moments(x, 0.25) }, n
}

func scaleShift[T kernels.Float](n int) (func(), int) {
	a, s, b, d := fill[T](n, -1, 1, 1), fill[T](n, -1, 1, 2), fill[T](n, -1, 1, 3), make([]T, n)
	return func() { kernels.ScaleShift(d, a, s, b, 0.3, -1.7) }, n
}

func colMoments[T kernels.Float](n int) (func(), int) {
	a, b := fill[T](n, -1, 1, 1), fill[T](n, -1, 1, 2)
	sum, dot := make([]float64, n), make([]float64, n)
	return func() { kernels.AddColumnMoments(sum, dot, a, b, 0.5) }, n
}

// rows is a sphere kernel on n/rowLen rows of points of the sphere (the
// second operand a tangent vector or another point).
func rows(name string, f32 func(dst, x, y []float32), f64 func(dst, x, y []float64)) kcase {
	return kcase{name, [2]int{8 * rowLen, 16 * rowLen}, [2]func(int) (func(), int){
		func(n int) (func(), int) {
			x, y, d := sphere[float32](n), sphere[float32](n), make([]float32, n)
			return func() { f32(d, x, y) }, n
		},
		func(n int) (func(), int) {
			x, y, d := sphere[float64](n), sphere[float64](n), make([]float64, n)
			return func() { f64(d, x, y) }, n
		},
	}}
}

// sphere returns n/rowLen random points of the positive orthant of the
// unit sphere.
func sphere[T kernels.Float](n int) []T {
	p := fill[T](n, 0.01, 1, uint64(n))
	for i := 0; i < n; i += rowLen {
		kernels.Scale(1/kernels.Sum(p[i:i+rowLen]), p[i:i+rowLen])
	}
	x := make([]T, n)
	kernels.ToSphere(x, p, rowLen)
	return x
}

// gemm is an n x n x n product; its units are the multiply-adds.
func gemm[T kernels.Float](n int) (func(), int) {
	a, b, c := fill[T](n*n, -1, 1, 1), fill[T](n*n, -1, 1, 2), make([]T, n*n)
	return func() { kernels.Gemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n) }, n * n * n
}

//go:noinline
func marker() {}

// child runs every case between markers: for each path, precision, case
// and size, in that order.
func child() {
	kernels.SetThreads(1)
	// No collections between the markers: the collector's own code
	// (internal/runtime/..., not only runtime.*) would count as the
	// kernel's, and did once the cases' arrays grew the heap.
	debug.SetGCPercent(-1)
	for _, p := range paths {
		if err := kernels.UsePath(p); err != nil {
			fmt.Fprintln(os.Stderr, "neoncost:", err)
			os.Exit(1)
		}
		for prec := range 2 {
			for _, c := range cases() {
				for _, n := range c.sizes {
					run, _ := c.prep[prec](n)
					run() // warm: pools, lazily built tables
					marker()
					run()
					marker()
				}
			}
		}
	}
}

func main() {
	isChild := flag.Bool("child", false, "run the kernels (under qemu-aarch64)")
	out := flag.String("o", "bench/out/neon.md", "output file (a section of BENCHMARKS.md)")
	qemu := flag.String("qemu", "qemu-aarch64-static", "user-mode emulator of arm64")
	flag.Parse()
	if *isChild {
		child()
		return
	}
	if err := run(*out, *qemu); err != nil {
		fmt.Fprintln(os.Stderr, "neoncost:", err)
		os.Exit(1)
	}
}

// counts are the instructions of one measured call: all of them, and
// the FP/SIMD ones.
type counts struct{ all, simd int64 }

func run(out, qemu string) error {
	dir, err := os.MkdirTemp("", "neoncost")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "neoncost")
	build := exec.Command("go", "build", "-o", bin, "github.com/fisherflow/fisherflow/bench/cmd/neoncost")
	build.Env = append(os.Environ(), "GOARCH=arm64", "CGO_ENABLED=0")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building for arm64: %w", err)
	}
	simd, markerPC, err := disassemble(bin)
	if err != nil {
		return err
	}
	log := filepath.Join(dir, "trace")
	cmd := exec.Command(qemu, "-singlestep", "-d", "exec,nochain", "-D", log, bin, "-child")
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1", "FISHERFLOW_KERNELS=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", qemu, err)
	}
	f, err := os.Open(log)
	if err != nil {
		return err
	}
	defer f.Close()
	calls, err := parseTrace(f, markerPC, simd)
	if err != nil {
		return err
	}
	cs := cases()
	if want := len(paths) * 2 * len(cs) * 2; len(calls) != want {
		return fmt.Errorf("the trace has %d measured calls, want %d", len(calls), want)
	}
	// per[path][prec][case] = instructions per unit (all, simd).
	type per struct{ all, simd float64 }
	res := map[[3]int]per{}
	i := 0
	for p := range paths {
		for prec := range 2 {
			for ci, c := range cs {
				_, u1 := c.prep[prec](c.sizes[0])
				_, u2 := c.prep[prec](c.sizes[1])
				a, b := calls[i], calls[i+1]
				i += 2
				du := float64(u2 - u1)
				res[[3]int{p, prec, ci}] = per{float64(b.all-a.all) / du, float64(b.simd-a.simd) / du}
			}
		}
	}
	var w bytes.Buffer
	fmt.Fprintf(&w, "## arm64 NEON: cost model\n\n")
	fmt.Fprintf(&w, "qemu timings mean nothing, so `go run ./bench/cmd/neoncost` counts the instructions each kernel executes\n")
	fmt.Fprintf(&w, "under qemu-aarch64 (`-singlestep -d exec,nochain`: every executed instruction is logged), per element\n")
	fmt.Fprintf(&w, "(per multiply-add for Gemm; sphere kernels on rows of %d), from the difference between two sizes, so\n", rowLen)
	fmt.Fprintf(&w, "the fixed cost of a call drops out. \"SIMD\" counts the FP/SIMD instructions other than loads and stores\n")
	fmt.Fprintf(&w, "(classified from llvm-objdump's disassembly of the same binary).\n\n")
	fmt.Fprintf(&w, "The last column is a **projection, not a measurement**: the lower bound on cycles per element on an Arm\n")
	fmt.Fprintf(&w, "Neoverse V2 core (AWS Graviton4: four 128-bit FP/SIMD pipes, six instructions decoded per cycle), max(SIMD/4,\n")
	fmt.Fprintf(&w, "all/6), as elements (multiply-adds) per ns at 2.8 GHz. It ignores dependency chains, the slower divide and\n")
	fmt.Fprintf(&w, "square-root units and the memory system, so real figures will be lower, the more so for the long\n")
	fmt.Fprintf(&w, "polynomials (Sin, Cos, Acos, Atan2) and Gemm beyond the caches.\n\n")
	fmt.Fprintf(&w, "| kernel | precision | generic: all / SIMD | neon: all / SIMD | generic / neon | neon projected /ns |\n")
	fmt.Fprintf(&w, "|---|---|---:|---:|---:|---:|\n")
	for ci, c := range cs {
		for prec, pn := range []string{"float32", "float64"} {
			g, n := res[[3]int{0, prec, ci}], res[[3]int{1, prec, ci}]
			cyc := math.Max(n.simd/4, n.all/6)
			fmt.Fprintf(&w, "| %s | %s | %.2f / %.2f | %.2f / %.2f | %.1fx | %.2f |\n",
				c.name, pn, g.all, g.simd, n.all, n.simd, g.all/n.all, 2.8/cyc)
		}
	}
	fmt.Fprintf(&w, "\n")
	return atomicfile.WriteFile(out, w.Bytes())
}

// disassemble returns the addresses of the binary's FP/SIMD instructions
// (those on FP/SIMD registers other than loads and stores: the work of
// the FP/SIMD pipes) and marker's entry.
func disassemble(bin string) (map[uint64]bool, uint64, error) {
	od, err := exec.LookPath("llvm-objdump")
	if err != nil {
		return nil, 0, fmt.Errorf("llvm-objdump not found (apt-get install -y llvm): %w", err)
	}
	outb, err := exec.Command(od, "-d", "--no-show-raw-insn", bin).Output()
	if err != nil {
		return nil, 0, fmt.Errorf("llvm-objdump: %w", err)
	}
	simd := map[uint64]bool{}
	var markerPC uint64
	fpReg := regexp.MustCompile(`\b[vqdsh]\d+\b`)
	sc := bufio.NewScanner(bytes.NewReader(outb))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasSuffix(line, "<main.marker>:") {
			markerPC, _ = strconv.ParseUint(strings.Fields(line)[0], 16, 64)
			continue
		}
		addr, text, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		pc, err := strconv.ParseUint(addr, 16, 64)
		if err != nil {
			continue
		}
		if f := strings.Fields(text); len(f) > 1 && fpReg.MatchString(text) && !strings.HasPrefix(f[0], "ld") && !strings.HasPrefix(f[0], "st") {
			simd[pc] = true
		}
	}
	if markerPC == 0 {
		return nil, 0, fmt.Errorf("main.marker not found in the disassembly")
	}
	return simd, markerPC, nil
}

// parseTrace reads qemu's exec log ("Trace 0: host [flags/pc/...] symbol"
// per executed instruction) and returns the counts between successive
// pairs of marker calls, leaving out the runtime's instructions (other
// threads' and the scheduler's).
func parseTrace(r io.Reader, markerPC uint64, simd map[uint64]bool) ([]counts, error) {
	var calls []counts
	var cur counts
	inside := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		lb, rb := bytes.IndexByte(line, '['), bytes.IndexByte(line, ']')
		if lb < 0 || rb < lb {
			continue
		}
		fields := bytes.Split(line[lb+1:rb], []byte("/"))
		if len(fields) < 2 {
			continue
		}
		pc, err := strconv.ParseUint(string(fields[1]), 16, 64)
		if err != nil {
			return nil, fmt.Errorf("trace line %q: %w", line, err)
		}
		if pc == markerPC {
			if inside {
				calls = append(calls, cur)
			}
			inside, cur = !inside, counts{}
			continue
		}
		sym := bytes.TrimSpace(line[rb+1:])
		if !inside || bytes.HasPrefix(sym, []byte("runtime.")) || bytes.HasPrefix(sym, []byte("internal/runtime/")) || bytes.HasPrefix(sym, []byte("main.")) {
			continue
		}
		cur.all++
		if simd[pc] {
			cur.simd++
		}
	}
	return calls, sc.Err()
}
