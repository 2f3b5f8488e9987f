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
	"sync"
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

// resumable reports whether p's folder holds a checkpoint of a run with
// the sweep's evaluation size, which fisherflow-train -resume continues.
func resumable(p point, o options) bool {
	dir := p.dir(o.out)
	if _, err := os.Stat(filepath.Join(dir, "checkpoint.safetensors")); err != nil {
		return false
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return false
	}
	var c struct {
		EvalSamples int `json:"eval_samples"`
	}
	return json.Unmarshal(b, &c) == nil && c.EvalSamples == o.evalSamples
}

// run executes the sweep and writes its report.
func run(ctx context.Context, o options, log io.Writer) error {
	if _, err := os.Stat(o.train); err != nil {
		return fmt.Errorf("-train: %w (make reproduce-toy builds it)", err)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	ps := o.points()
	results := make([]result, len(ps))
	start := time.Now()
	var mu sync.Mutex
	done := 0
	next := make(chan int)
	var wg sync.WaitGroup
	for range o.jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				p := ps[i]
				t0 := time.Now()
				r, reused := runPoint(ctx, p, o)
				mu.Lock()
				done++
				results[i] = r
				status := fmt.Sprintf("KL %.4g (train %s, sample %s)", r.KL, elapsed(time.Duration(r.TrainSeconds*1e9)), elapsed(time.Duration(r.SampleSeconds*1e9)))
				switch {
				case r.err != nil:
					status = "failed: " + r.err.Error()
				case reused:
					status += ", reused"
				}
				fmt.Fprintf(log, "[%d/%d %s] %s K=%d steps %d seed %d: %s; %s\n", done, len(ps), elapsed(time.Since(start)),
					p.method, p.k, p.steps, p.seed, status, elapsed(time.Since(t0)))
				mu.Unlock()
			}
		}()
	}
	for i := range ps {
		if ctx.Err() != nil {
			results[i].err = errors.New("not run (interrupted)")
			continue
		}
		select {
		case next <- i:
		case <-ctx.Done():
			results[i].err = errors.New("not run (interrupted)")
		}
	}
	close(next)
	wg.Wait()
	for i, p := range ps {
		if results[i].err == nil {
			results[i].uniform, results[i].err = uniformKL(filepath.Join(p.dir(o.out), "target.csv"))
		}
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
	fmt.Fprintf(log, "sweep of %d points done in %s\n", len(ps), elapsed(time.Since(start)))
	return nil
}

// runPoint trains and evaluates p unless its result exists, resuming an
// interrupted run from its checkpoint.
func runPoint(ctx context.Context, p point, o options) (r result, reused bool) {
	if r, ok := readResult(p, o); ok {
		return r, true
	}
	dir := p.dir(o.out)
	args := p.args(o)
	if resumable(p, o) {
		args = []string{"-resume", dir, "-steps", strconv.Itoa(p.steps), "-threads", strconv.Itoa(o.threads), "-quiet"}
	} else if err := os.RemoveAll(dir); err != nil {
		return result{err: err}, false
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return result{err: err}, false
	}
	logf, err := os.OpenFile(filepath.Join(dir, "log.txt"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return result{err: err}, false
	}
	defer logf.Close()
	fmt.Fprintf(logf, "$ %s %s\n", o.train, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, o.train, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(o.threads))
	// On interruption the run saves its checkpoint and exits.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = time.Minute
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return result{err: errors.New("interrupted (checkpoint kept)")}, false
		}
		return result{err: fmt.Errorf("%s: %w", dir, err)}, false
	}
	if r, ok := readResult(p, o); ok {
		return r, false
	}
	if ctx.Err() != nil {
		return result{err: errors.New("interrupted (checkpoint kept)")}, false
	}
	return result{err: fmt.Errorf("%s: no result.json for %d steps after the run", dir, p.steps)}, false
}
