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
