package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/fisherflow/fisherflow/fisherflow/mol"
	"github.com/fisherflow/fisherflow/fisherflow/moltrain"
	"github.com/fisherflow/fisherflow/fisherflow/nn"
	"github.com/fisherflow/fisherflow/internal/atomicfile"
	"github.com/fisherflow/fisherflow/kernels"
)

// moleculesCmd is the train command of the molecules task.
func moleculesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, f, err := molParse(args, stderr)
	if err == nil && c.Kernels != "" {
		if err = kernels.UsePath(c.Kernels); err != nil {
			err = fmt.Errorf("-kernels: %w", err)
		}
	}
	if err != nil {
		return err
	}
	kernels.SetThreads(c.Threads)
	if c.Precision == "f64" {
		return molTrain[float64](ctx, c, f, stdout, stderr)
	}
	return molTrain[float32](ctx, c, f, stdout, stderr)
}

// molRun is a molecule run in progress, as trainRun is a sequence run.
type molRun[T nn.Float] struct {
	runFolder
	c      molConfig
	d      *molData
	tr     *moltrain.Trainer[T]
	log    *logger
	stderr io.Writer
}

// molTrain trains (or resumes) c up to its steps, then samples, scores
// and writes the results.
func molTrain[T nn.Float](ctx context.Context, c molConfig, f molFlags, stdout, stderr io.Writer) error {
	d, err := loadMolecules(c)
	if err != nil {
		return err
	}
	tr, err := moltrain.NewTrainer[T](c.Train, d.vocab, d.sizes, d.train, d.val)
	if err != nil {
		return err
	}
	c.Train = tr.Cfg
	if f.out == "" {
		f.out = filepath.Join("runs", "molecules-"+time.Now().Format("20060102-150405"))
	}
	r := &molRun[T]{runFolder: newRunFolder(f.out), c: c, d: d, tr: tr, stderr: stderr}
	conf, _ := json.MarshalIndent(r.c, "", "  ")
	splits, _ := json.Marshal(r.d.splits)
	if err := r.makeFolder(map[string][]byte{"config.json": append(conf, '\n'), "splits.json": append(splits, '\n')}); err != nil {
		return err
	}
	if f.resume != "" {
		if err := r.restore(); err != nil {
			return fmt.Errorf("-resume: %w", err)
		}
	}
	r.log = newLogger(stdout, cliFlags{quiet: f.quiet, json: f.json}, c.Train.Steps)
	if r.fresh {
		r.log.note(fmt.Sprintf("%s holds no checkpoint yet: the run starts over", r.out))
	}
	if done, err := r.loop(ctx); err != nil || !done {
		return err
	}
	return r.finish()
}

// restore loads the run folder's checkpoint and its metrics up to it.
func (r *molRun[T]) restore() error {
	return r.runFolder.restore(func(b []byte) (int, error) {
		ck, err := moltrain.ReadCheckpoint(b)
		if err != nil {
			return 0, err
		}
		if err := r.tr.Restore(ck); err != nil {
			return 0, err
		}
		return r.tr.Step, nil
	})
}

// start logs the run's first lines.
func (r *molRun[T]) start() {
	c, t := r.c, r.c.Train
	if r.log.mode == "json" {
		r.log.json(map[string]any{"event": "start", "task": c.Task, "method": molFlowMethod(t.Flow), "align": t.Flow.Align,
			"steps": t.Steps, "from_step": r.tr.Step, "batch": t.Batch, "seed": t.Seed, "precision": c.Precision,
			"params": r.tr.Params.Count(), "kernels": kernels.Path(), "out": r.out, "data": r.d.summary(c)})
		return
	}
	from := ""
	if r.tr.Step > 0 {
		from = fmt.Sprintf(" (resuming at step %d)", r.tr.Step)
	}
	fmt.Fprintf(r.log.w, "fisherflow-train: molecules, method=%s align=%v, EGNN hidden %d x %d layers (%d parameters), %d steps of batch %d%s, seed %d, %s kernels, %s -> %s\n",
		molFlowMethod(t.Flow), t.Flow.Align, t.Net.Hidden, t.Net.Layers, r.tr.Params.Count(), t.Steps, t.Batch, from, t.Seed, kernels.Path(), c.Precision, r.out)
	fmt.Fprintf(r.log.w, "data: %s\n", r.d.summary(c))
	if r.log.mode == "bar" {
		r.log.startBar(r.tr.Step)
	}
}

