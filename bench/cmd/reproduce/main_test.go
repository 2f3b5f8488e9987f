package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSplice(t *testing.T) {
	sec := []byte("new\n")
	block := beginMarker + "\nnew\n" + endMarker + "\n"
	for _, c := range []struct{ doc, want string }{
		{"", block},
		{"# Title\ntext", "# Title\ntext\n\n" + block},
		{"a\n\n" + beginMarker + "\nold\nold\n" + endMarker + "\nb\n", "a\n\n" + block + "b\n"},
		{"a\n" + endMarker + "\n" + beginMarker + "\n", "a\n" + endMarker + "\n" + beginMarker + "\n\n" + block}, // markers out of order: append
	} {
		if got := string(splice([]byte(c.doc), sec)); got != c.want {
			t.Errorf("splice(%q) = %q, want %q", c.doc, got, c.want)
		}
	}
}

func TestUniformKL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "target.csv")
	os.WriteFile(path, []byte("0.5,0.25,0.25\n0.2,0.3,0.5\n"), 0o644)
	got, err := uniformKL(path)
	if err != nil {
		t.Fatal(err)
	}
	kl := func(p ...float64) float64 {
		s := 0.0
		for _, x := range p {
			s += math.Log((1.0/3)/x) / 3
		}
		return s
	}
	if want := (kl(0.5, 0.25, 0.25) + kl(0.2, 0.3, 0.5)) / 2; math.Abs(got-want) > 1e-15 {
		t.Errorf("uniformKL = %v, want %v", got, want)
	}
	os.WriteFile(path, []byte("0.5,0,0.5\n"), 0o644)
	if _, err := uniformKL(path); err == nil {
		t.Error("a zero probability was accepted")
	}
}

// TestSweep runs a tiny sweep with the real fisherflow-train, then runs it
// again: the second invocation must reuse every point.
func TestSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs fisherflow-train")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "fisherflow-train")
	if out, err := exec.Command("go", "build", "-o", bin, "../../../cmd/fisherflow-train").CombinedOutput(); err != nil {
		t.Fatalf("building fisherflow-train: %v\n%s", err, out)
	}
	md := filepath.Join(dir, "R.md")
	os.WriteFile(md, []byte("# Reproduction\n\nhand-written text\n"), 0o644)
	o := options{train: bin, out: filepath.Join(dir, "runs"), md: md, plot: filepath.Join(dir, "kl.png"), cmd: "test",
		ks: []int{2, 3}, steps: []int{4}, seeds: []uint64{1, 2}, methods: []string{"fisherflow-ot", "fisherflow", "linear"},
		evalSamples: 64, jobs: 2, threads: 1}
	var log bytes.Buffer
	if err := run(context.Background(), o, &log); err != nil {
		t.Fatalf("sweep: %v\n%s", err, log.String())
	}
	if n := strings.Count(log.String(), "KL "); n != 12 {
		t.Errorf("%d points reported, want 12:\n%s", n, log.String())
	}
	doc, _ := os.ReadFile(md)
	for _, want := range []string{"hand-written text", beginMarker, "### 4 training steps", "| 3 |", "Fisher-Flow, no OT", endMarker, "kl.png"} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("report lacks %q:\n%s", want, doc)
		}
	}
	if fi, err := os.Stat(o.plot); err != nil || fi.Size() == 0 {
		t.Errorf("plot: %v", err)
	}
	csv, _ := os.ReadFile(filepath.Join(o.out, "kl-sweep.csv"))
	if n := strings.Count(string(csv), "\n"); n != 13 {
		t.Errorf("kl-sweep.csv has %d lines, want 13:\n%s", n, csv)
	}
	log.Reset()
	if err := run(context.Background(), o, &log); err != nil {
		t.Fatalf("second sweep: %v", err)
	}
	if n := strings.Count(log.String(), "reused"); n != 12 {
		t.Errorf("second sweep reused %d points, want 12:\n%s", n, log.String())
	}
	doc2, _ := os.ReadFile(md)
	if bytes.Count(doc2, []byte(beginMarker)) != 1 {
		t.Errorf("the section was not replaced:\n%s", doc2)
	}
	// A missing binary is a clear error, not a sweep of failures.
	o.train = filepath.Join(dir, "nope")
	if err := run(context.Background(), o, &log); err == nil || !strings.Contains(err.Error(), "-train") {
		t.Errorf("missing binary: %v", err)
	}
}
