package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinary compiles the command once for the tests that run it.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "fisherflow-train")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Skipf("cannot build the binary here: %v\n%s", err, out)
	}
	if err := exec.Command(bin, "-h").Run(); errors.Is(err, syscall.ENOEXEC) {
		t.Skipf("cannot run the binary here (emulated without binfmt): %v", err)
	}
	return bin
}

// tiny is a run small enough for tests.
var tiny = []string{"-k", "3", "-batch", "32", "-hidden", "16", "-eval-every", "10", "-eval-samples", "64", "-track-eval", "32", "-sample-steps", "5"}

func runBin(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestRunWritesRunFolder(t *testing.T) {
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "run")
	out := runBin(t, bin, append(tiny, "-steps", "20", "-out", dir)...)
	if !strings.Contains(out, "KL(generated || target) = ") {
		t.Errorf("no KL line in:\n%s", out)
	}
	for _, f := range []string{"config.json", "metrics.csv", "target.csv", "samples.csv", "result.json", checkpointName, "loss.png", "metric.png", "marginals.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run folder lacks %s", f)
		}
	}
	metrics, _ := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if lines := strings.Split(strings.TrimSpace(string(metrics)), "\n"); len(lines) != 21 || lines[0] != metricsHeader {
		t.Errorf("metrics.csv has %d lines, header %q", len(lines), lines[0])
	}
	samples, _ := os.ReadFile(filepath.Join(dir, "samples.csv"))
	if lines := strings.Split(strings.TrimSpace(string(samples)), "\n"); len(lines) != 64 || strings.Count(lines[0], ",") != 3 {
		t.Errorf("samples.csv: %d lines, first %q", len(lines), lines[0])
	}
	var res map[string]any
	js, _ := os.ReadFile(filepath.Join(dir, "result.json"))
	if err := json.Unmarshal(js, &res); err != nil || res["kl"] == nil {
		t.Errorf("result.json %s: %v", js, err)
	}
	// -config reuses the resolved settings; -json prints JSON lines.
	dir2 := filepath.Join(t.TempDir(), "run2")
	out = runBin(t, bin, "-config", filepath.Join(dir, "config.json"), "-steps", "10", "-json", "-out", dir2)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil || v["event"] == nil {
			t.Errorf("-json line %q: %v", line, err)
		}
	}
	var c RunConfig
	b, _ := os.ReadFile(filepath.Join(dir2, "config.json"))
	if err := json.Unmarshal(b, &c); err != nil || c.K != 3 || c.Train.Hidden != 16 || c.Train.Steps != 10 {
		t.Errorf("-config run config: %+v %v", c, err)
	}
	// sample writes CSV classes from the checkpoint.
	sf := filepath.Join(t.TempDir(), "s.csv")
	runBin(t, bin, "sample", "-checkpoint", filepath.Join(dir, checkpointName), "-n", "7", "-steps", "3", "-out", sf)
	if b, _ := os.ReadFile(sf); len(strings.Split(strings.TrimSpace(string(b)), "\n")) != 7 {
		t.Errorf("sample wrote %q", b)
	}
}

// Sequences from FASTA: trained, sampled back as FASTA.
func TestSequencesFASTA(t *testing.T) {
	bin := buildBinary(t)
	tmp := t.TempDir()
	fa := filepath.Join(tmp, "x.fasta")
	var b strings.Builder
	for i := 0; i < 40; i++ {
		b.WriteString(">s\nACGTAC\nGT\n")
	}
	os.WriteFile(fa, []byte(b.String()), 0o644)
	dir := filepath.Join(tmp, "run")
	out := runBin(t, bin, "-data", fa, "-steps", "20", "-batch", "16", "-hidden", "16", "-eval-every", "10", "-eval-samples", "20", "-sample-steps", "4", "-out", dir)
	if !strings.Contains(out, "Jensen-Shannon") {
		t.Errorf("output:\n%s", out)
	}
	s, err := os.ReadFile(filepath.Join(dir, "samples.fasta"))
	if err != nil || !strings.HasPrefix(string(s), ">sample_1\n") {
		t.Errorf("samples.fasta: %q %v", s, err)
	}
	sf := filepath.Join(tmp, "gen.fasta")
	runBin(t, bin, "sample", "-checkpoint", dir, "-n", "3", "-steps", "2", "-out", sf)
	if g, _ := os.ReadFile(sf); strings.Count(string(g), ">") != 3 {
		t.Errorf("sample -out gen.fasta: %q", g)
	}
}

// An interrupted and resumed run matches an uninterrupted one bit for
// bit (steps and losses of metrics.csv).
func TestResumeMatchesStraightRun(t *testing.T) {
	bin := buildBinary(t)
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	runBin(t, bin, append(tiny, "-steps", "40", "-out", a)...)
	runBin(t, bin, append(tiny, "-steps", "20", "-out", b)...)
	runBin(t, bin, "-resume", b, "-steps", "40")
	la, lb := lossColumns(t, a), lossColumns(t, b)
	if len(la) != 40 || strings.Join(la, "\n") != strings.Join(lb, "\n") {
		t.Fatalf("straight run:\n%s\nresumed:\n%s", strings.Join(la, "\n"), strings.Join(lb, "\n"))
	}
	out, err := exec.Command(bin, "-resume", b, "-lr", "0.1").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "-lr") {
		t.Errorf("-resume with -lr: %v %s", err, out)
	}
}

