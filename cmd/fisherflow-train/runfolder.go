package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/fisherflow/fisherflow/internal/atomicfile"
)

// runFolder is the part of a run that every kind of task shares: its
// folder, checkpoint and metrics.csv, the training loop that fills them,
// and the order of writes that lets a killed run resume (metrics.csv
// before the checkpoint, both atomically; a restored run keeps the rows
// up to its checkpoint's step).
type runFolder struct {
	out    string      // the run folder
	ckPath string      // its checkpoint
	rows   []metricRow // metrics.csv so far
	// fresh says that -resume found no checkpoint: the run starts over.
	fresh bool
	// seconds is the training time, over every session of the run.
	seconds float64
}

func newRunFolder(out string) runFolder {
	return runFolder{out: out, ckPath: filepath.Join(out, checkpointName)}
}

// makeFolder makes the run folder with files (name: bytes, written in
// name order), removing what writes of a killed run left half done.
func (f *runFolder) makeFolder(files map[string][]byte) error {
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return fmt.Errorf("run folder: %w", err)
	}
	if _, err := atomicfile.RemoveStale(f.out); err != nil {
		return fmt.Errorf("run folder: %w", err)
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := atomicfile.WriteFile(filepath.Join(f.out, name), files[name]); err != nil {
			return fmt.Errorf("run folder: %w", err)
		}
	}
	return nil
}

// restore loads the folder's checkpoint with load, which returns the step
// it restored, and the metrics up to that step; a run killed before its
// first checkpoint starts over (fresh).
func (f *runFolder) restore(load func(b []byte) (step int, err error)) error {
	b, err := os.ReadFile(f.ckPath)
	if errors.Is(err, os.ErrNotExist) {
		f.fresh = true
		return nil
	}
	if err != nil {
		return err
	}
	step, err := load(b)
	if err != nil {
		return fmt.Errorf("%s: %w", f.ckPath, err)
	}
	f.rows, err = readMetrics(filepath.Join(f.out, "metrics.csv"), step)
	return err
}

// save writes metrics.csv (see writeMetrics), then the checkpoint ck.
func (f *runFolder) save(ck []byte) error {
	if err := writeMetrics(f.out, f.rows); err != nil {
		return err
	}
	return atomicfile.WriteFile(f.ckPath, ck)
}

// runSteps is how the training loop drives a kind's trainer.
type runSteps struct {
	step  func() int                            // steps done
	train func() (loss, lr float64, err error)  // one step
	eval  func(row *metricRow) error            // at an evaluation: the validation loss (and metric)
	ckpt  func() ([]byte, error)                // the checkpoint
	last  func(ck []byte) (step int, err error) // the step of a checkpoint file
	// diverged is the error of a step whose loss is not finite.
	diverged error
}

// loop trains up to steps, evaluating and saving a checkpoint every
// evalEvery steps and at the last; done is false when ctx ended it (after
// a checkpoint). metric names the task's metric for the log.
func (f *runFolder) loop(ctx context.Context, s runSteps, steps, evalEvery int, log *logger, metric string) (done bool, err error) {
	start, first := time.Now(), s.step()
	prev := 0.0
	if len(f.rows) > 0 {
		prev = f.rows[len(f.rows)-1].seconds
	}
	save := func() error {
		ck, err := s.ckpt()
		if err != nil {
			return err
		}
		return f.save(ck)
	}
	evalAt := func(step int) bool { return step%evalEvery == 0 || step == steps }
	for s.step() < steps {
		if ctx.Err() != nil {
			if err := save(); err != nil {
				return false, fmt.Errorf("interrupted at step %d, and the checkpoint failed: %w", s.step(), err)
			}
			log.interrupted(s.step(), f.out)
			return false, nil
		}
		loss, lr, err := s.train()
		if err != nil {
			return false, f.stepError(err, s)
		}
		row := metricRow{step: s.step(), loss: loss, val: math.NaN(), metric: math.NaN(), lr: lr}
		if evalAt(row.step) {
			if err := s.eval(&row); err != nil {
				return false, f.stepError(err, s)
			}
		}
		row.seconds = prev + time.Since(start).Seconds()
		f.rows = append(f.rows, row)
		rate := float64(row.step-first) / time.Since(start).Seconds()
		log.step(row, rate)
		if evalAt(row.step) {
			if err := save(); err != nil {
				return false, fmt.Errorf("checkpoint at step %d: %w", row.step, err)
			}
			log.eval(row, rate, metric)
		}
	}
	if err := save(); err != nil {
		return false, fmt.Errorf("checkpoint: %w", err)
	}
	log.finishTraining()
	f.seconds = prev + time.Since(start).Seconds()
	return true, nil
}

// stepError is the error of a failed step: a diverged run points at its
// last good checkpoint and a lower -lr.
func (f *runFolder) stepError(err error, s runSteps) error {
	writeMetrics(f.out, f.rows) // the rows up to the failure, for a look
	if !errors.Is(err, s.diverged) {
		return err
	}
	last := "no checkpoint was written yet"
	if b, e := os.ReadFile(f.ckPath); e == nil {
		if step, e := s.last(b); e == nil {
			last = fmt.Sprintf("the last good checkpoint (step %d) is %s", step, f.ckPath)
		}
	}
	return fmt.Errorf("training diverged: %w; %s; try a lower -lr", err, last)
}
