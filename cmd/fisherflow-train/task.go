package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/seqio"
)

// A task is what a run learns and how its samples are judged: its data,
// its evaluation metric, what it adds to the log, the checkpoint,
// result.json and the run folder, and its samples file. Each kind of task
// is one file (task_*.go) that registers a taskKind.
type task interface {
	// data is the training data; validation the held-out split for the
	// validation loss, or nil (validation batches from the training data).
	data() fisherflow.Data
	validation() fisherflow.Data
	// summary describes the data read, for the log, or "".
	summary() string
	// metric names the evaluation metric (metrics.csv, result.json);
	// metricTitle is the title of its plot.
	metric() string
	metricTitle() string
	// evaluate draws n samples from s (steps Euler steps, seed) and
	// scores them; it returns the classes and, when the task writes or
	// scores them, the probability vectors.
	evaluate(s sampler, n, steps int, seed uint64) (score float64, classes []int, probs []float64)
	// files are written to the run folder when it is made (name: bytes).
	files() map[string][]byte
	// checkpointMeta adds the task's metadata to a checkpoint's.
	checkpointMeta(meta map[string]string)
	// results adds to result.json what the final samples (classes, from
	// s with the best weights) say beyond the metric, logging it to log.
	results(s sampler, c RunConfig, out string, score float64, classes []int, res map[string]any, log *logger) error
	// resultLine is the log's sentence on the final score.
	resultLine(score float64, c RunConfig) string
	// samplesFile names the generated-samples file and writes it.
	samplesFile(classes []int, probs []float64) (string, []byte, error)
	// plots draws the task's own PNGs of the final samples into out and
	// returns their names.
	plots(out string, classes []int, probs []float64) ([]string, error)
}

// sampler is the part of a fisherflow.Trainer that evaluation uses, in
// either precision.
type sampler interface {
	Sample(n, steps int, seed uint64, probs []float64) []int
	SampleConditioned(n, steps int, seed uint64, signal []float64, class []int, guidance float64, probs []float64) ([]int, error)
}

// baseTask is the behaviour a task has unless it says otherwise: no
// validation split, summary, files, metadata, extra results or plots.
type baseTask struct{}

func (baseTask) validation() fisherflow.Data      { return nil }
func (baseTask) summary() string                  { return "" }
func (baseTask) files() map[string][]byte         { return nil }
func (baseTask) checkpointMeta(map[string]string) {}
func (baseTask) results(sampler, RunConfig, string, float64, []int, map[string]any, *logger) error {
	return nil
}
func (baseTask) plots(string, []int, []float64) ([]string, error) { return nil, nil }

// A taskKind is a kind of task as -task names it.
type taskKind struct {
	// names are the -task values of the kind; help says what it learns.
	names []string
	help  string
	// rank orders the kinds in -h and in errors (then their first
	// name).
	rank int
	// readsData says the kind reads -data itself (else -data selects the
	// sequences task).
	readsData bool
	// defaults sets the kind's defaults for the settings not given (set:
	// those given by a flag or by -config's file, named as flags, as
	// fileSettings does); nil for none.
	defaults func(c *RunConfig, set map[string]bool)
	// validate checks the kind's settings.
	validate func(c RunConfig) error
	// load reads or draws the data of a run.
	load func(c RunConfig) (task, error)
	// run, when set, runs the kind's whole training from the command's
	// arguments with flags of its own, for a kind whose model is not the
	// sequence trainer's (see selfrun.go); sample likewise runs the sample
	// command for checkpoints whose metadata format is format.
	run    func(ctx context.Context, args []string, stdout, stderr io.Writer) error
	sample func(args []string, stdout, stderr io.Writer) error
	format string
	// bind registers such a kind's run flags on fs, and check resolves
	// and checks a run's arguments, returning its steps: what sweep needs
	// to check, run and resume the kind's points.
	bind  func(fs *flag.FlagSet)
	check func(args []string) (steps int, err error)
}

var taskKinds = map[string]*taskKind{}

// registerTask makes kind available under its names.
func registerTask(kind *taskKind) {
	for _, name := range kind.names {
		if _, dup := taskKinds[name]; dup {
			panic(fmt.Sprintf("task %q registered twice", name))
		}
		taskKinds[name] = kind
	}
}

// kinds returns the registered kinds in rank order.
func kinds() []*taskKind {
	var out []*taskKind
	seen := map[*taskKind]bool{}
	for _, k := range taskKinds {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].rank != out[j].rank {
			return out[i].rank < out[j].rank
		}
		return out[i].names[0] < out[j].names[0]
	})
	return out
}

// taskNames lists every -task value, in rank order.
func taskNames() string {
	var names []string
	for _, k := range kinds() {
		names = append(names, k.names...)
	}
	return strings.Join(names, ", ")
}

// taskHelp is the -task flag's help.
func taskHelp() string {
	var parts []string
	for _, k := range kinds() {
		parts = append(parts, fmt.Sprintf("%s (%s)", strings.Join(k.names, " or "), k.help))
	}
	return "what to learn: " + strings.Join(parts, ", ")
}

// lookupTask returns the kind of task name.
func lookupTask(name string) (*taskKind, error) {
	k, ok := taskKinds[name]
	if !ok {
		return nil, fmt.Errorf("unknown task %q (choices: %s)", name, taskNames())
	}
	return k, nil
}

// newTask builds the data of a run.
func newTask(c RunConfig) (task, error) {
	k, err := lookupTask(c.Task)
	if err != nil {
		return nil, err
	}
	return k.load(c)
}

// applyDefaults sets what the flags given (set) leave to the task.
func applyDefaults(c *RunConfig, set map[string]bool, defaults map[string]func()) {
	for name, apply := range defaults {
		if !set[name] {
			apply()
		}
	}
}

// writeSequences writes classes (sequences of k positions) in format
// over alphabet as name.
func writeSequences(name string, format seqio.Format, alphabet string, classes []int, k int) (string, []byte, error) {
	var b strings.Builder
	if err := seqio.Write(&b, format, alphabet, split(classes, k)); err != nil {
		return "", nil, err
	}
	return name, []byte(b.String()), nil
}

func ext(f seqio.Format) string {
	switch f {
	case seqio.FASTA:
		return "fasta"
	case seqio.Text:
		return "txt"
	}
	return "csv"
}

func split(classes []int, k int) [][]int {
	var out [][]int
	for i := 0; i+k <= len(classes); i += k {
		out = append(out, classes[i:i+k])
	}
	return out
}

func joinFloats(x []float64) string {
	s := make([]string, len(x))
	for i, v := range x {
		s[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

// floorer is a task whose metric has a floor that a perfect model
// reaches with n samples (the toy's KL).
type floorer interface{ floor(n int) float64 }

// floorOf is tk's floor for n samples, or NaN.
func floorOf(tk task, n int) float64 {
	if f, ok := tk.(floorer); ok {
		return f.floor(n)
	}
	return math.NaN()
}
