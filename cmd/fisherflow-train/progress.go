package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// logger shows a run: a progress bar on a terminal, plain lines when
// stdout is not one (or with -quiet), JSON lines with -json.
type logger struct {
	w     io.Writer
	mode  string // "bar", "plain" or "json"
	total int
	bar   *progressbar.ProgressBar
}

func newLogger(w io.Writer, f cliFlags, total int) *logger {
	l := &logger{w: w, mode: "plain", total: total}
	switch {
	case f.json:
		l.mode = "json"
	case f.quiet:
	default:
		if file, ok := w.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
			l.mode = "bar"
		}
	}
	return l
}

func (l *logger) json(v map[string]any) {
	b, _ := json.Marshal(v)
	fmt.Fprintln(l.w, string(b))
}

func num(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

func (l *logger) start(c RunConfig, tk task, out, path string, step int) {
	data := tk.data()
	what := fmt.Sprintf("%s %d positions x %d categories", c.Task, data.Positions(), data.Categories())
	if l.mode == "json" {
		l.json(map[string]any{"event": "start", "task": c.Task, "positions": data.Positions(), "categories": data.Categories(),
			"method": c.Train.Method, "ot": c.Train.OT, "steps": c.Train.Steps, "from_step": step, "batch": c.Train.Batch,
			"seed": c.Train.Seed, "precision": c.Precision, "kernels": path, "out": out, "data": tk.summary()})
		return
	}
	from := ""
	if step > 0 {
		from = fmt.Sprintf(" (resuming at step %d)", step)
	}
	fmt.Fprintf(l.w, "fisherflow-train: %s, method=%s ot=%s, %d steps of batch %d%s, seed %d, %s kernels, %s -> %s\n",
		what, c.Train.Method, c.Train.OT, c.Train.Steps, c.Train.Batch, from, c.Train.Seed, path, c.Precision, out)
	if s := tk.summary(); s != "" {
		fmt.Fprintf(l.w, "data: %s\n", s)
	}
	if l.mode == "bar" {
		l.bar = progressbar.NewOptions(l.total,
			progressbar.OptionSetWriter(l.w),
			progressbar.OptionSetWidth(28),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("steps"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		l.bar.Set(step)
	}
}

func (l *logger) step(r metricRow, rate float64) {
	if l.bar != nil {
		desc := fmt.Sprintf("loss %.4f", r.loss)
		l.bar.Describe(desc)
		l.bar.Set(r.step)
	}
}

func eta(steps int, rate float64) string {
	if rate <= 0 {
		return "?"
	}
	return time.Duration(float64(steps) / rate * float64(time.Second)).Round(time.Second).String()
}

func (l *logger) eval(r metricRow, rate float64, metric string) {
	switch l.mode {
	case "json":
		l.json(map[string]any{"event": "eval", "step": r.step, "steps": l.total, "loss": r.loss, "val_loss": num(r.val),
			"metric": num(r.metric), "metric_name": metric, "lr": r.lr, "steps_per_second": rate, "eta_seconds": float64(l.total-r.step) / rate})
	case "bar":
		m := ""
		if !math.IsNaN(r.metric) {
			m = fmt.Sprintf(" %s %.4g", metric, r.metric)
		}
		l.bar.Describe(fmt.Sprintf("loss %.4f val %.4f%s", r.loss, r.val, m))
	default:
		m := ""
		if !math.IsNaN(r.metric) {
			m = fmt.Sprintf("  %s %.4g", metric, r.metric)
		}
		fmt.Fprintf(l.w, "step %d/%d  loss %.4f  val %.4f%s  lr %.2g  %.1f steps/s  ETA %s\n",
			r.step, l.total, r.loss, r.val, m, r.lr, rate, eta(l.total-r.step, rate))
	}
}

// note prints a line of information (not in JSON mode).
func (l *logger) note(s string) {
	if l.mode != "json" {
		fmt.Fprintln(l.w, s)
	}
}

// classes reports the scoring classifier's view of labelled samples.
func (l *logger) classes(guidance, acc, accFree, testAcc, fbd float64, n int) {
	if l.mode == "json" {
		l.json(map[string]any{"event": "classes", "guidance": guidance, "class_accuracy": acc, "class_accuracy_unguided": accFree,
			"classifier_test_accuracy": testAcc, "fbd": num(fbd)})
		return
	}
	fmt.Fprintf(l.w, "classifier: %.3f of the samples are of the class they were generated for with guidance %g, %.3f without guidance (chance %.3f); the classifier's accuracy on the test split %.3f; FBD to the test split %.4g (whole sets)\n",
		acc, guidance, accFree, 1/float64(n), testAcc, fbd)
}

// untrained reports the metric of the untrained model.
func (l *logger) untrained(v float64, metric string) {
	switch l.mode {
	case "json":
		l.json(map[string]any{"event": "untrained", "metric_name": metric, "metric": num(v)})
	case "bar":
	default:
		fmt.Fprintf(l.w, "step 0 (untrained)  %s %.4g\n", metric, v)
	}
}

func (l *logger) finishTraining() {
	if l.bar != nil {
		l.bar.Finish()
		fmt.Fprintln(l.w)
	}
}

func (l *logger) interrupted(step int, out string) {
	if l.bar != nil {
		fmt.Fprintln(l.w)
	}
	if l.mode == "json" {
		l.json(map[string]any{"event": "interrupted", "step": step, "checkpoint": out})
		return
	}
	fmt.Fprintf(l.w, "interrupted at step %d: checkpoint saved in %s; continue with: fisherflow-train -resume %s\n", step, out, out)
}

// result reports the final score of the task tk's samples, written to
// file.
func (l *logger) result(tk task, score float64, c RunConfig, file string) {
	if l.mode == "json" {
		l.json(map[string]any{"event": "result", "metric_name": tk.metric(), "metric": score, "samples": c.EvalSamples,
			"sample_steps": c.SampleSteps, "floor": num(floorOf(tk, c.EvalSamples)), "file": file})
		return
	}
	fmt.Fprintln(l.w, tk.resultLine(score, c))
}

func (l *logger) done(out string, files []string) {
	if l.mode == "json" {
		l.json(map[string]any{"event": "done", "out": out, "files": files})
		return
	}
	fmt.Fprintf(l.w, "run folder %s: config.json, metrics.csv, %s, result.json, %s\n", out, checkpointName, strings.Join(files, ", "))
}