// loop trains up to the last step, validating and saving a checkpoint
// every EvalEvery steps; done is false when ctx ended it (after a
// checkpoint).
func (r *molRun[T]) loop(ctx context.Context) (done bool, err error) {
	tr := r.tr
	r.start()
	return r.runFolder.loop(ctx, runSteps{
		step: func() int { return tr.Step },
		train: func() (float64, float64, error) {
			l, err := tr.TrainStep()
			return l.Total, tr.LR, err
		},
		eval: func(row *metricRow) (err error) {
			row.val, err = tr.Validate()
			return err
		},
		ckpt: func() ([]byte, error) {
			runMeta, _ := json.Marshal(r.c)
			return tr.Checkpoint(map[string]string{"run": string(runMeta)})
		},
		last: func(b []byte) (int, error) {
			ck, err := moltrain.ReadCheckpoint(b)
			if err != nil {
				return 0, err
			}
			return ck.Step(), nil
		},
		diverged: moltrain.ErrNonFinite,
	}, r.c.Train.Steps, r.c.EvalEvery, r.log, "")
}

// finish samples EvalSamples molecules with the best weights into
// samples.sdf, scores them against the test split (mol.Metrics) into
// result.json, and draws the loss plot.
func (r *molRun[T]) finish() error {
	c, tr := r.c, r.tr
	res := map[string]any{"steps": tr.Step, "train_seconds": r.seconds, "best_val_loss": num(tr.BestVal),
		"params": tr.Params.Count(), "kernels": kernels.Path(), "revision": revision()}
	var files []string
	if c.EvalSamples > 0 {
		tr.UseBest()
		t0 := time.Now()
		mols, err := tr.Sample(c.EvalSamples, c.SampleSteps, c.Train.Seed+1, "sample")
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := mol.WriteSDF(&b, mols); err != nil {
			return fmt.Errorf("samples.sdf: %w", err)
		}
		if err := atomicfile.WriteFile(filepath.Join(r.out, "samples.sdf"), b.Bytes()); err != nil {
			return err
		}
		files = append(files, "samples.sdf")
		rep := mol.Metrics(mols, r.d.test)
		res["eval_samples"], res["sample_steps"], res["sample_seconds"] = c.EvalSamples, c.SampleSteps, time.Since(t0).Seconds()
		res["molecules"] = rep
		if r.log.mode == "json" {
			r.log.json(map[string]any{"event": "result", "atom_stability": rep.AtomStability, "molecule_stability": rep.MoleculeStability,
				"connectivity": rep.Connectivity, "samples": c.EvalSamples, "file": "samples.sdf"})
		} else {
			fmt.Fprintf(r.log.w, "%d molecules (%d Euler steps) against the %d of the test split: atom stability %.4f, molecule stability %.4f, connected %.4f; TV of atom types %.4f, bond types %.4f, sizes %.4f\n",
				rep.Molecules, c.SampleSteps, rep.Reference, rep.AtomStability, rep.MoleculeStability, rep.Connectivity, rep.AtomTypeTV, rep.BondTypeTV, rep.SizeTV)
		}
	}
	js, _ := json.MarshalIndent(res, "", "  ")
	if err := atomicfile.WriteFile(filepath.Join(r.out, "result.json"), append(js, '\n')); err != nil {
		return err
	}
	if len(r.rows) > 0 {
		if err := drawLoss(r.out, r.rows); err != nil {
			fmt.Fprintf(r.stderr, "fisherflow-train: warning: plots: %v\n", err)
		} else {
			files = append(files, "loss.png")
		}
	}
	r.log.done(r.out, files)
	return nil
}

// drawLoss draws loss.png; gonum/plot panics on some degenerate data, and
// a plot is not worth losing a run, so a panic becomes an error.
func drawLoss(out string, rows []metricRow) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("drawing failed: %v", p)
		}
	}()
	return lossPlot(filepath.Join(out, "loss.png"), rows)
}

