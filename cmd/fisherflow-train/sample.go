package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/nn"
	"github.com/fisherflow/fisherflow/fisherflow/seqio"
	"github.com/fisherflow/fisherflow/internal/atomicfile"
	"github.com/fisherflow/fisherflow/kernels"
)

type sampleFlags struct {
	checkpoint, out, format string
	n, steps, threads       int
	seed                    uint64
	probs, last             bool
	signal, class           string
	guidance                float64
	shard, merge            string
	weights                 string
}

// weightsUsage is the help of sample's -weights.
const weightsUsage = "sample with these weights instead of the checkpoint's: a safetensors file of the PyTorch module's state_dict (bench/peers/handoff.py save); -checkpoint still gives the model's settings and data"

// sampleCmd generates sequences from a checkpoint.
func sampleCmd(args []string, stdout, stderr io.Writer) error {
	if k := checkpointKind(args); k != nil {
		return k.sample(args, stdout, stderr)
	}
	var s sampleFlags
	fs := flag.NewFlagSet("fisherflow-train sample", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&s.checkpoint, "checkpoint", "", "checkpoint file (RUN/checkpoint.safetensors) or run folder")
	fs.IntVar(&s.n, "n", 1000, "number of samples")
	fs.IntVar(&s.steps, "steps", 100, "Euler steps of the sampler")
	fs.Uint64Var(&s.seed, "seed", 1, "random seed of the prior draws")
	fs.StringVar(&s.out, "out", "", "output file (default: standard output); its extension (.fasta, .txt, .csv) picks the format")
	fs.StringVar(&s.format, "format", "", "output format: fasta, text or csv (default: from -out, else the training data's)")
	fs.BoolVar(&s.probs, "probs", false, "write the final probability vectors (one sample per line: positions x categories values, row-major) instead of classes")
	fs.BoolVar(&s.last, "last", false, "use the last weights instead of those of the best validation loss")
	fs.IntVar(&s.threads, "threads", 0, "threads for matrix products (0 = GOMAXPROCS)")
	fs.StringVar(&s.signal, "signal", "", "models trained with a signal: the signal of each sample, a .npy of shape (n, length) or (n, length, channels); -n defaults to its rows")
	fs.StringVar(&s.class, "class", "", "models trained with labels: the class of every sample, by name (as in the training labels) or 'none' (unconditional)")
	fs.Float64Var(&s.guidance, "guidance", 1, "classifier-free guidance scale with -class (1 = plain conditional)")
	fs.StringVar(&s.shard, "shard", "", "draw only shard I/N of the -n samples (or 'slurm': the job array's task of its tasks) into -out's name with .shard-I-of-N; the N shards together are the samples of one whole run")
	fs.StringVar(&s.merge, "merge", "", "join the shard files FILE.shard-I-of-N.EXT into FILE.EXT (no sampling)")
	fs.StringVar(&s.weights, "weights", "", weightsUsage)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "fisherflow-train sample -checkpoint FILE [-n N] [-steps S] [-out FILE] [-probs] [-signal FILE.npy] [-class NAME -guidance W] [-weights FILE]\n\nWrites generated sequences in the training data's format (FASTA, text or CSV of classes).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sample: unexpected argument %q (see sample -h)", fs.Arg(0))
	}
	if s.merge != "" {
		return mergeShards(s.merge)
	}
	if _, err := parseShard(s.shard); err != nil {
		return fmt.Errorf("sample: %w", err)
	} else if s.shard != "" && s.out == "" {
		return fmt.Errorf("sample: -shard needs -out FILE (the shard writes FILE.shard-I-of-N)")
	}
	if s.checkpoint == "" {
		return fmt.Errorf("sample: -checkpoint FILE is required")
	}
	if s.weights != "" && s.last {
		return fmt.Errorf("sample: -weights replaces the checkpoint's weights: -last does not go with it")
	}
	nSet := false
	fs.Visit(func(f *flag.Flag) { nSet = nSet || f.Name == "n" })
	if !nSet && s.signal != "" {
		s.n = 0 // from the signal's rows
	}
	if (nSet && s.n < 1) || s.steps < 1 {
		return fmt.Errorf("sample: -n and -steps must be at least 1")
	}
	if st, err := os.Stat(s.checkpoint); err == nil && st.IsDir() {
		s.checkpoint = filepath.Join(s.checkpoint, checkpointName)
	}
	b, err := os.ReadFile(s.checkpoint)
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	ck, err := fisherflow.ReadCheckpoint(b)
	if err != nil {
		return fmt.Errorf("sample: %s: %w", s.checkpoint, err)
	}
	kernels.SetThreads(s.threads)
	if ck.Precision == "f64" {
		return sample[float64](ck, s, stdout)
	}
	return sample[float32](ck, s, stdout)
}

