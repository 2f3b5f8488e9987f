package main

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// A run's config.json reads back as the run's settings, by -resume and
// by -config, whatever the task and with zeros given where the defaults
// are not zero.
func TestConfigReadsBack(t *testing.T) {
	for _, args := range [][]string{
		{"-k", "3", "-len", "2", "-track-eval", "0"},
		{"-task", "smiley", "-holdout", "0", "-seed", "7", "-hidden", "16"},
		{"-data", "x.fasta", "-holdout", "0", "-pad"},
		{"-task", "motifs", "-motif", "TATA", "-len", "12", "-channels", "8"},
		{"-task", "enhancer", "-data", "x.fasta", "-labels", "header", "-label-column", "", "-guidance", "0", "-fbd-steps", "0"},
		{"-task", "promoter", "-data", "x.fasta", "-split-column", "chrom", "-test", "chr9", "-shift", "2", "-steps", "5"},
	} {
		c, _, err := parseTrainFlags(args, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "config.json")
		if err := os.WriteFile(path, configJSON(c), 0o644); err != nil {
			t.Fatal(err)
		}
		resumed, err := resumeConfig([]string{"-resume", dir}, RunConfig{}, cliFlags{resume: dir})
		if err != nil || !reflect.DeepEqual(resumed, c) {
			t.Errorf("%v: -resume reads\n%+v, %v; the run was\n%+v", args, resumed, err, c)
		}
		again, _, err := parseTrainFlags([]string{"-config", path}, io.Discard)
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Errorf("%v: -config reads\n%+v, %v; the run was\n%+v", args, again, err, c)
		}
	}
	// A file's settings stand against the task's defaults, the flags
	// given against the file.
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	os.WriteFile(path, []byte(`{"task": "smiley", "train": {"seed": 7, "val_batches": 3}}`), 0o644)
	c, _, err := parseTrainFlags([]string{"-config", path, "-hidden", "24"}, io.Discard)
	if err != nil || c.Train.Seed != 7 || c.Train.ValBatches != 3 || c.Train.Hidden != 24 || c.Train.Net != "mlp" {
		t.Errorf("-config of a partial smiley file: %+v, %v", c.Train, err)
	}
}
