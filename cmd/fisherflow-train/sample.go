package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
}

// sampleCmd generates sequences from a checkpoint.
func sampleCmd(args []string, stdout, stderr io.Writer) error {
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
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "fisherflow-train sample -checkpoint FILE [-n N] [-steps S] [-out FILE] [-probs]\n\nWrites generated sequences in the training data's format (FASTA, text or CSV of classes).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sample: unexpected argument %q (see sample -h)", fs.Arg(0))
	}
	if s.checkpoint == "" {
		return fmt.Errorf("sample: -checkpoint FILE is required")
	}
	if s.n < 1 || s.steps < 1 {
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
	var probs []float64
	if s.probs {
		probs = make([]float64, s.n*tr.Positions*tr.K)
	}
	classes := tr.Sample(s.n, s.steps, s.seed, probs)
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
	}
	if s.out == "" {
		_, err := stdout.Write(buf.Bytes())
		return err
	}
	if err := atomicfile.WriteFile(s.out, buf.Bytes()); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	return nil
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