func lossColumns(t *testing.T, dir string) []string {
	b, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
		f := strings.Split(line, ",")
		out = append(out, strings.Join(f[:4], ","))
	}
	return out
}

// SIGINT saves a checkpoint, exits 0 and says how to resume.
func TestInterruptSavesCheckpoint(t *testing.T) {
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin, "-k", "3", "-batch", "32", "-hidden", "16", "-eval-every", "1000", "-steps", "10000000", "-eval-samples", "0", "-quiet", "-out", dir)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Scan() // the start line: training is under way
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	var rest strings.Builder
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, rest.String())
	}
	if !strings.Contains(rest.String(), "-resume "+dir) {
		t.Errorf("no resume hint:\n%s", rest.String())
	}
	if _, err := os.Stat(filepath.Join(dir, checkpointName)); err != nil {
		t.Error(err)
	}
}

// The motifs task trains a small ConvNet on the signal, scores the
// motif recall and writes FASTA samples.
func TestMotifsTask(t *testing.T) {
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "run")
	out := runBin(t, bin, "-task", "motifs", "-len", "12", "-motif", "TATA", "-channels", "8", "-blocks", "1", "-batch", "16",
		"-steps", "10", "-eval-every", "5", "-eval-samples", "32", "-track-eval", "0", "-sample-steps", "5", "-quiet", "-out", dir)
	if !strings.Contains(out, "motif recall = ") {
		t.Errorf("no recall line in:\n%s", out)
	}
	fa, err := os.ReadFile(filepath.Join(dir, "samples.fasta"))
	if err != nil || strings.Count(string(fa), ">") != 32 {
		t.Errorf("samples.fasta: %v, %d records", err, strings.Count(string(fa), ">"))
	}
	var res map[string]any
	js, _ := os.ReadFile(filepath.Join(dir, "result.json"))
	if err := json.Unmarshal(js, &res); err != nil || res["metric_name"] != "motif recall" {
		t.Errorf("result.json %s: %v", js, err)
	}
}

func TestBadInputIsRefused(t *testing.T) {
	bin := buildBinary(t)
	tmp := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(tmp, name)
		os.WriteFile(p, []byte(s), 0o644)
		return p
	}
	ragged := write("ragged.txt", "ACGT\nAC\n")
	badChar := write("bad.fa", ">a\nACGT\nAXGT\n")
	empty := write("empty.fa", "")
	corrupt := write("bad.safetensors", "\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":")
	notDir := write("file", "x")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-k", "1"}, "-k"},
		{[]string{"-method", "diffusion"}, "diffusion"},
		{[]string{"-ot", "greedy"}, "greedy"},
		{[]string{"-method", "linear", "-ot", "exact"}, "OT"},
		{[]string{"-task", "promoter"}, "promoter"},
		{[]string{"-task", "motifs", "-motif", "TAXA"}, "TAXA"},
		{[]string{"-task", "motifs", "-len", "3"}, "does not fit"},
		{[]string{"-task", "motifs", "-ot", "exact"}, "-ot none"},
		{[]string{"-net", "bestmlp", "-task", "motifs"}, "takes no conditioning"},
		{[]string{"-kernels", "mmx"}, "mmx"},
		{[]string{"-no-such-flag"}, "flag provided but not defined"},
		{[]string{"stray"}, "stray"},
		{[]string{"-eval-samples", "-1"}, "eval-samples"},
		{[]string{"-precision", "f16"}, "f16"},
		{[]string{"-data", filepath.Join(tmp, "missing.fa")}, "missing.fa"},
		{[]string{"-data", empty}, "empty"},
		{[]string{"-data", badChar, "-alphabet", "dna"}, "bad.fa:3:2"},
		{[]string{"-data", ragged}, "-pad or -crop"},
		{[]string{"-k", "100000", "-len", "100000"}, "GiB"},
		{[]string{"-resume", tmp}, "config.json"},
		{[]string{"-k", "3", "-steps", "1", "-out", filepath.Join(notDir, "sub")}, "run folder"},
		{[]string{"sample", "-checkpoint", corrupt}, "bad.safetensors"},
		{[]string{"sample", "-checkpoint", filepath.Join(tmp, "none")}, "none"},
		{[]string{"-k", "3", "-batch", "16", "-hidden", "16", "-lr", "1e38", "-steps", "200", "-eval-every", "5"}, "diverged"},
	} {
		args := c.args
		if args[0] != "sample" && !strings.Contains(strings.Join(args, " "), "-out") && !strings.Contains(strings.Join(args, " "), "-resume") {
			args = append(args, "-out", filepath.Join(t.TempDir(), "r"))
		}
		out, err := exec.Command(bin, args...).CombinedOutput()
		var ee *exec.ExitError
		if err == nil || !errors.As(err, &ee) || ee.ExitCode() == 0 {
			t.Errorf("%v accepted (%v):\n%s", c.args, err, out)
			continue
		}
		if strings.Contains(string(out), "panic") || !strings.Contains(string(out), c.want) {
			t.Errorf("%v: message lacks %q:\n%s", c.args, c.want, out)
		}
	}
}