// moleculesSampleCmd is the sample command for a molecule checkpoint: it
// writes -n generated molecules as SDF, or with -shard I/N its share of
// them (drawn in blocks as the sequence sampler's shards are, shard.go).
func moleculesSampleCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fisherflow-train sample", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("checkpoint", "", "checkpoint file (RUN/checkpoint.safetensors) or run folder")
	n := fs.Int("n", 1000, "number of molecules")
	steps := fs.Int("steps", 100, "Euler steps of the sampler")
	seed := fs.Uint64("seed", 1, "random seed of the sizes and prior draws")
	out := fs.String("out", "", "output SDF file (default: standard output)")
	last := fs.Bool("last", false, "use the last weights instead of those of the best validation loss")
	threads := fs.Int("threads", 0, "threads for matrix products (0 = GOMAXPROCS)")
	shardFlag := fs.String("shard", "", "draw only shard I/N of the -n molecules (or 'slurm': the job array's task of its tasks) into -out's name with .shard-I-of-N; sample -merge -out's name joins the N shards into the molecules of one whole run")
	weights := fs.String("weights", "", weightsUsage)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sample: unexpected argument %q (see sample -h)", fs.Arg(0))
	}
	if *n < 1 || *steps < 1 {
		return fmt.Errorf("sample: -n and -steps must be at least 1")
	}
	sh, err := parseShard(*shardFlag)
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	} else if *shardFlag != "" && *out == "" {
		return fmt.Errorf("sample: -shard needs -out FILE (the shard writes FILE.shard-I-of-N)")
	}
	if *weights != "" && *last {
		return fmt.Errorf("sample: -weights replaces the checkpoint's weights: -last does not go with it")
	}
	if st, err := os.Stat(*path); err == nil && st.IsDir() {
		*path = filepath.Join(*path, checkpointName)
	}
	b, err := os.ReadFile(*path)
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	ck, err := moltrain.ReadCheckpoint(b)
	if err != nil {
		return fmt.Errorf("sample: %s: %w", *path, err)
	}
	var state []byte
	if *weights != "" {
		if state, err = os.ReadFile(*weights); err != nil {
			return fmt.Errorf("sample: -weights: %w", err)
		}
	}
	kernels.SetThreads(*threads)
	lo, hi := sh.samples(*n)
	var mols []*mol.Molecule
	if ck.Precision == "f64" {
		mols, err = molSampleRange[float64](ck, !*last, state, lo, hi, *steps, *seed)
	} else {
		mols, err = molSampleRange[float32](ck, !*last, state, lo, hi, *steps, *seed)
	}
	if err != nil && *weights != "" {
		err = fmt.Errorf("-weights %s: %w", *weights, err)
	}
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	if *out == "" {
		return mol.WriteSDF(stdout, mols)
	}
	var buf bytes.Buffer
	if err := mol.WriteSDF(&buf, mols); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	return atomicfile.WriteFile(sh.path(*out), buf.Bytes())
}

// molSampleRange draws molecules [lo, hi) of a sample command, block by
// block of sampleBlock with blockSeed's seeds, named sample-1, sample-2,
// ... by their place among all the command's molecules; with the weights
// of the state_dict file state if not nil.
func molSampleRange[T nn.Float](ck *moltrain.CheckpointFile, best bool, state []byte, lo, hi, steps int, seed uint64) ([]*mol.Molecule, error) {
	tr, err := moltrain.NewSampler[T](ck, best)
	if err != nil {
		return nil, err
	}
	if state != nil {
		if err := tr.LoadStateDict(state); err != nil {
			return nil, err
		}
	}
	out := make([]*mol.Molecule, 0, hi-lo)
	for start := lo; start < hi; start += sampleBlock {
		end := min(start+sampleBlock, hi)
		ms, err := tr.Sample(end-start, steps, blockSeed(seed, start/sampleBlock), "sample")
		if err != nil {
			return nil, err
		}
		for i, m := range ms {
			m.Name = fmt.Sprintf("sample-%d", start+i+1)
		}
		out = append(out, ms...)
	}
	return out, nil
}

// startBar starts the progress bar at step, as logger.start does for the
// sequence tasks.
func (l *logger) startBar(step int) {
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
