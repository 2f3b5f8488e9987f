package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// result is what a point's result.json reports (written by
// fisherflow-train), plus the sweep's own bookkeeping.
type result struct {
	Steps         int     `json:"steps"`
	EvalSamples   int     `json:"eval_samples"`
	KL            float64 `json:"kl"`
	KLFloor       float64 `json:"kl_floor"`
	BestVal       float64 `json:"best_val_loss"`
	TrainSeconds  float64 `json:"train_seconds"`
	SampleSeconds float64 `json:"sample_seconds"`
	Kernels       string  `json:"kernels"`
	Revision      string  `json:"revision"`

	uniform float64 // KL of uniform guessing against the point's target
	err     error   // the point failed or did not run
}

// readResult returns the finished result of p, or ok=false when p has
// not finished with this budget.
func readResult(p point, o options) (r result, ok bool) {
	b, err := os.ReadFile(filepath.Join(p.dir(o.out), "result.json"))
	if err != nil || json.Unmarshal(b, &r) != nil {
		return r, false
	}
	return r, r.Steps == p.steps && r.EvalSamples == o.evalSamples
}

// sweepGrid is the -grid of the sweep: K first, largest first, so that
// the most expensive points start first and the last to finish are short.
func (o options) sweepGrid() string {
	var ks, steps, seeds, methods []string
	for i := len(o.ks) - 1; i >= 0; i-- {
		ks = append(ks, strconv.Itoa(o.ks[i]))
	}
	for i := len(o.steps) - 1; i >= 0; i-- {
		steps = append(steps, strconv.Itoa(o.steps[i]))
	}
	for _, s := range o.seeds {
		seeds = append(seeds, strconv.FormatUint(s, 10))
	}
	for _, m := range o.methods {
		methods = append(methods, methodGrid[m])
	}
	return fmt.Sprintf("k=%s steps=%s seed=%s method+ot=%s", strings.Join(ks, ","), strings.Join(steps, ","),
		strings.Join(seeds, ","), strings.Join(methods, ","))
}

// sweepArgs are the arguments of fisherflow-train that run the sweep.
func (o options) sweepArgs() []string {
	return []string{"sweep", "-out", o.out, "-jobs", strconv.Itoa(o.jobs), "-grid", o.sweepGrid(), "-task", "toy",
		"-eval-samples", strconv.Itoa(o.evalSamples), "-threads", strconv.Itoa(o.threads)}
}

// sweepCommand is the sweep as a shell command, for the report.
func (o options) sweepCommand() string {
	a := o.sweepArgs()
	a[6] = "'" + a[6] + "'"
	return o.train + " " + strings.Join(a, " ")
}

// run executes the sweep with fisherflow-train sweep (which skips the
// finished points and resumes the interrupted ones) and writes its report.
func run(ctx context.Context, o options, log io.Writer) error {
	if _, err := os.Stat(o.train); err != nil {
		return fmt.Errorf("-train: %w (make reproduce-toy builds it)", err)
	}
	ps := o.points()
	reused := make([]bool, len(ps))
	for i, p := range ps {
		_, reused[i] = readResult(p, o)
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, o.train, o.sweepArgs()...)
	cmd.Stdout, cmd.Stderr = log, log
	// On interruption the sweep stops its points, which save their checkpoints.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 2 * time.Minute
	sweepErr := cmd.Run()
	if err := checkDirs(o, ps); err != nil {
		return err
	}
	results := make([]result, len(ps))
	for i, p := range ps {
		r, ok := readResult(p, o)
		switch {
		case ok:
			r.uniform, r.err = uniformKL(filepath.Join(p.dir(o.out), "target.csv"))
		case ctx.Err() != nil:
			r.err = errors.New("not finished (interrupted)")
		default:
			r.err = fmt.Errorf("%s: no result.json for %d steps (see log.txt there)", p.dir(o.out), p.steps)
		}
		results[i] = r
		status := fmt.Sprintf("KL %.4g (train %s, sample %s)", r.KL, elapsed(time.Duration(r.TrainSeconds*1e9)), elapsed(time.Duration(r.SampleSeconds*1e9)))
		switch {
		case r.err != nil:
			status = "failed: " + r.err.Error()
		case reused[i]:
			status += ", reused"
		}
		fmt.Fprintf(log, "%s K=%d steps %d seed %d: %s\n", p.method, p.k, p.steps, p.seed, status)
	}
	if err := writeReport(o, ps, results, time.Since(start)); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if ctx.Err() != nil {
		return errors.New("interrupted: the finished points and checkpoints are kept; run the same command again to continue")
	}
	failed := 0
	for _, r := range results {
		if r.err != nil {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d points failed (see log.txt in their folders)", failed, len(ps))
	}
	if sweepErr != nil {
		return fmt.Errorf("fisherflow-train sweep: %w", sweepErr)
	}
	fmt.Fprintf(log, "sweep of %d points done in %s\n", len(ps), elapsed(time.Since(start)))
	return nil
}

// checkDirs checks that the sweep's sweep.json names every point's folder
// as point.dir does.
func checkDirs(o options, ps []point) error {
	b, err := os.ReadFile(filepath.Join(o.out, "sweep.json"))
	if err != nil {
		return fmt.Errorf("fisherflow-train sweep wrote no sweep.json: %w", err)
	}
	var spec struct {
		Points []struct {
			Dir string `json:"dir"`
		} `json:"points"`
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(o.out, "sweep.json"), err)
	}
	dirs := map[string]bool{}
	for _, p := range spec.Points {
		dirs[filepath.Join(o.out, p.Dir)] = true
	}
	for _, p := range ps {
		if !dirs[filepath.Clean(p.dir(o.out))] {
			return fmt.Errorf("the sweep has no folder %s: fisherflow-train sweep names its points otherwise", p.dir(o.out))
		}
	}
	return nil
}
