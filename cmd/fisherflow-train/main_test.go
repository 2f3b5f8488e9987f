package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
	// The header, the untrained model's row 0 (with -track-eval), 20 steps.
	if lines := strings.Split(strings.TrimSpace(string(metrics)), "\n"); len(lines) != 22 || lines[0] != metricsHeader || !strings.HasPrefix(lines[1], "0,,,") {
		t.Errorf("metrics.csv has %d lines, header %q, then %q", len(lines), lines[0], lines[1])
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
	if len(la) != 41 || strings.Join(la, "\n") != strings.Join(lb, "\n") { // row 0 and 40 steps
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

// The DNA tasks on files: synth writes FASTA, signal and labels; a
// promoter run reads the signal and splits by chromosome, an enhancer run
// reads labels and is scored by a classifier it saves; sample generates
// under a signal and a class.
func TestDNAFiles(t *testing.T) {
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "dna")
	runBin(t, bin, "synth", "-out", data, "-n", "100", "-len", "16")
	fa, sig, labels := filepath.Join(data, "data.fasta"), filepath.Join(data, "signal.npy"), filepath.Join(data, "labels.csv")
	small := []string{"-channels", "8", "-blocks", "1", "-batch", "8", "-steps", "6", "-eval-every", "3", "-eval-samples", "12", "-sample-steps", "3", "-quiet"}
	prom := filepath.Join(t.TempDir(), "prom")
	out := runBin(t, bin, append([]string{"-task", "promoter", "-data", fa, "-signal", sig, "-split-column", "chrom", "-test", "chr9", "-val", "chr10",
		"-track-eval", "8", "-out", prom}, small...)...)
	for _, want := range []string{"100 sequences of 16 bases", "a signal of 1 channel(s)", "split 80 train / 10 validation / 10 test", "step 0 (untrained)  k-mer JS", "k-mer spectrum distance to the test split = "} {
		if !strings.Contains(out, want) {
			t.Errorf("promoter run output lacks %q:\n%s", want, out)
		}
	}
	var res map[string]any
	js, _ := os.ReadFile(filepath.Join(prom, "result.json"))
	if err := json.Unmarshal(js, &res); err != nil || res["metric_name"] != "k-mer JS" || res["kmer_js"] == nil || res["class_accuracy"] != nil {
		t.Errorf("promoter result.json %s: %v", js, err)
	}
	// Training windows moved by up to ±2 bases: a model of 12 of the 16.
	out = runBin(t, bin, append([]string{"-task", "promoter", "-data", fa, "-signal", sig, "-split-column", "chrom", "-test", "chr9", "-shift", "2",
		"-track-eval", "0", "-out", filepath.Join(t.TempDir(), "shift")}, small...)...)
	if !strings.Contains(out, "training windows of 12 bases moved by up to ±2, held-out windows centred") {
		t.Errorf("promoter -shift 2 output:\n%s", out)
	}
	gen := runBin(t, bin, "sample", "-checkpoint", prom, "-signal", sig, "-n", "5", "-steps", "3")
	if strings.Count(gen, ">") != 5 {
		t.Errorf("sample -signal wrote:\n%s", gen)
	}
	enh := filepath.Join(t.TempDir(), "enh")
	out = runBin(t, bin, append([]string{"-task", "enhancer", "-data", fa, "-labels", labels, "-guidance", "2", "-fbd-steps", "5", "-track-eval", "0", "-out", enh}, small...)...)
	if !strings.Contains(out, "3 classes (CACGTG, GGGCGG, TATAAT)") || !strings.Contains(out, "classifier: ") {
		t.Errorf("enhancer run output:\n%s", out)
	}
	js, _ = os.ReadFile(filepath.Join(enh, "result.json"))
	res = nil
	if err := json.Unmarshal(js, &res); err != nil || res["class_accuracy"] == nil || res["fbd"] == nil {
		t.Errorf("enhancer result.json %s: %v", js, err)
	}
	if _, err := os.Stat(filepath.Join(enh, classifierName)); err != nil {
		t.Errorf("no saved classifier: %v", err)
	}
	gen = runBin(t, bin, "sample", "-checkpoint", enh, "-class", "TATAAT", "-guidance", "3", "-n", "4", "-steps", "3")
	if strings.Count(gen, ">") != 4 {
		t.Errorf("sample -class wrote:\n%s", gen)
	}
	// A reused classifier file, and the labels from the FASTA headers.
	runBin(t, bin, append([]string{"-task", "enhancer", "-data", fa, "-labels", "header", "-fbd-classifier", filepath.Join(enh, classifierName),
		"-track-eval", "0", "-out", filepath.Join(t.TempDir(), "enh2")}, small...)...)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sample", "-checkpoint", prom, "-n", "2"}, "-signal FILE.npy"},
		{[]string{"sample", "-checkpoint", enh, "-n", "2"}, "-class NAME"},
		{[]string{"sample", "-checkpoint", enh, "-n", "2", "-class", "XYZ"}, "CACGTG, GGGCGG, TATAAT"},
		{[]string{"-task", "promoter", "-data", fa, "-test", "chr9"}, "-split-column"},
		{[]string{"-task", "promoter", "-data", fa, "-split-column", "chrom"}, "needs -test"},
		{[]string{"-task", "promoter", "-data", fa, "-split-column", "tissue", "-test", "x"}, `"tissue"`},
		{[]string{"-task", "promoter", "-data", fa, "-signal", labels}, "labels.csv"},
		{[]string{"-task", "promoter", "-data", fa, "-alphabet", "ACGTN"}, "takes DNA over ACGT"},
		{[]string{"-task", "promoter", "-data", fa, "-shift", "8"}, "leave no window"},
		{[]string{"-task", "enhancer", "-data", fa, "-labels", filepath.Join(data, "none.csv")}, "none.csv"},
		{[]string{"-task", "enhancer", "-data", fa, "-labels", "header", "-fbd-classifier", filepath.Join(prom, checkpointName), "-steps", "1", "-eval-samples", "4", "-channels", "8", "-blocks", "1", "-batch", "4", "-sample-steps", "1"}, "format"},
	} {
		cmd := exec.Command(bin, append(c.args, "-out", filepath.Join(t.TempDir(), "r"))...)
		if c.args[0] == "sample" {
			cmd = exec.Command(bin, c.args...)
		}
		out, err := cmd.CombinedOutput()
		if err == nil || strings.Contains(string(out), "panic") || !strings.Contains(string(out), c.want) {
			t.Errorf("%v: %v, message lacks %q:\n%s", c.args, err, c.want, out)
		}
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

// A run folder without a checkpoint (a run killed before its first) is
// resumed from the start, as the run would have gone.
func TestResumeWithoutCheckpoint(t *testing.T) {
	tmp := t.TempDir()
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	args := append(slices.Clone(tiny), "-steps", "12", "-eval-samples", "0", "-quiet")
	for _, dir := range []string{a, b} {
		if err := run(context.Background(), append(args, "-out", dir), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	os.Remove(filepath.Join(b, checkpointName))
	os.Remove(filepath.Join(b, "metrics.csv"))
	var out strings.Builder
	if err := run(context.Background(), []string{"-resume", b, "-quiet"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	ca, _ := os.ReadFile(filepath.Join(a, checkpointName))
	cb, _ := os.ReadFile(filepath.Join(b, checkpointName))
	if !strings.Contains(out.String(), "no checkpoint yet") || len(ca) == 0 || !bytes.Equal(ca, cb) {
		t.Errorf("the resumed run's checkpoint differs from the straight run's; it logged:\n%s", out.String())
	}
	if la, lb := lossColumns(t, a), lossColumns(t, b); !slices.Equal(la, lb) {
		t.Errorf("metrics.csv: straight\n%s\nresumed\n%s", strings.Join(la, "\n"), strings.Join(lb, "\n"))
	}
}

// readMetrics keeps the rows up to the checkpoint's step and leaves out
// a last line that a crash cut.
func TestReadMetrics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.csv")
	rows := []metricRow{{step: 0, loss: math.NaN(), val: math.NaN(), metric: 0.5}, {step: 1, loss: 2, val: math.NaN(), metric: math.NaN()}, {step: 2, loss: 1.5, val: 1, metric: 0.25}}
	if err := writeMetrics(filepath.Dir(path), rows); err != nil {
		t.Fatal(err)
	}
	whole, _ := os.ReadFile(path)
	for _, c := range []struct {
		text string
		upTo int
		want int
	}{
		{string(whole), 2, 3},
		{string(whole), 1, 2},
		{string(whole) + "3,1.4", 2, 3},
		{string(whole) + "3,1.4", 5, 3},
		{string(whole[:len(whole)-1]), 2, 2},
		{metricsHeader[:4], 2, 0},
	} {
		os.WriteFile(path, []byte(c.text), 0o644)
		got, err := readMetrics(path, c.upTo)
		if err != nil || len(got) != c.want || fmt.Sprint(got) != fmt.Sprint(rows[:c.want]) {
			t.Errorf("%q up to %d: %v, %v; want the first %d rows", c.text, c.upTo, got, err, c.want)
		}
	}
	os.WriteFile(path, []byte(metricsHeader+"\n1,2\n"), 0o644)
	if _, err := readMetrics(path, 5); err == nil || !strings.Contains(err.Error(), "metrics.csv:2") {
		t.Errorf("a short row: %v", err)
	}
}
