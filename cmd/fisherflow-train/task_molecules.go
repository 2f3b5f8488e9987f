package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/mol"
	"github.com/fisherflow/fisherflow/fisherflow/molflow"
	"github.com/fisherflow/fisherflow/fisherflow/moltrain"
)

// The molecules task learns 3D molecules (FlowMol's recipe with Fisher
// flows for the atom types, charges and bonds, package molflow) with an
// EGNN (package moltrain): QM7 embedded, or any V2000 SDF with -data.
// Its model is not the sequence trainer's, so it runs itself with flags of
// its own (molecules_run.go) and writes checkpoints of moltrain's format.
func init() {
	registerTask(&taskKind{
		names: []string{"molecules"}, rank: 60, readsData: true,
		help:   "3D molecules with an EGNN: embedded QM7, or -data FILE.sdf[.gz]",
		run:    moleculesCmd,
		sample: moleculesSampleCmd,
		format: moltrain.CheckpointFormat,
		bind: func(fs *flag.FlagSet) {
			c := molDefaults()
			molBind(fs, &c, &molFlags{})
		},
		check: func(args []string) (int, error) {
			c, _, err := molParse(args, io.Discard)
			return c.Train.Steps, err
		},
	})
}

// molConfig is a molecule run: config.json in its folder.
type molConfig struct {
	Task string `json:"task"` // "molecules"
	// Data is the SDF file, or "" for the embedded QM7.
	Data string `json:"data,omitempty"`
	// Split holds the train, validation and test fractions, drawn by
	// Train.Seed (splits.json in the run folder).
	Split       [3]float64 `json:"split"`
	Precision   string     `json:"precision"`
	EvalEvery   int        `json:"eval_every"`
	EvalSamples int        `json:"eval_samples"`
	SampleSteps int        `json:"sample_steps"`
	Threads     int        `json:"threads"`
	Kernels     string     `json:"kernels,omitempty"`

	Train moltrain.Config `json:"train"`
}

// molDefaultSteps is the default budget's training length, chosen so
// that a run with no flags beyond -task molecules, sampling included,
// finishes within an hour on two cores (see the issue 28 report).
const molDefaultSteps = 30000

// molDefaults is the default budget: an EGNN of width 64 and 4 layers
// predicting the clean molecule, the categories on the cosine schedule of
// exponent 3, batch 32, AdamW at 1e-3 on a cosine schedule, EMA 0.999,
// 1,000 molecules sampled at the end.
func molDefaults() molConfig {
	t := moltrain.DefaultConfig()
	t.Steps = molDefaultSteps
	return molConfig{
		Task: "molecules", Split: [3]float64{0.8, 0.1, 0.1}, Precision: "f32",
		EvalEvery: 1000, EvalSamples: 1000, SampleSteps: 100, Train: t,
	}
}

// molFlags are the settings of the command that are not part of a run.
type molFlags struct {
	out, resume, config string
	quiet, json         bool
}

// molResumable are the flags that may change when a run is resumed.
var molResumable = map[string]bool{
	"resume": true, "task": true, "steps": true, "threads": true, "kernels": true, "quiet": true, "json": true,
	"eval-samples": true, "sample-steps": true,
}

