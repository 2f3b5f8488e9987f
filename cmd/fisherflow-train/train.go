package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/nn"
	"github.com/fisherflow/fisherflow/internal/atomicfile"
	"github.com/fisherflow/fisherflow/kernels"
)

const (
	checkpointName = "checkpoint.safetensors"
	metricsHeader  = "step,loss,val_loss,lr,metric,seconds"
)

// resumable are the flags that may change when a run is resumed.
var resumable = map[string]bool{
	"resume": true, "steps": true, "threads": true, "kernels": true, "quiet": true, "json": true,
	"eval-samples": true, "track-eval": true, "sample-steps": true, "guidance": true, "fbd-classifier": true, "fbd-steps": true,
}

// trainCmd is the train command: it resolves the run's settings, then
// trains; its errors name the flags at fault.
func trainCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if k := selfRunKind(args); k != nil {
		return k.run(ctx, args, stdout, stderr)
	}
	c, f, err := parseTrainFlags(args, stderr)
	if err == nil && f.resume != "" {
		c, err = resumeConfig(args, c, f)
		f.out = f.resume
	}
	if err == nil && c.Kernels != "" {
		if err = kernels.UsePath(c.Kernels); err != nil {
			err = fmt.Errorf("-kernels: %w", err)
		}
	}
	if err != nil {
		return dataError(configError(c, err))
	}
	kernels.SetThreads(c.Threads)
	if c.Precision == "f64" {
		err = train[float64](ctx, c, f, stdout, stderr)
	} else {
		err = train[float32](ctx, c, f, stdout, stderr)
	}
	return dataError(configError(c, err))
}

// resumeConfig reads the run's config.json and applies the flags that may
// change.
func resumeConfig(args []string, given RunConfig, f cliFlags) (RunConfig, error) {
	b, err := os.ReadFile(filepath.Join(f.resume, "config.json"))
	if err != nil {
		return given, fmt.Errorf("-resume: %w", err)
	}
	c := defaults()
	if err := decodeConfig(b, filepath.Join(f.resume, "config.json"), false, &c); err != nil {
		return given, fmt.Errorf("-resume: %w", err)
	}
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var g cliFlags
	bind(fs, &c, &g)
	if err := fs.Parse(args); err != nil {
		return given, err
	}
	var bad []string
	fs.Visit(func(fl *flag.Flag) {
		if !resumable[fl.Name] {
			bad = append(bad, "-"+fl.Name)
		}
	})
	if len(bad) > 0 {
		return given, fmt.Errorf("-resume continues a run as configured: %s cannot change (only -steps, -threads, -kernels, -eval-samples, -track-eval, -sample-steps, -guidance, -fbd-classifier, -fbd-steps, -quiet, -json)", strings.Join(bad, ", "))
	}
	return c, validate(c)
}

// memAvailable returns the memory the kernel says is available, or 0.
func memAvailable() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemAvailable:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// checkMemory refuses up front a run that cannot fit in memory.
func checkMemory(c RunConfig, positions, k int) error {
	need, err := fisherflow.EstimateBytes(c.Train, positions, k, c.Precision)
	if err != nil {
		return err
	}
	if avail := memAvailable(); avail > 0 && need > avail*9/10 {
		return fmt.Errorf("a run of %d positions x %d categories with batch %d needs about %.1f GiB, and %.1f GiB are available: lower -batch, -hidden, -k or the sequence length",
			positions, k, c.Train.Batch, float64(need)/(1<<30), float64(avail)/(1<<30))
	}
	return nil
}

// trainRun is a run in progress: its settings, task and trainer, its
// folder and metrics, and its log.
type trainRun[T nn.Float] struct {
	runFolder
	c      RunConfig
	f      cliFlags
	tk     task
	tr     *fisherflow.Trainer[T]
	log    *logger
	stderr io.Writer
}

// train runs c: it trains (or resumes) up to c.Train.Steps, then
// evaluates, writes the results and plots. It writes only to the run
// folder, stdout (the log) and stderr (warnings).
func train[T nn.Float](ctx context.Context, c RunConfig, f cliFlags, stdout, stderr io.Writer) error {
	r, err := newTrainRun[T](c, f, stdout, stderr)
	if err != nil {
		return err
	}
	if done, err := r.loop(ctx); err != nil || !done {
		return err
	}
	return r.finish()
}

