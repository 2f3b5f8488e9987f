package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fisherflow/fisherflow/fisherflow/mol"
)

// tinyMol is a molecule run small enough for tests.
var tinyMol = []string{"-task", "molecules", "-batch", "4", "-hidden", "8", "-layers", "1", "-time-dim", "4",
	"-eval-every", "3", "-val-batches", "1", "-eval-samples", "4", "-sample-steps", "3", "-quiet"}

func runMol(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("%v: %v\n%s%s", args, err, out.String(), errOut.String())
	}
	return out.String()
}

func TestMoleculesRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	out := runMol(t, append(tinyMol, "-steps", "5", "-out", dir)...)
	if !strings.Contains(out, "atom stability") {
		t.Errorf("no stability line in:\n%s", out)
	}
	for _, f := range []string{"config.json", "splits.json", "metrics.csv", checkpointName, "result.json", "samples.sdf", "loss.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("run folder lacks %s", f)
		}
	}
	mols, err := mol.ReadFile(filepath.Join(dir, "samples.sdf"))
	if err != nil || len(mols) != 4 {
		t.Fatalf("samples.sdf: %d molecules, %v", len(mols), err)
	}
	var res struct {
		Molecules mol.Report `json:"molecules"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "result.json"))
	if err := json.Unmarshal(b, &res); err != nil || res.Molecules.Molecules != 4 || res.Molecules.Reference == 0 {
		t.Errorf("result.json: %v, report %+v", err, res.Molecules)
	}
	var sp mol.Splits
	b, _ = os.ReadFile(filepath.Join(dir, "splits.json"))
	if err := json.Unmarshal(b, &sp); err != nil || len(sp.Train)+len(sp.Val)+len(sp.Test) != 6802 {
		t.Errorf("splits.json: %v, %d+%d+%d molecules", err, len(sp.Train), len(sp.Val), len(sp.Test))
	}
	// The sample command reads the molecule checkpoint.
	sdf := filepath.Join(t.TempDir(), "mols.sdf")
	runMol(t, "sample", "-checkpoint", dir, "-n", "3", "-steps", "2", "-out", sdf)
	if mols, err := mol.ReadFile(sdf); err != nil || len(mols) != 3 {
		t.Errorf("sample: %d molecules, %v", len(mols), err)
	}
}

// TestMoleculesResume checks that 6 steps equal 3 steps, then -resume up
// to 6, bit for bit (the constant schedule: a cosine one depends on
// -steps, which the resume changes).
func TestMoleculesResume(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	args := append(tinyMol, "-schedule", "constant", "-eval-samples", "0")
	runMol(t, append(args, "-steps", "6", "-out", a)...)
	runMol(t, append(args, "-steps", "3", "-out", b)...)
	runMol(t, "-resume", b, "-steps", "6", "-quiet")
	ca, _ := os.ReadFile(filepath.Join(a, checkpointName))
	cb, _ := os.ReadFile(filepath.Join(b, checkpointName))
	if len(ca) == 0 || !bytes.Equal(ca, cb) {
		t.Fatal("the resumed run's checkpoint differs from the straight run's")
	}
	// A run whose config.json predates -param and -cat-cosine (velocity
	// regression on a linear time, the fields absent) resumes as such,
	// not with today's defaults.
	old := filepath.Join(t.TempDir(), "old")
	runMol(t, append(args, "-param", "", "-cat-cosine", "0", "-steps", "3", "-out", old)...)
	if conf, _ := os.ReadFile(filepath.Join(old, "config.json")); bytes.Contains(conf, []byte("param")) || bytes.Contains(conf, []byte("cat_cosine")) {
		t.Fatalf("config.json of a velocity run names the new settings:\n%s", conf)
	}
	runMol(t, "-resume", old, "-steps", "5", "-quiet")
	var errOut bytes.Buffer
	err := run(context.Background(), []string{"-resume", b, "-lr", "0.1"}, &errOut, &errOut)
	if err == nil || !strings.Contains(err.Error(), "-lr") {
		t.Errorf("-resume with -lr: %v", err)
	}
}

const badSDF = "m1\n  test\n\n  2  1  0  0  0  0  0  0  0  0999 V2000\n    0.0000    0.0000    0.0000 C   0  0\n    1.5000    0.0000    0.0000 Xx  0  0\n  1  2  1  0\nM  END\n$$$$\n"

func TestMoleculesBadSDF(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.sdf")
	if err := os.WriteFile(path, []byte(badSDF), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(context.Background(), append(tinyMol, "-data", path, "-steps", "2", "-out", t.TempDir()), &out, &out)
	var pe *mol.ParseError
	if !errors.As(err, &pe) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), path+":6:") {
		t.Fatalf("bad SDF: got %v (%T), want one line with %s:6:", err, err, path)
	}
	if testing.Short() {
		return
	}
	// The binary prints that one line and exits with status 1.
	bin := buildBinary(t)
	cmd := exec.Command(bin, "-task", "molecules", "-data", path, "-out", t.TempDir())
	got, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1", err)
	}
	if lines := strings.Split(strings.TrimSpace(string(got)), "\n"); len(lines) != 1 || !strings.Contains(lines[0], path+":6:") {
		t.Errorf("output %q: want one line naming %s:6:", got, path)
	}
}

// TestMoleculesShardedSampling checks that the shards of a molecule
// sample command, merged, are the SDF of one whole run.
func TestMoleculesShardedSampling(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "run")
	runMol(t, append(tinyMol, "-steps", "3", "-eval-samples", "0", "-out", dir)...)
	n := fmt.Sprint(2*sampleBlock + 5) // three blocks, the last partial
	whole := filepath.Join(tmp, "whole.sdf")
	runMol(t, "sample", "-checkpoint", dir, "-n", n, "-steps", "2", "-seed", "7", "-out", whole)
	want, _ := os.ReadFile(whole)
	if mols, err := mol.ReadFile(whole); err != nil || len(mols) != 2*sampleBlock+5 || mols[len(mols)-1].Name != "sample-2053" {
		t.Fatalf("whole run: %d molecules, %v", len(mols), err)
	}
	out := filepath.Join(tmp, "part.sdf")
	for i := range 3 {
		runMol(t, "sample", "-checkpoint", dir, "-n", n, "-steps", "2", "-seed", "7", "-out", out, "-shard", fmt.Sprintf("%d/3", i))
	}
	runMol(t, "sample", "-merge", out)
	if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
		t.Errorf("3 shards merged (%d bytes) differ from one run (%d bytes)", len(got), len(want))
	}
	var errOut bytes.Buffer
	if err := run(context.Background(), []string{"sample", "-checkpoint", dir, "-shard", "3/3", "-out", out}, &errOut, &errOut); err == nil || !strings.Contains(err.Error(), "-shard") {
		t.Errorf("-shard 3/3: %v", err)
	}
}