func sample[T nn.Float](ck *fisherflow.CheckpointFile, s sampleFlags, stdout io.Writer) error {
	tr, err := fisherflow.NewSampler[T](ck, !s.last)
	if err != nil {
		return fmt.Errorf("sample: %s: %w", s.checkpoint, err)
	}
	if s.weights != "" {
		b, err := os.ReadFile(s.weights)
		if err == nil {
			err = tr.LoadStateDict(b)
		}
		if err != nil {
			return fmt.Errorf("sample: -weights %s: %w", s.weights, err)
		}
	}
	sig, class, err := sampleConditions(ck, tr.Cfg, tr.Positions, &s)
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	sh, _ := parseShard(s.shard)
	lo, hi := sh.samples(s.n)
	var probs []float64
	if s.probs {
		probs = make([]float64, (hi-lo)*tr.Positions*tr.K)
	}
	classes, err := sampleRange(tr, tr.Positions, tr.K, s, lo, hi, sig, class, probs)
	if err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	var buf bytes.Buffer
	if s.probs {
		row := tr.Positions * tr.K
		for i := 0; i < len(probs); i += row {
			buf.WriteString(joinFloats(probs[i:i+row]) + "\n")
		}
	} else {
		format, alphabet := outputFormat(ck, s)
		if format != seqio.CSV && alphabet == "" {
			return fmt.Errorf("sample: the checkpoint's data has no alphabet (toy or smiley): write CSV")
		}
		if err := seqio.Write(&buf, format, alphabet, split(classes, tr.Positions)); err != nil {
			return err
		}
		if format == seqio.FASTA {
			b := renumberFASTA(buf.Bytes(), lo)
			buf.Reset()
			buf.Write(b)
		}
	}
	if s.out == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := atomicfile.WriteFile(sh.path(s.out), buf.Bytes()); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	return nil
}

// sampleConditions resolves -signal and -class for a model of cfg on
// sequences of length positions, and sets s.n from the signal when it
// was not given.
func sampleConditions(ck *fisherflow.CheckpointFile, cfg fisherflow.Config, length int, s *sampleFlags) ([]float64, []int, error) {
	var sig []float64
	switch {
	case s.signal != "" && cfg.Signal == 0:
		return nil, nil, fmt.Errorf("-signal: this model was trained without a signal")
	case s.signal == "" && cfg.Signal > 0:
		return nil, nil, fmt.Errorf("this model generates under a signal of %d channel(s) per base: give -signal FILE.npy of shape (n, %d) or (n, %d, %d)", cfg.Signal, length, length, cfg.Signal)
	case s.signal != "":
		a, err := seqio.ReadNPY(s.signal)
		if err != nil {
			return nil, nil, fmt.Errorf("-signal: %w", err)
		}
		rows, ch, ok := signalShape(a, length)
		if !ok || ch != cfg.Signal {
			return nil, nil, fmt.Errorf("-signal %s: shape %v; this model wants (n, %d) or (n, %d, %d)", s.signal, a.Shape, length, length, cfg.Signal)
		}
		if s.n == 0 {
			s.n = rows
		}
		if rows < s.n {
			return nil, nil, fmt.Errorf("-signal %s: %d rows for -n %d samples", s.signal, rows, s.n)
		}
		sig = a.Data[:s.n*length*ch]
	}
	if s.n < 1 {
		return nil, nil, fmt.Errorf("-n must be at least 1")
	}
	if s.class == "" {
		if cfg.Classes > 0 {
			return nil, nil, fmt.Errorf("this model was trained with class labels: give -class NAME (or -class none)")
		}
		return sig, nil, nil
	}
	if cfg.Classes == 0 {
		return nil, nil, fmt.Errorf("-class: this model was trained without class labels")
	}
	var names []string
	json.Unmarshal([]byte(ck.Meta["classes"]), &names)
	c := cfg.Classes // "none": the unconditional field
	if s.class != "none" {
		c = slices.Index(names, s.class)
		if c < 0 {
			return nil, nil, fmt.Errorf("-class %q: the model's classes are %s", s.class, strings.Join(names, ", "))
		}
	}
	class := make([]int, s.n)
	for i := range class {
		class[i] = c
	}
	return sig, class, nil
}

// outputFormat picks the format: -format, else -out's extension, else the
// training data's.
func outputFormat(ck *fisherflow.CheckpointFile, s sampleFlags) (seqio.Format, string) {
	alphabet, format := ck.Meta["alphabet"], seqio.Format(ck.Meta["data_format"])
	switch strings.ToLower(s.format) {
	case "fasta":
		format = seqio.FASTA
	case "text", "txt":
		format = seqio.Text
	case "csv":
		format = seqio.CSV
	case "":
		if f, ok := seqio.FormatOf(s.out); ok {
			format = f
		}
	}
	if format == "" {
		format = seqio.CSV
	}
	return format, alphabet
}
