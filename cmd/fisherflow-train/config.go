package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/kernels"
)

// RunConfig is everything a run is made of: config.json in the run
// folder, and what -config reads back. Fields whose default is not zero
// have no omitempty: a zero given (-holdout 0, -guidance 0) must read
// back as zero, not as the default.
type RunConfig struct {
	Task string `json:"task"` // toy, smiley, sequences, motifs, promoter or enhancer
	// Toy: K categories at Len positions. Smiley: N points. Motifs: Motif
	// planted in sequences of Len bases.
	K     int    `json:"k"`
	Len   int    `json:"len"`
	N     int    `json:"n"`
	Motif string `json:"motif"`
	// Sequences.
	Data     string  `json:"data,omitempty"`
	Format   string  `json:"format,omitempty"`
	Alphabet string  `json:"alphabet,omitempty"`
	Lengths  string  `json:"lengths,omitempty"` // "", "pad" or "crop"
	Holdout  float64 `json:"holdout"`
	IUPAC    string  `json:"iupac,omitempty"` // ambiguous bases: "", "error", "drop" or "mask"
	// Promoter and enhancer: the conditioning signal (.npy), the labels
	// ("header" or a table) and their column, the split column and the
	// values it holds out for testing and validation, and the guidance
	// scale of evaluation samples.
	Signal      string  `json:"signal,omitempty"`
	Labels      string  `json:"labels,omitempty"`
	LabelColumn string  `json:"label_column"`
	SplitColumn string  `json:"split_column,omitempty"`
	Test        string  `json:"test,omitempty"`
	Val         string  `json:"val,omitempty"`
	Guidance    float64 `json:"guidance"`
	// Shift moves every training window by a random offset in
	// [-Shift, Shift]: the records are 2*Shift bases longer than the
	// model's sequences, and held-out records are cut to their centres.
	Shift int `json:"shift,omitempty"`
	// FBDClassifier is a classifier file to score labelled runs with
	// (default: train one on the training split, FBDSteps steps).
	FBDClassifier string `json:"fbd_classifier,omitempty"`
	FBDSteps      int    `json:"fbd_steps"`

	Precision   string `json:"precision"`
	EvalSamples int    `json:"eval_samples"`
	TrackEval   int    `json:"track_eval"`
	SampleSteps int    `json:"sample_steps"`
	Threads     int    `json:"threads"`
	Kernels     string `json:"kernels,omitempty"`

	Train fisherflow.Config `json:"train"`
}

// demo is the no-argument run: Fisher-Flow with exact OT on the toy
// benchmark at K=10, small enough to finish in minutes.
func demo() RunConfig {
	c := defaults()
	c.K = 10
	c.Train.Steps = 1000
	c.EvalSamples = 10240
	c.TrackEval = 1024
	c.Train.EvalEvery = 250
	return c
}

// defaults are the reference protocol of the toy benchmark.
func defaults() RunConfig {
	return RunConfig{
		Task: "toy", K: 40, Len: 4, N: 10000, Motif: "TATAAT", Holdout: 0.1, LabelColumn: "class", Guidance: 1, FBDSteps: 1000,
		Precision: "f32", EvalSamples: 512000, SampleSteps: 100,
		Train: fisherflow.Config{
			Method: fisherflow.FisherFlow, Resample: fisherflow.Replacement, Steps: 3000, Batch: 512,
			LR: 1e-3, ClipNorm: 1, Schedule: "plateau", Net: "bestmlp", Hidden: 512, Depth: 4, TimeDim: 64,
			EvalEvery: 196, ValBatches: 10, Seed: 12345,
		},
	}
}

// cliFlags are the settings of the command that are not part of a run.
type cliFlags struct {
	config, resume, out string
	quiet, json         bool
	pad, crop           bool
	checkpointEvery     int
}

