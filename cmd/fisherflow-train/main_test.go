package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
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

func TestRunWritesRunFolder(t *testing.T) {
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "run")
	out, err := exec.Command(bin, "-k", "3", "-steps", "20", "-batch", "32", "-hidden", "16", "-eval-every", "10",
		"-eval-samples", "64", "-sample-steps", "5", "-out", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "KL(generated || target) = ") {
		t.Errorf("no KL line in:\n%s", out)
	}
	for _, f := range []string{"config.json", "metrics.csv", "target.csv", "samples.csv", "result.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run folder lacks %s", f)
		}
	}
	metrics, _ := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if lines := strings.Split(strings.TrimSpace(string(metrics)), "\n"); len(lines) != 21 || !strings.HasPrefix(lines[0], "step,loss") {
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
}

func TestBadInputIsRefused(t *testing.T) {
	bin := buildBinary(t)
	for _, args := range [][]string{
		{"-k", "1"},
		{"-method", "diffusion"},
		{"-ot", "greedy"},
		{"-method", "linear", "-ot", "exact"},
		{"-task", "promoter"},
		{"-kernels", "mmx"},
		{"-no-such-flag"},
		{"stray"},
		{"-eval-samples", "-1"},
	} {
		out, err := exec.Command(bin, append(args, "-out", t.TempDir())...).CombinedOutput()
		if err == nil {
			t.Errorf("%v accepted:\n%s", args, out)
			continue
		}
		if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); !strings.HasPrefix(lines[len(lines)-1], "fisherflow-train: ") && !strings.Contains(string(out), "flag provided but not defined") {
			t.Errorf("%v: unclear message:\n%s", args, out)
		}
	}
}
