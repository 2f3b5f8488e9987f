package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/fisherflow/fisherflow/internal/safetensors"
)

// flagValue returns the value of -name (or --name) in args, in the forms
// "-name value" and "-name=value", or "" when it is not given; the last
// one given wins, as package flag does.
func flagValue(args []string, name string) string {
	v := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if a == name && i+1 < len(args) {
			v = args[i+1]
			i++
		} else if strings.HasPrefix(a, name+"=") {
			v = a[len(name)+1:]
		}
	}
	return v
}

// selfRunKind is the kind of task that runs itself (taskKind.run) named by
// args: by -task, or with -resume by the run folder's config.json; nil
// for the sequence trainer's kinds.
func selfRunKind(args []string) *taskKind {
	name := flagValue(args, "task")
	if dir := flagValue(args, "resume"); dir != "" && name == "" {
		b, err := os.ReadFile(filepath.Join(dir, "config.json"))
		if err != nil {
			return nil // the train command reports the missing folder
		}
		var c struct {
			Task string `json:"task"`
		}
		if json.Unmarshal(b, &c) != nil {
			return nil
		}
		name = c.Task
	}
	if k, ok := taskKinds[name]; ok && k.run != nil {
		return k
	}
	return nil
}

// checkpointKind is the kind of task whose sample command reads the
// checkpoint that -checkpoint names (a file or a run folder), told by its
// metadata's format; nil for the sequence trainer's checkpoints and for
// files it cannot read (the sample command reports those).
func checkpointKind(args []string) *taskKind {
	path := flagValue(args, "checkpoint")
	if path == "" {
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, checkpointName)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	_, meta, err := safetensors.Unmarshal(b)
	if err != nil {
		return nil
	}
	for _, k := range kinds() {
		if k.sample != nil && k.format != "" && meta["format"] == k.format {
			return k
		}
	}
	return nil
}