// bind registers every flag of the train command on fs, writing into c
// and f. Parsing twice (defaults, then -config's file) reuses it.
func bind(fs *flag.FlagSet, c *RunConfig, f *cliFlags) {
	t := &c.Train
	fs.StringVar(&c.Task, "task", c.Task, taskHelp())
	fs.IntVar(&c.K, "k", c.K, "toy: number of categories K")
	fs.IntVar(&c.Len, "len", c.Len, "toy and motifs: sequence length")
	fs.StringVar(&c.Motif, "motif", c.Motif, "motifs: the planted motif (letters of ACGT)")
	fs.IntVar(&c.N, "n", c.N, "smiley: number of data points")
	fs.StringVar(&c.Data, "data", c.Data, "sequences to learn: FASTA, plain text (one sequence per line) or CSV of integer classes; implies -task sequences")
	fs.StringVar(&c.Format, "format", c.Format, "format of -data: fasta, text, csv (default: from the extension, else '>' means FASTA)")
	fs.StringVar(&c.Alphabet, "alphabet", c.Alphabet, "symbols of -data: dna, protein, auto, or the symbols themselves (e.g. ACGTN)")
	fs.BoolVar(&f.pad, "pad", false, "pad shorter sequences of -data to the longest with a padding class '-'")
	fs.BoolVar(&f.crop, "crop", false, "crop sequences of -data to the shortest")
	fs.Float64Var(&c.Holdout, "holdout", c.Holdout, "fraction of -data (or smiley points) held out for evaluation (without -split-column)")
	fs.StringVar(&c.IUPAC, "iupac", c.IUPAC, "DNA bases given as IUPAC ambiguity codes (N, R, Y, ...): error (refuse, with the count and the first), drop (leave out their records) or mask (keep them, left out of the loss)")
	fs.StringVar(&c.Signal, "signal", c.Signal, "promoter/enhancer: per-base conditioning signal, a .npy of float32/float64 of shape (records, length) or (records, length, channels), rows in the order of -data's records")
	fs.StringVar(&c.Labels, "labels", c.Labels, "promoter/enhancer: class labels to condition on (classifier-free guidance): a CSV/TSV table with a header row (rows matched to records by a name/id column, else in order), or 'header' for words class=VALUE in the FASTA headers")
	fs.StringVar(&c.LabelColumn, "label-column", c.LabelColumn, "the column (or header word) of -labels holding the class")
	fs.StringVar(&c.SplitColumn, "split-column", c.SplitColumn, "promoter/enhancer: split the records by this column of -labels' table or of the FASTA headers (e.g. chrom; a bedtools name chr8:100-1124 gives chrom) instead of -holdout")
	fs.StringVar(&c.Test, "test", c.Test, "values of -split-column held out for the evaluation metric (e.g. chr8,chr9)")
	fs.StringVar(&c.Val, "val", c.Val, "values of -split-column held out for the validation loss (e.g. chr10; default: validation batches from the training split)")
	fs.StringVar(&c.FBDClassifier, "fbd-classifier", c.FBDClassifier, "with -labels: the classifier file (fbd-classifier.safetensors of an earlier run) that scores the samples' classes and FBD (default: train one on the training split and save it in the run folder)")
	fs.IntVar(&c.FBDSteps, "fbd-steps", c.FBDSteps, "with -labels: training steps of the scoring classifier (batch 64)")
	fs.Float64Var(&c.Guidance, "guidance", c.Guidance, "classifier-free guidance scale of evaluation samples with -labels (1 = plain conditional; > 1 pushes towards the class)")
	fs.IntVar(&c.Shift, "shift", c.Shift, "promoter/enhancer: move each training window by a random offset in [-shift, shift] bases (the promoter benchmark uses 10): records (and -signal rows) must be 2*shift bases longer than the model's sequences; validation and test use their centred windows")
	fs.Var((*methodFlag)(&t.Method), "method", "flow: fisherflow (sphere, Fisher-Rao geodesics) or linear (simplex, Dirichlet prior)")
	fs.Var((*otFlag)(&t.OT), "ot", "minibatch coupling: none, exact or sinkhorn (default: exact for fisherflow, none for linear)")
	fs.Var((*resampleFlag)(&t.Resample), "resample", "pairs from the OT plan: replacement (as the reference code) or permutation")
	fs.IntVar(&t.Steps, "steps", t.Steps, "training steps (with -resume: the new total)")
	fs.IntVar(&t.Batch, "batch", t.Batch, "batch size")
	fs.Float64Var(&t.LR, "lr", t.LR, "learning rate (AdamW)")
	fs.StringVar(&t.Schedule, "schedule", t.Schedule, "learning-rate schedule: plateau (x0.1 after 10 evaluations without improvement), cosine or constant")
	fs.Float64Var(&t.EMA, "ema", t.EMA, "EMA decay of the weights used for validation and sampling (0 = off)")
	fs.StringVar(&t.Net, "net", t.Net, "network, one of the registered: "+strings.Join(fisherflow.NetworkNames(), ", ")+" (bestmlp is the toy network, mlp the smiley network, promoter and enhancer the DNA ConvNets)")
	fs.IntVar(&t.Channels, "channels", t.Channels, "promoter/enhancer: channels (0 = the reference: 256 promoter, 128 enhancer)")
	fs.IntVar(&t.Blocks, "blocks", t.Blocks, "promoter/enhancer: residual blocks (0 = the reference, 20)")
	fs.IntVar(&t.Hidden, "hidden", t.Hidden, "hidden width of the network")
	fs.IntVar(&t.Depth, "depth", t.Depth, "mlp: number of Linear layers")
	fs.IntVar(&t.EvalEvery, "eval-every", t.EvalEvery, "steps between validation losses and checkpoints")
	fs.Uint64Var(&t.Seed, "seed", t.Seed, "random seed: data, initialisation, batches and sampling")
	fs.StringVar(&c.Precision, "precision", c.Precision, "network precision: f32 or f64 (the geometry is always float64)")
	fs.IntVar(&c.EvalSamples, "eval-samples", c.EvalSamples, "generated samples for the final evaluation (0 = skip)")
	fs.IntVar(&c.TrackEval, "track-eval", c.TrackEval, "generated samples for the evaluation metric at every validation (0 = only at the end)")
	fs.IntVar(&c.SampleSteps, "sample-steps", c.SampleSteps, "Euler steps of the sampler")
	fs.IntVar(&c.Threads, "threads", c.Threads, "threads for matrix products (0 = GOMAXPROCS)")
	fs.StringVar(&c.Kernels, "kernels", c.Kernels, "kernel path: "+strings.Join(kernels.Paths(), ", ")+" (default: the best; as FISHERFLOW_KERNELS)")
	fs.StringVar(&f.out, "out", f.out, "run folder (default runs/<task>-<time>)")
	fs.StringVar(&f.config, "config", "", "start from this config.json (flags given as well override it)")
	fs.StringVar(&f.resume, "resume", "", "continue the run in this folder from its checkpoint (up to -steps)")
	fs.BoolVar(&f.quiet, "quiet", false, "plain log lines instead of a progress bar")
	fs.BoolVar(&f.json, "json", false, "one JSON object per log line (for scripts)")
}

