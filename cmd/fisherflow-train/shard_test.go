package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestShardRanges(t *testing.T) {
	for _, n := range []int{1, 1000, 1024, 1025, 5000, 10 * sampleBlock} {
		for parts := 1; parts <= 7; parts++ {
			next := 0
			for i := range parts {
				lo, hi := shard{i, parts}.samples(n)
				if lo != next || hi < lo || (lo%sampleBlock != 0 && lo != n) {
					t.Fatalf("n=%d shard %d/%d: [%d, %d) after %d", n, i, parts, lo, hi, next)
				}
				next = hi
			}
			if next != n {
				t.Errorf("n=%d in %d shards covers %d samples", n, parts, next)
			}
		}
	}
	if blockSeed(7, 0) != 7 || blockSeed(7, 1) == blockSeed(7, 2) || blockSeed(7, 1) == blockSeed(8, 1) {
		t.Error("block seeds")
	}
	for s, want := range map[string]shard{"": {0, 1}, "0/1": {0, 1}, "2/3": {2, 3}} {
		if got, err := parseShard(s); err != nil || got != want {
			t.Errorf("parseShard(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"3/3", "-1/2", "1", "a/b", "0/0", "slurm"} {
		if _, err := parseShard(s); err == nil {
			t.Errorf("parseShard(%q) accepted", s)
		}
	}
	t.Setenv("SLURM_ARRAY_TASK_ID", "12")
	t.Setenv("SLURM_ARRAY_TASK_MIN", "10")
	t.Setenv("SLURM_ARRAY_TASK_COUNT", "4")
	if got, err := parseShard("slurm"); err != nil || got != (shard{2, 4}) {
		t.Errorf("parseShard(slurm) = %v, %v", got, err)
	}
	if got := (shard{1, 3}).path("/a/gen.fasta"); got != "/a/gen.shard-1-of-3.fasta" {
		t.Errorf("path %q", got)
	}
	if got := string(renumberFASTA([]byte(">sample_1\nAC\n>sample_2\nGT\n"), 1024)); got != ">sample_1025\nAC\n>sample_1026\nGT\n" {
		t.Errorf("renumberFASTA: %q", got)
	}
}

// The N shards of a sample command, merged, are the samples of one run of
// the whole: classes (FASTA) and probabilities (CSV).
func TestShardedSampling(t *testing.T) {
	bin := buildBinary(t)
	tmp := t.TempDir()
	fa := filepath.Join(tmp, "x.fasta")
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, ">s%d\nACGTAC%s\n", i, []string{"GT", "TA", "CC"}[i%3])
	}
	os.WriteFile(fa, []byte(b.String()), 0o644)
	dir := filepath.Join(tmp, "run")
	runBin(t, bin, "-data", fa, "-steps", "10", "-batch", "16", "-hidden", "16", "-eval-every", "10", "-eval-samples", "0", "-track-eval", "0", "-out", dir)
	n := fmt.Sprint(2*sampleBlock + 300) // three blocks, the last partial
	for _, c := range []struct{ file string }{{"gen.fasta"}, {"probs.csv"}} {
		extra := []string{}
		if c.file == "probs.csv" {
			extra = []string{"-probs"}
		}
		whole := filepath.Join(tmp, "whole-"+c.file)
		runBin(t, bin, append([]string{"sample", "-checkpoint", dir, "-n", n, "-steps", "3", "-seed", "5", "-out", whole}, extra...)...)
		want, _ := os.ReadFile(whole)
		if c.file == "gen.fasta" && !strings.Contains(string(want), ">sample_2348\n") {
			t.Fatalf("whole run: %d bytes, no >sample_2348", len(want))
		}
		for _, parts := range []int{2, 3, 5} {
			out := filepath.Join(tmp, fmt.Sprintf("p%d-%s", parts, c.file))
			for i := range parts {
				runBin(t, bin, append([]string{"sample", "-checkpoint", dir, "-n", n, "-steps", "3", "-seed", "5", "-out", out,
					"-shard", fmt.Sprintf("%d/%d", i, parts)}, extra...)...)
			}
			runBin(t, bin, "sample", "-merge", out)
			if got, _ := os.ReadFile(out); string(got) != string(want) {
				t.Errorf("%s: %d shards merged (%d bytes) differ from one run (%d bytes)", c.file, parts, len(got), len(want))
			}
		}
	}
	os.Remove(filepath.Join(tmp, "p3-gen.shard-1-of-3.fasta"))
	if out, err := runBinErr(bin, "sample", "-merge", filepath.Join(tmp, "p3-gen.fasta")); err == nil || !strings.Contains(out, "1 of 3 shards") {
		t.Errorf("merge with a shard missing: %v %s", err, out)
	}
}

func runBinErr(bin string, args ...string) (string, error) {
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}