// newTrainRun builds the task and the trainer of c, makes the run folder
// and, with -resume, restores the checkpoint and the metrics up to it.
func newTrainRun[T nn.Float](c RunConfig, f cliFlags, stdout, stderr io.Writer) (*trainRun[T], error) {
	tk, err := newTask(c)
	if err != nil {
		return nil, err
	}
	data := tk.data()
	if err := checkMemory(c, data.Positions(), data.Categories()); err != nil {
		return nil, err
	}
	tr, err := fisherflow.NewTrainer[T](c.Train, data)
	if err != nil {
		return nil, err
	}
	if val := tk.validation(); val != nil {
		if err := tr.SetValidation(val); err != nil {
			return nil, err
		}
	}
	c.Train = tr.Cfg
	if f.out == "" {
		f.out = filepath.Join("runs", fmt.Sprintf("%s-%s", c.Task, time.Now().Format("20060102-150405")))
	}
	r := &trainRun[T]{runFolder: newRunFolder(f.out), c: c, f: f, tk: tk, tr: tr, stderr: stderr}
	files := map[string][]byte{"config.json": configJSON(c)}
	for name, b := range tk.files() {
		files[name] = b
	}
	if err := r.makeFolder(files); err != nil {
		return nil, err
	}
	if f.resume != "" {
		if err := r.restore(); err != nil {
			return nil, fmt.Errorf("-resume: %w", err)
		}
	}
	r.log = newLogger(stdout, f, c.Train.Steps)
	if r.fresh {
		r.log.note(fmt.Sprintf("%s holds no checkpoint yet: the run starts over", r.out))
	}
	return r, nil
}

// configJSON is the config.json of a run of c.
func configJSON(c RunConfig) []byte {
	b, _ := json.MarshalIndent(c, "", "  ")
	return append(b, '\n')
}

// restore loads the run folder's checkpoint and its metrics up to it.
func (r *trainRun[T]) restore() error {
	return r.runFolder.restore(func(b []byte) (int, error) {
		ck, err := fisherflow.ReadCheckpoint(b)
		if err != nil {
			return 0, err
		}
		ck.Config.Steps = r.c.Train.Steps // the one training setting a resume may change
		if err := r.tr.Restore(ck); err != nil {
			return 0, err
		}
		return r.tr.Step, nil
	})
}

// loop trains up to the last step, validating, tracking the metric and
// saving a checkpoint every EvalEvery steps. done is false when ctx
// ended it (after a checkpoint).
func (r *trainRun[T]) loop(ctx context.Context) (done bool, err error) {
	c, tr, log := r.c, r.tr, r.log
	log.start(c, r.tk, r.out, kernels.Path(), tr.Step)
	if tr.Step == 0 && len(r.rows) == 0 && c.TrackEval > 0 {
		// The untrained model's metric, as row 0 of metrics.csv: what
		// training improves on.
		row := metricRow{loss: math.NaN(), val: math.NaN(), lr: tr.LR}
		row.metric, _, _ = r.tk.evaluate(tr, c.TrackEval, c.SampleSteps, c.Train.Seed+7)
		r.rows = append(r.rows, row)
		log.untrained(row.metric, r.tk.metric())
	}
	meta := func() map[string]string {
		runMeta, _ := json.Marshal(r.c)
		m := map[string]string{"run": string(runMeta)}
		r.tk.checkpointMeta(m)
		return m
	}
	return r.runFolder.loop(ctx, runSteps{
		step: func() int { return tr.Step },
		train: func() (float64, float64, error) {
			loss, err := tr.TrainStep()
			return loss, tr.LR, err
		},
		eval: func(row *metricRow) error {
			row.val = tr.Validate()
			if c.TrackEval > 0 {
				row.metric, _, _ = r.tk.evaluate(tr, c.TrackEval, c.SampleSteps, c.Train.Seed+7)
			}
			return nil
		},
		ckpt: func() ([]byte, error) { return tr.Checkpoint(meta()) },
		last: func(b []byte) (int, error) {
			cf, err := fisherflow.ReadCheckpoint(b)
			if err != nil {
				return 0, err
			}
			return stepOf(cf), nil
		},
		diverged: fisherflow.ErrNonFinite,
	}, c.Train.Steps, c.Train.EvalEvery, log, r.tk.metric())
}

