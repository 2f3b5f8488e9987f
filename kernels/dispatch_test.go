package kernels

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestPaths(t *testing.T) {
	ps := Paths()
	if len(ps) == 0 || ps[len(ps)-1] != "generic" {
		t.Fatalf("Paths() = %v, want generic last", ps)
	}
	if !slices.Contains(ps, Path()) {
		t.Fatalf("active path %q not among %v", Path(), ps)
	}
	if os.Getenv(EnvPath) == "" && Path() != ps[0] {
		t.Fatalf("start-up chose %q, best is %q", Path(), ps[0])
	}
}

func TestUsePath(t *testing.T) {
	prev := Path()
	defer UsePath(prev)
	if err := UsePath("generic"); err != nil || Path() != "generic" {
		t.Fatalf("UsePath(generic): %v, Path() = %q", err, Path())
	}
	err := UsePath("sse1")
	if err == nil || !strings.Contains(err.Error(), `unknown kernel path "sse1"`) || !strings.Contains(err.Error(), "generic") {
		t.Fatalf("unknown path: %v", err)
	}
	if Path() != "generic" {
		t.Fatal("failed UsePath changed the path")
	}
	// A path the build knows but the CPU cannot run.
	saved := paths
	defer func() { paths = saved }()
	paths = append([]*path{{name: "future", supported: func() bool { return false }}}, saved...)
	if err := UsePath("future"); err == nil || !strings.Contains(err.Error(), "not supported by this CPU") {
		t.Fatalf("unsupported path: %v", err)
	}
}

func TestSelectPath(t *testing.T) {
	prev := Path()
	defer UsePath(prev)
	var buf bytes.Buffer
	selectPath(" generic ", &buf)
	if Path() != "generic" || buf.Len() != 0 {
		t.Fatalf("generic: path %q, message %q", Path(), buf.String())
	}
	selectPath("", &buf)
	if Path() != Paths()[0] || buf.Len() != 0 {
		t.Fatalf("empty: path %q, message %q", Path(), buf.String())
	}
	selectPath("nonsense", &buf)
	msg := buf.String()
	if Path() != Paths()[0] || !strings.Contains(msg, EnvPath) || !strings.Contains(msg, "nonsense") || !strings.Contains(msg, "choices: ") {
		t.Fatalf("bad name: path %q, message %q", Path(), msg)
	}
}

// TestEnvAtStartup runs this test binary again with FISHERFLOW_KERNELS set,
// so the package's real start-up code reads it.
func TestEnvAtStartup(t *testing.T) {
	if os.Getenv("KERNELS_CHILD") != "" {
		os.Stdout.WriteString("PATH=" + Path() + "\n")
		return
	}
	for _, c := range []struct{ env, want, stderr string }{
		{"generic", "generic", ""},
		{"bogus", Paths()[0], `FISHERFLOW_KERNELS="bogus": unknown kernel path`},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEnvAtStartup$")
		cmd.Env = append(os.Environ(), "KERNELS_CHILD=1", EnvPath+"="+c.env)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); errors.Is(err, syscall.ENOEXEC) {
			t.Skipf("cannot re-execute the test binary (emulated without binfmt): %v", err)
		} else if err != nil {
			t.Fatalf("child: %v\n%s%s", err, out.String(), errb.String())
		}
		if !strings.Contains(out.String(), "PATH="+c.want+"\n") {
			t.Errorf("%s=%s: child output %q, want path %q", EnvPath, c.env, out.String(), c.want)
		}
		if c.stderr == "" && errb.Len() != 0 || !strings.Contains(errb.String(), c.stderr) {
			t.Errorf("%s=%s: stderr %q, want %q", EnvPath, c.env, errb.String(), c.stderr)
		}
	}
}

// TestPathsStayOnTheirPath calls every kernel of every path's tables with
// a path active whose tables are empty: a kernel that reached the active
// path (impl32, impl64) instead of its own path's primitives would call a
// nil function and panic.
func TestPathsStayOnTheirPath(t *testing.T) {
	prev := active.Load()
	defer active.Store(prev)
	empty := &path{name: "empty", supported: func() bool { return true }, f32: &ops[float32]{}, f64: &ops[float64]{}}
	for _, p := range supportedPaths() {
		active.Store(empty)
		t.Run(p.name+"/f32", func(t *testing.T) { callEveryOp(t, p.f32) })
		t.Run(p.name+"/f64", func(t *testing.T) { callEveryOp(t, p.f64) })
	}
}

// callEveryOp calls each entry of o once on small valid arguments (rows of
// d = 16, above simdMinRow, so the SIMD compositions run).
func callEveryOp[T float32 | float64](t *testing.T, o *ops[T]) {
	const d, rows = 16, 70
	n := d * rows
	x, y, z, dst := make([]T, n), make([]T, n), make([]T, n), make([]T, n)
	for i := range x {
		x[i], y[i], z[i] = T(i%7+1)/8, T(i%5+1)/8, T(i%3+1)/8
	}
	calls := map[string]func(){
		"unary": func() {
			for _, f := range []func(dst, x []T){o.sqrt, o.square, o.acos, o.sin, o.cos, o.exp, o.sigmoid, o.log} {
				f(dst, x)
			}
			o.atan2(dst, y, x)
		},
		"relax": func() {
			if o.relax != nil {
				o.relax(dst, x, 0.5)
			}
			if o.gibbs != nil {
				o.gibbs(dst, x, -1)
			}
		},
		"level1": func() {
			o.dot(x, y)
			o.axpy(2, x, dst)
			o.dot4(x[:d], x[d:2*d], x[2*d:3*d], x[3*d:4*d], y[:d])
			o.axpy4(1, 2, 3, 4, x[:d], x[d:2*d], x[2*d:3*d], x[3*d:4*d], dst[:d])
			o.scale(2, dst)
			o.sum(x)
			o.norm2(x)
		},
		"update": func() {
			o.scaleNeg(dst, x, y, 0.5)
			m, v := make([]float64, n), make([]float64, n)
			o.adamW(dst, x, m, v, [7]float64{0.9, 0.1, 0.999, 0.001, 0.99, 0.01, 1e-8})
		},
		"norm": func() {
			sum, dot := make([]float64, n), make([]float64, n)
			o.colSums(dst[:d], x, 0)
			o.moments(x, 0.5)
			o.colMoments(sum, dot, x, y, 0.5)
			o.scaleShift(dst, x, y, z, 0.5, 0.25)
		},
		"sphere": func() {
			o.toSphere(dst, x, d)
			o.toSimplex(dst, x, d)
			o.sphereDist(dst[:rows], x, y, d)
			o.slerp(dst, x, y, z[:rows], d)
			o.logMap(dst, x, y, d)
			o.expMap(dst, x, y, d)
			o.projectTangent(dst, x, y, d)
			o.pairwiseSphereDist(make([]T, rows*rows), x, y, d)
		},
		"gemm": func() {
			o.gemm(false, true, rows, rows, d, 1, x, d, y, d, 0, make([]T, rows*rows), rows)
			s := ConvShape{Batch: 2, Length: 35, In: 8, Out: 4, Kernel: 3, Dilation: 1}
			w := make([]T, s.Out*s.Kernel*s.In)
			o.conv(convForward, s, make([]T, 70*s.Out), x[:70*s.In], w, nil, 0)
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("panicked (reached the active path's tables?): %v", r)
				}
			}()
			call()
		})
	}
}