// molBind registers the molecules task's flags on fs.
func molBind(fs *flag.FlagSet, c *molConfig, f *molFlags) {
	t, w := &c.Train, &c.Train.Flow.Weights
	fs.StringVar(&c.Task, "task", c.Task, "molecules")
	fs.StringVar(&c.Data, "data", c.Data, "molecules to learn: a V2000 SDF file, plain or gzip (default: the embedded QM7)")
	fs.Var((*methodFlag)(&t.Flow.Method), "method", "flow of the atom types, charges and bonds: fisherflow (sphere) or linear (simplex)")
	fs.BoolVar(&t.Flow.Align, "align", t.Flow.Align, "rotate each prior onto its molecule (Kabsch) before interpolating")
	fs.BoolVar(&t.Flow.Permute, "permute", t.Flow.Permute, "reorder each prior's atoms onto its molecule's (exact OT) before interpolating")
	fs.StringVar((*string)(&t.Flow.Param), "param", string(t.Flow.Param), "what the network predicts: velocity (the field, MSE) or endpoint (the clean molecule: positions by MSE, classes by cross-entropy)")
	fs.Float64Var(&t.Flow.CatCosine, "cat-cosine", t.Flow.CatCosine, "exponent nu of the categorical parts' schedule sin^2(pi/2 t^nu) (FlowMol's cosine; > 1 settles the classes after the positions); 0 = linear in t")
	fs.Float64Var(&w.Pos, "w-pos", w.Pos, "loss weight of the positions")
	fs.Float64Var(&w.Types, "w-types", w.Types, "loss weight of the atom types")
	fs.Float64Var(&w.Charges, "w-charges", w.Charges, "loss weight of the formal charges")
	fs.Float64Var(&w.Bonds, "w-bonds", w.Bonds, "loss weight of the bonds")
	fs.IntVar(&t.Net.Hidden, "hidden", t.Net.Hidden, "hidden width of the EGNN")
	fs.IntVar(&t.Net.Layers, "layers", t.Net.Layers, "EGNN layers")
	fs.IntVar(&t.Net.TimeDim, "time-dim", t.Net.TimeDim, "width of the time embedding (even)")
	fs.IntVar(&t.Batch, "batch", t.Batch, "molecules a step")
	fs.IntVar(&t.Steps, "steps", t.Steps, "training steps (with -resume: the new total)")
	fs.Float64Var(&t.LR, "lr", t.LR, "learning rate (AdamW)")
	fs.StringVar(&t.Schedule, "schedule", t.Schedule, "learning-rate schedule: cosine, plateau or constant")
	fs.Float64Var(&t.WeightDecay, "weight-decay", t.WeightDecay, "AdamW's weight decay")
	fs.Float64Var(&t.EMA, "ema", t.EMA, "EMA decay of the weights used for validation and sampling (0 = off)")
	fs.IntVar(&t.ValBatches, "val-batches", t.ValBatches, "validation batches (of -batch molecules of the validation split)")
	fs.Uint64Var(&t.Seed, "seed", t.Seed, "random seed: split, initialisation, batches and sampling")
	fs.IntVar(&c.EvalEvery, "eval-every", c.EvalEvery, "steps between validation losses and checkpoints")
	fs.StringVar(&c.Precision, "precision", c.Precision, "network precision: f32 or f64 (the geometry is always float64)")
	fs.IntVar(&c.EvalSamples, "eval-samples", c.EvalSamples, "molecules generated at the end into samples.sdf and scored against the test split (0 = skip)")
	fs.IntVar(&c.SampleSteps, "sample-steps", c.SampleSteps, "Euler steps of the sampler")
	fs.IntVar(&c.Threads, "threads", c.Threads, "threads for matrix products (0 = GOMAXPROCS)")
	fs.StringVar(&c.Kernels, "kernels", c.Kernels, "kernel path (default: the best; as FISHERFLOW_KERNELS)")
	fs.StringVar(&f.out, "out", f.out, "run folder (default runs/molecules-<time>)")
	fs.StringVar(&f.resume, "resume", "", "continue the run in this folder from its checkpoint (up to -steps)")
	fs.BoolVar(&f.quiet, "quiet", false, "plain log lines instead of a progress bar")
	fs.BoolVar(&f.json, "json", false, "one JSON object per log line (for scripts)")
}

// molParse resolves a molecule run's settings from args (and, with
// -resume, from the run folder's config.json).
func molParse(args []string, stderr io.Writer) (molConfig, molFlags, error) {
	c, f := molDefaults(), molFlags{}
	fs := flag.NewFlagSet("fisherflow-train -task molecules", flag.ContinueOnError)
	fs.SetOutput(stderr)
	molBind(fs, &c, &f)
	if err := fs.Parse(args); err != nil {
		return c, f, err
	}
	if fs.NArg() > 0 {
		return c, f, fmt.Errorf("unexpected argument %q (see -task molecules -h)", fs.Arg(0))
	}
	if f.resume == "" {
		return c, f, molValidate(c)
	}
	path := filepath.Join(f.resume, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return c, f, fmt.Errorf("-resume: %w", err)
	}
	c = molDefaults()
	// A config written before these settings existed lacks them and
	// means velocity regression on a linear time, whatever the defaults
	// are now.
	c.Train.Flow.Param, c.Train.Flow.CatCosine = "", 0
	if err := json.Unmarshal(b, &c); err != nil {
		return c, f, fmt.Errorf("-resume: %s: %w", path, err)
	}
	rs := flag.NewFlagSet("", flag.ContinueOnError)
	rs.SetOutput(io.Discard)
	var g molFlags
	molBind(rs, &c, &g)
	if err := rs.Parse(args); err != nil {
		return c, f, err
	}
	var bad []string
	rs.Visit(func(fl *flag.Flag) {
		if !molResumable[fl.Name] {
			bad = append(bad, "-"+fl.Name)
		}
	})
	if len(bad) > 0 {
		return c, f, fmt.Errorf("-resume continues a run as configured: %s cannot change (only -steps, -threads, -kernels, -eval-samples, -sample-steps, -quiet, -json)", strings.Join(bad, ", "))
	}
	f.out = f.resume
	return c, f, molValidate(c)
}