// finish evaluates the best weights on c.EvalSamples samples, writes the
// samples, result.json and the plots, and logs the result.
func (r *trainRun[T]) finish() error {
	c, tr, tk := r.c, r.tr, r.tk
	res := map[string]any{"steps": tr.Step, "train_seconds": r.seconds, "best_val_loss": tr.BestVal, "kernels": kernels.Path(), "revision": revision()}
	var classes []int
	var probs []float64
	var files []string
	if c.EvalSamples > 0 {
		tr.UseBest()
		t0 := time.Now()
		var score float64
		score, classes, probs = tk.evaluate(tr, c.EvalSamples, c.SampleSteps, c.Train.Seed+1)
		res["metric"], res["metric_name"], res["eval_samples"], res["sample_seconds"] = score, tk.metric(), c.EvalSamples, time.Since(t0).Seconds()
		if err := tk.results(tr, c, r.out, score, classes, res, r.log); err != nil {
			return err
		}
		name, b, err := tk.samplesFile(classes, probs)
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(filepath.Join(r.out, name), b); err != nil {
			return err
		}
		files = append(files, name)
		r.log.result(tk, score, c, name)
	}
	js, _ := json.MarshalIndent(res, "", "  ")
	if err := atomicfile.WriteFile(filepath.Join(r.out, "result.json"), append(js, '\n')); err != nil {
		return err
	}
	plots, err := writePlots(r.out, tk, r.rows, classes, probs)
	if err != nil {
		// The results are saved; a plot that fails is reported, not fatal.
		fmt.Fprintf(r.stderr, "fisherflow-train: warning: plots: %v\n", err)
	}
	r.log.done(r.out, append(files, plots...))
	return nil
}

func stepOf(ck *fisherflow.CheckpointFile) int {
	var st struct {
		Step int `json:"step"`
	}
	json.Unmarshal([]byte(ck.Meta["state"]), &st)
	return st.Step
}

// metricRow is one line of metrics.csv.
type metricRow struct {
	step                  int
	loss, val, lr, metric float64
	seconds               float64
}

func fmtOpt(v float64) string {
	if math.IsNaN(v) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func (r metricRow) csv() string {
	return fmt.Sprintf("%d,%s,%s,%s,%s,%.3f\n", r.step, fmtOpt(r.loss), fmtOpt(r.val), fmtOpt(r.lr), fmtOpt(r.metric), r.seconds)
}

// writeMetrics writes metrics.csv in dir with rows. It is rewritten whole
// and atomically before each checkpoint, never appended to, so that after
// a crash it holds complete rows, at least up to the checkpoint's step,
// and a resume keeps those up to it (readMetrics).
func writeMetrics(dir string, rows []metricRow) error {
	var b strings.Builder
	b.WriteString(metricsHeader + "\n")
	for _, row := range rows {
		b.WriteString(row.csv())
	}
	return atomicfile.WriteFile(filepath.Join(dir, "metrics.csv"), []byte(b.String()))
}

// readMetrics reads metrics.csv up to step (rows after it belong to
// steps the checkpoint does not have).
func readMetrics(path string, upTo int) ([]metricRow, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// A last line without its newline was cut by a crash while the file
	// was appended to (as versions before writeMetrics did): it is left
	// out.
	text := string(b[:bytes.LastIndexByte(b, '\n')+1])
	var rows []metricRow
	for i, line := range strings.Split(text, "\n") {
		if i == 0 || line == "" {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) != 6 {
			return nil, fmt.Errorf("%s:%d: %d fields, want 6 (%s)", path, i+1, len(f), metricsHeader)
		}
		num := func(s string) float64 {
			if s == "" {
				return math.NaN()
			}
			v, e := strconv.ParseFloat(s, 64)
			if e != nil {
				err = fmt.Errorf("%s:%d: %q is not a number", path, i+1, s)
			}
			return v
		}
		r := metricRow{loss: num(f[1]), val: num(f[2]), lr: num(f[3]), metric: num(f[4]), seconds: num(f[5])}
		r.step = int(num(f[0]))
		if err != nil {
			return nil, err
		}
		if r.step > upTo {
			break
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// revision is the commit this binary was built from (with "+modified"
// when the tree had uncommitted changes), or "unknown" outside a Git
// checkout, so that a result names the code that produced it.
func revision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, modified := "unknown", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified {
		rev += "+modified"
	}
	return rev
}