type methodFlag fisherflow.Method

func (m *methodFlag) String() string { return string(*m) }
func (m *methodFlag) Set(s string) error {
	v, err := fisherflow.ParseMethod(s)
	*m = methodFlag(v)
	return err
}

type otFlag fisherflow.OTMode

func (m *otFlag) String() string { return string(*m) }
func (m *otFlag) Set(s string) error {
	v, err := fisherflow.ParseOT(s)
	*m = otFlag(v)
	return err
}

type resampleFlag fisherflow.Resampling

func (m *resampleFlag) String() string { return string(*m) }
func (m *resampleFlag) Set(s string) error {
	v, err := fisherflow.ParseResampling(s)
	*m = resampleFlag(v)
	return err
}

// parseTrainFlags resolves the run configuration from the arguments: the
// demo with no arguments, else the reference defaults, then -config's
// file, then the flags given.
func parseTrainFlags(args []string, stderr io.Writer) (RunConfig, cliFlags, error) {
	c := defaults()
	if len(args) == 0 {
		c = demo()
	}
	var f cliFlags
	fs := newFlagSet(stderr, &c, &f)
	if err := fs.Parse(args); err != nil {
		return c, f, err
	}
	if fs.NArg() > 0 {
		return c, f, fmt.Errorf("unexpected argument %q (flags start with -; see -h)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if f.config != "" {
		b, err := os.ReadFile(f.config)
		if err != nil {
			return c, f, fmt.Errorf("-config: %w", err)
		}
		base := defaults()
		if err := decodeConfig(b, f.config, true, &base); err != nil {
			return c, f, fmt.Errorf("-config %w", err)
		}
		for name := range fileSettings(b) {
			set[name] = true
		}
		c = base
		f = cliFlags{}
		fs = newFlagSet(stderr, &c, &f)
		if err := fs.Parse(args); err != nil {
			return c, f, err
		}
	}
	if kind, err := lookupTask(c.Task); set["data"] && !set["task"] && (err != nil || !kind.readsData) {
		c.Task = "sequences"
	}
	if set["method"] && !set["ot"] && c.Train.Method == fisherflow.Linear {
		c.Train.OT = fisherflow.NoOT
	}
	if kind, err := lookupTask(c.Task); err == nil && kind.defaults != nil {
		kind.defaults(&c, set)
	}
	switch {
	case f.pad && f.crop:
		return c, f, fmt.Errorf("-pad and -crop exclude each other")
	case f.pad:
		c.Lengths = "pad"
	case f.crop:
		c.Lengths = "crop"
	}
	return c, f, validate(c)
}

func newFlagSet(stderr io.Writer, c *RunConfig, f *cliFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("fisherflow-train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bind(fs, c, f)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `fisherflow-train trains Fisher Flow Matching models and samples from them.

  fisherflow-train                      the demo: Fisher-Flow on the toy benchmark (K=10), about 2 minutes
  fisherflow-train [flags]              a run; unset flags take the toy benchmark's reference values
  fisherflow-train -resume DIR [-steps N]
  fisherflow-train sample -checkpoint FILE [-n N] [-out FILE] [-probs]   (see sample -h)

The demo runs -k 10 -steps 1000 -eval-every 250 -eval-samples 10240 -track-eval 1024; with any flag given,
the defaults below apply (the paper's protocol: K=40, 3000 steps, KL over 512,000 samples).

Flags:
`)
		fs.PrintDefaults()
	}
	return fs
}

// validate checks the settings the trainer does not.
func validate(c RunConfig) error {
	kind, err := lookupTask(c.Task)
	if err != nil {
		return err
	}
	if err := kind.validate(c); err != nil {
		return err
	}
	if c.Precision != "f32" && c.Precision != "f64" {
		return fmt.Errorf("unknown precision %q (choices: f32, f64)", c.Precision)
	}
	if c.EvalSamples < 0 || c.TrackEval < 0 || c.SampleSteps < 1 || c.Threads < 0 {
		return fmt.Errorf("-eval-samples and -track-eval must be >= 0, -sample-steps >= 1, -threads >= 0")
	}
	if !(c.Holdout >= 0 && c.Holdout < 1) {
		return fmt.Errorf("-holdout must be in [0, 1)")
	}
	if c.Kernels != "" {
		ok := false
		for _, p := range kernels.Paths() {
			ok = ok || p == c.Kernels
		}
		if !ok {
			return fmt.Errorf("-kernels %q: this machine has %s", c.Kernels, strings.Join(kernels.Paths(), ", "))
		}
	}
	_, err = c.Train.WithDefaults()
	return err
}

// fileSettings are the settings a config file b (accepted by
// decodeConfig) gives, named as their flags (a JSON key with '-' for '_',
// a key of "train" as a top-level one), so that a task's defaults leave
// them as the file says.
func fileSettings(b []byte) map[string]bool {
	set := map[string]bool{}
	var top map[string]json.RawMessage
	json.Unmarshal(b, &top)
	add := func(key string, v json.RawMessage) {
		if string(v) != "null" { // null leaves a field as it was
			set[strings.ReplaceAll(strings.ToLower(key), "_", "-")] = true
		}
	}
	for key, v := range top {
		if strings.EqualFold(key, "train") {
			var train map[string]json.RawMessage
			json.Unmarshal(v, &train)
			for key, v := range train {
				add(key, v)
			}
			continue
		}
		add(key, v)
	}
	return set
}

// decodeConfig decodes the config.json file path holding b over c;
// strict (-config, a file a person wrote) refuses unknown fields and
// anything after the object, where a run folder's own file is read
// leniently. Its errors name the file, line and column.
func decodeConfig(b []byte, path string, strict bool, c *RunConfig) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(c)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("data after the JSON object")
		}
	}
	if err == nil {
		return nil
	}
	off := dec.InputOffset()
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset - 1 // the byte read last, at fault
	case errors.As(err, &te):
		off = te.Offset - 1
	}
	off = min(max(off, 0), int64(len(b)))
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(b[:off], '\n'))
	return fmt.Errorf("%s:%d:%d: %w", path, line, col, err)
}
