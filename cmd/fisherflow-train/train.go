package main

import (
	"bufio"
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
	if err := json.Unmarshal(b, &c); err != nil {
		return given, fmt.Errorf("-resume: %s: %w", filepath.Join(f.resume, "config.json"), err)
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

func train[T nn.Float](ctx context.Context, c RunConfig, f cliFlags, stdout, stderr io.Writer) error {
	if c.Task == "toy" {
		// The toy target itself is Len x K: check before drawing it.
		if err := checkMemory(c, c.Len, c.K); err != nil {
			return err
		}
	}
	tk, err := newTask(c)
	if err != nil {
		return err
	}
	positions, k := tk.data.Positions(), tk.data.Categories()
	if err := checkMemory(c, positions, k); err != nil {
		return err
	}
	tr, err := fisherflow.NewTrainer[T](c.Train, tk.data)
	if err != nil {
		return err
	}
	if tk.val != nil {
		if err := tr.SetValidation(tk.val); err != nil {
			return err
		}
	}
	c.Train = tr.Cfg
	if f.out == "" {
		f.out = filepath.Join("runs", fmt.Sprintf("%s-%s", c.Task, time.Now().Format("20060102-150405")))
	}
	out := f.out
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("run folder: %w", err)
	}
	conf, _ := json.MarshalIndent(c, "", "  ")
	if err := atomicfile.WriteFile(filepath.Join(out, "config.json"), append(conf, '\n')); err != nil {
		return fmt.Errorf("run folder: %w", err)
	}
	if tk.toy != nil {
		var target bytes.Buffer
		for _, row := range tk.toy.Probs {
			target.WriteString(joinFloats(row) + "\n")
		}
		if err := atomicfile.WriteFile(filepath.Join(out, "target.csv"), target.Bytes()); err != nil {
			return err
		}
	}
	ckPath := filepath.Join(out, checkpointName)
	var rows []metricRow
	if f.resume != "" {
		b, err := os.ReadFile(ckPath)
		if err != nil {
			return fmt.Errorf("-resume: %w", err)
		}
		ck, err := fisherflow.ReadCheckpoint(b)
		if err != nil {
			return fmt.Errorf("-resume: %s: %w", ckPath, err)
		}
		ck.Config.Steps = c.Train.Steps // the one training setting a resume may change
		if err := tr.Restore(ck); err != nil {
			return fmt.Errorf("-resume: %s: %w", ckPath, err)
		}
		if rows, err = readMetrics(filepath.Join(out, "metrics.csv"), tr.Step); err != nil {
			return fmt.Errorf("-resume: %w", err)
		}
	}
	// metrics.csv is rewritten with the rows up to the checkpoint, then
	// appended to and synced with every checkpoint.
	mf, err := os.Create(filepath.Join(out, "metrics.csv"))
	if err != nil {
		return fmt.Errorf("run folder: %w", err)
	}
	defer mf.Close()
	mw := bufio.NewWriter(mf)
	mw.WriteString(metricsHeader + "\n")
	for _, r := range rows {
		mw.WriteString(r.csv())
	}
	runMeta, _ := json.Marshal(c)
	save := func() error {
		meta := map[string]string{"run": string(runMeta)}
		if tk.set != nil {
			meta["alphabet"], meta["data_format"] = tk.set.Alphabet, string(tk.set.Format)
		}
		if tk.dna != nil {
			meta["classes"] = tk.dna.classesMeta()
		}
		b, err := tr.Checkpoint(meta)
		if err != nil {
			return err
		}
		if err := mw.Flush(); err != nil {
			return fmt.Errorf("metrics.csv: %w", err)
		}
		if err := mf.Sync(); err != nil {
			return fmt.Errorf("metrics.csv: %w", err)
		}
		return atomicfile.WriteFile(ckPath, b)
	}

	log := newLogger(stdout, f, c.Train.Steps)
	log.start(c, tk, out, kernels.Path(), tr.Step)
	start := time.Now()
	prevSeconds := 0.0
	if len(rows) > 0 {
		prevSeconds = rows[len(rows)-1].seconds
	}
	first := tr.Step
	if tr.Step == 0 && c.TrackEval > 0 {
		// The untrained model's metric, as row 0 of metrics.csv: what
		// training improves on.
		row := metricRow{loss: math.NaN(), val: math.NaN(), lr: tr.LR}
		row.metric, _, _ = evaluate(tr, tk, c.TrackEval, c.SampleSteps, c.Train.Seed+7)
		mw.WriteString(row.csv())
		rows = append(rows, row)
		log.untrained(row.metric, tk.metric)
		start = time.Now() // the seconds column counts training
	}
	evalAt := func(step int) bool { return step%c.Train.EvalEvery == 0 || step == c.Train.Steps }
	for tr.Step < c.Train.Steps {
		if ctx.Err() != nil {
			if err := save(); err != nil {
				return fmt.Errorf("interrupted at step %d, and the checkpoint failed: %w", tr.Step, err)
			}
			log.interrupted(tr.Step, out)
			return nil
		}
		loss, err := tr.TrainStep()
		if err != nil {
			mw.Flush()
			if errors.Is(err, fisherflow.ErrNonFinite) {
				last := "no checkpoint was written yet"
				if ck, e := os.ReadFile(ckPath); e == nil {
					if cf, e := fisherflow.ReadCheckpoint(ck); e == nil {
						last = fmt.Sprintf("the last good checkpoint (step %d) is %s", stepOf(cf), ckPath)
					}
				}
				return fmt.Errorf("training diverged: %v; %s; try a lower -lr", err, last)
			}
			return err
		}
		row := metricRow{step: tr.Step, loss: loss, val: math.NaN(), metric: math.NaN(), lr: tr.LR}
		if evalAt(tr.Step) {
			row.val = tr.Validate()
			if c.TrackEval > 0 {
				row.metric, _, _ = evaluate(tr, tk, c.TrackEval, c.SampleSteps, c.Train.Seed+7)
			}
		}
		row.seconds = prevSeconds + time.Since(start).Seconds()
		mw.WriteString(row.csv())
		rows = append(rows, row)
		rate := float64(tr.Step-first) / time.Since(start).Seconds()
		log.step(row, rate)
		if evalAt(tr.Step) {
			if err := save(); err != nil {
				return fmt.Errorf("checkpoint at step %d: %w", tr.Step, err)
			}
			log.eval(row, rate, tk.metric)
		}
	}
	if err := save(); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	log.finishTraining()

	res := map[string]any{"steps": tr.Step, "train_seconds": prevSeconds + time.Since(start).Seconds(), "best_val_loss": tr.BestVal, "kernels": kernels.Path(), "revision": revision()}
	var classes []int
	var probs []float64
	samplesName := ""
	if c.EvalSamples > 0 {
		tr.UseBest()
		t0 := time.Now()
		var score float64
		score, classes, probs = evaluate(tr, tk, c.EvalSamples, c.SampleSteps, c.Train.Seed+1)
		res["metric"], res["metric_name"], res["eval_samples"], res["sample_seconds"] = score, tk.metric, c.EvalSamples, time.Since(t0).Seconds()
		if tk.toy != nil {
			res["kl"], res["kl_floor"] = score, tk.floor(c.EvalSamples)
		}
		if tk.dna != nil {
			// The same conditions and prior draws, at another guidance.
			resample := func(g float64) ([]int, error) {
				sig, class, _ := tk.dna.conditions(c.EvalSamples)
				return tr.SampleConditioned(c.EvalSamples, c.SampleSteps, c.Train.Seed+1, sig, class, g, nil)
			}
			if err := tk.dna.report(resample, c, out, classes, res, log); err != nil {
				return err
			}
		}
		name, b, err := tk.samplesFile(classes, probs)
		if err != nil {
			return err
		}
		samplesName = name
		if err := atomicfile.WriteFile(filepath.Join(out, name), b); err != nil {
			return err
		}
		log.result(tk, score, c, name)
	}
	js, _ := json.MarshalIndent(res, "", "  ")
	if err := atomicfile.WriteFile(filepath.Join(out, "result.json"), append(js, '\n')); err != nil {
		return err
	}
	plots, err := writePlots(out, tk, rows, classes, probs)
	if err != nil {
		// The results are saved; a plot that fails is reported, not fatal.
		fmt.Fprintf(stderr, "fisherflow-train: warning: plots: %v\n", err)
	}
	if samplesName != "" {
		plots = append([]string{samplesName}, plots...)
	}
	log.done(out, plots)
	return nil
}

// evaluate draws n samples with the current weights and scores them; it
// returns the classes and (when the task scores them) the probabilities.
func evaluate[T nn.Float](tr *fisherflow.Trainer[T], tk *task, n, steps int, seed uint64) (float64, []int, []float64) {
	var probs []float64
	if tk.needsProbs() {
		probs = make([]float64, n*tr.Positions*tr.K)
	}
	if tk.motifs != nil {
		// Each sequence under its evaluation signal, scored against it
		// (the signal's length is right, so SampleConditioned cannot fail).
		sig := tk.signals(n)
		classes, _ := tr.SampleConditioned(n, steps, seed, sig, nil, 1, probs)
		return tk.motifs.MotifRecall(classes, sig, 1), classes, probs
	}
	if tk.dna != nil {
		// Each sequence under the conditions of a test sequence, and the
		// spectra compared with those test sequences.
		sig, class, ref := tk.dna.conditions(n)
		classes, err := tr.SampleConditioned(n, steps, seed, sig, class, tk.guidance, probs)
		if err != nil {
			panic(err) // the shapes come from the data the model was built for
		}
		return kmerScore(classes, ref, tr.Positions), classes, probs
	}
	classes := tr.Sample(n, steps, seed, probs)
	return tk.score(classes, probs), classes, probs
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
	var rows []metricRow
	for i, line := range strings.Split(string(b), "\n") {
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