// molValidate checks the settings the trainer does not.
func molValidate(c molConfig) error {
	var errs []error
	if c.Task != "molecules" {
		errs = append(errs, fmt.Errorf("-task %q: want molecules", c.Task))
	}
	if c.Precision != "f32" && c.Precision != "f64" {
		errs = append(errs, fmt.Errorf("-precision %q: want f32 or f64", c.Precision))
	}
	if c.EvalEvery < 1 || c.EvalSamples < 0 || c.SampleSteps < 1 || c.Threads < 0 {
		errs = append(errs, fmt.Errorf("-eval-every and -sample-steps must be at least 1, -eval-samples and -threads at least 0"))
	}
	w := c.Train.Flow.Weights
	for _, v := range []float64{w.Pos, w.Types, w.Charges, w.Bonds} {
		if v < 0 {
			errs = append(errs, fmt.Errorf("loss weights must be at least 0, got %+v", w))
			break
		}
	}
	return errors.Join(errs...)
}

// molData is a molecule run's data: the molecules, their split, the
// vocabulary, the training and validation graphs and the test molecules.
type molData struct {
	mols       []*mol.Molecule
	splits     mol.Splits
	vocab      mol.Vocab
	sizes      mol.SizeDist
	train, val []*mol.Graph
	test       []*mol.Molecule
	dropped    int // molecules of fewer than 2 atoms, left out of training
}

// loadMolecules reads c's molecules (the reader's file:line error on a bad
// file), splits them by c.Train.Seed and encodes them.
func loadMolecules(c molConfig) (*molData, error) {
	d := &molData{}
	var err error
	if c.Data == "" {
		d.mols, err = mol.QM7()
	} else {
		d.mols, err = mol.ReadFile(c.Data)
	}
	if err != nil {
		return nil, err
	}
	if len(d.mols) == 0 {
		return nil, fmt.Errorf("%s: no molecules", c.Data)
	}
	if d.splits, err = mol.Split(d.mols, c.Train.Seed, c.Split); err != nil {
		return nil, fmt.Errorf("split: %w", err)
	}
	d.vocab = mol.NewVocab(d.mols)
	encode := func(idx []int) ([]*mol.Graph, []*mol.Molecule, error) {
		var gs []*mol.Graph
		var ms []*mol.Molecule
		for _, i := range idx {
			m := d.mols[i]
			if len(m.Atoms) < 2 {
				d.dropped++
				continue
			}
			g, err := d.vocab.Encode(m)
			if err != nil {
				return nil, nil, fmt.Errorf("molecule %d (%s): %w", i+1, m.Name, err)
			}
			gs, ms = append(gs, g), append(ms, m)
		}
		return gs, ms, nil
	}
	var trainMols []*mol.Molecule
	if d.train, trainMols, err = encode(d.splits.Train); err != nil {
		return nil, err
	}
	if d.val, _, err = encode(d.splits.Val); err != nil {
		return nil, err
	}
	if len(d.train) == 0 {
		return nil, fmt.Errorf("no training molecules of 2 atoms or more")
	}
	if d.test, err = mol.Pick(d.mols, d.splits.Test); err != nil {
		return nil, err
	}
	d.sizes = mol.NewSizeDist(trainMols)
	return d, nil
}

// summary describes the data, for the log.
func (d *molData) summary(c molConfig) string {
	src := "QM7 (embedded)"
	if c.Data != "" {
		src = c.Data
	}
	s := fmt.Sprintf("%s: %d molecules, elements %v, charges %v; split %d/%d/%d (seed %d)",
		src, len(d.mols), d.vocab.Elements, d.vocab.Charges, len(d.splits.Train), len(d.splits.Val), len(d.splits.Test), c.Train.Seed)
	if d.dropped > 0 {
		s += fmt.Sprintf("; %d molecules of fewer than 2 atoms left out of training", d.dropped)
	}
	return s
}

// molFlowMethod is the method's name for the log.
func molFlowMethod(c molflow.Config) string {
	if c.Method == "" {
		return string(fisherflow.FisherFlow)
	}
	return string(c.Method)
}
