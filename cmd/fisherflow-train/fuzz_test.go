package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"

	"github.com/fisherflow/fisherflow/internal/testutil"
)

// badConfigs are config.json files that -config and -resume refuse.
var badConfigs = []string{
	"", "{", `{"task": "toy",}`, `{"k": "ten"}`, `{"no_such_field": 1}`, `{"train": {"steps": 1.5}}`,
	"{\n  \"k\": 3\n}\nx", `[1, 2]`, `{"train": {"method": "diffusion"}}`,
}

// placed is how a config error starts: the file, line and column.
var placed = regexp.MustCompile(`^in/config\.json:[1-9][0-9]*:[1-9][0-9]*: `)

// FuzzConfig reads arbitrary bytes as the config.json of -config and of
// -resume: no panic, allocation in proportion to the input, errors that
// name the file, line and column, and a config that reads back as itself
// after the run folder writes it.
func FuzzConfig(f *testing.F) {
	for _, c := range []RunConfig{defaults(), demo()} {
		b, _ := json.MarshalIndent(c, "", "  ")
		f.Add(b)
	}
	for _, b := range badConfigs {
		f.Add([]byte(b))
	}
	in, run := filepath.Join(f.TempDir(), "config.json"), f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, strict := range []bool{true, false} {
			c := defaults()
			var err error
			alloc := testutil.Allocated(func() { err = decodeConfig(data, "in/config.json", strict, &c) })
			// The decoder's buffer and the strings and slices of the config.
			if limit := uint64(1<<20 + 64*len(data)); alloc > limit {
				t.Fatalf("decoding %d bytes allocated %d", len(data), alloc)
			}
			if err != nil {
				if !placed.MatchString(err.Error()) {
					t.Fatalf("error %q does not start with the file, line and column", err)
				}
				continue
			}
			validate(c)
			b, err := json.MarshalIndent(c, "", "  ")
			if err != nil {
				t.Fatalf("config does not encode: %v", err)
			}
			back := defaults()
			if err := decodeConfig(b, "out/config.json", true, &back); err != nil {
				t.Fatalf("the written config does not read back: %v\n%s", err, b)
			}
			if !reflect.DeepEqual(back, c) {
				t.Fatalf("config %+v reads back as %+v", c, back)
			}
		}
		// The commands' own paths: -config, then -resume and -config of
		// the run folder's config.json, which give the run's settings.
		// Each file is removed before it is written again: rewriting one
		// in place made each input wait on the disk (ext4 flushes a file
		// truncated and written again when it is closed).
		os.Remove(in)
		if err := os.WriteFile(in, data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, _, err := parseTrainFlags([]string{"-config", in}, io.Discard)
		if err != nil {
			return
		}
		written := filepath.Join(run, "config.json")
		os.Remove(written)
		if err := os.WriteFile(written, configJSON(c), 0o644); err != nil {
			t.Fatal(err)
		}
		if back, err := resumeConfig([]string{"-resume", run}, RunConfig{}, cliFlags{resume: run}); err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("-resume reads %+v, %v; the run was %+v", back, err, c)
		}
		if back, _, err := parseTrainFlags([]string{"-config", written}, io.Discard); err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("-config of the run's config.json reads %+v, %v; the run was %+v", back, err, c)
		}
	})
}
