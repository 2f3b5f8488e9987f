package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/fisherflow/fisherflow/fisherflow/seqio"
	"github.com/fisherflow/fisherflow/internal/atomicfile"
)

// synthMotifs are the motifs of the synthetic DNA files, one per class:
// a TATA box, a GC box and an E-box.
var synthMotifs = []string{"TATAAT", "GGGCGG", "CACGTG"}

// synthBases is the background composition (A, C, G, T): GC-rich, so
// that the k-mer spectrum is not flat and an untrained model's spectrum
// is measurably off.
var synthBases = [4]float64{0.2, 0.3, 0.3, 0.2}

// synthCmd writes synthetic DNA in the formats the promoter and enhancer
// tasks read: data.fasta (records "seqN chrom=chrC class=M" with
// M the motif planted), signal.npy (a Gaussian bump where the motif is)
// and labels.csv (name,class,chrom). A model that learns the data writes
// the class's motif where the signal peaks.
func synthCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fisherflow-train synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "folder for data.fasta, signal.npy and labels.csv (required)")
	n := fs.Int("n", 2000, "number of sequences")
	length := fs.Int("len", 128, "sequence length")
	seed := fs.Uint64("seed", 1, "random seed")
	motifList := fs.String("motifs", strings.Join(synthMotifs, ","), "the motifs, one per class (letters of ACGT)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `fisherflow-train synth -out DIR [-n N] [-len L]

Writes synthetic DNA for -task promoter and -task enhancer: GC-rich random sequences, each with one of the
-motifs (by default TATAAT, GGGCGG, CACGTG; the motif is its class) planted at a random offset, a per-base
signal peaking there, and chromosomes chr1..chr10 in turn (to split by). Then, e.g.:

  fisherflow-train -task promoter -data DIR/data.fasta -signal DIR/signal.npy -split-column chrom -test chr9 -val chr10
  fisherflow-train -task enhancer -data DIR/data.fasta -labels DIR/labels.csv -guidance 2

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return fmt.Errorf("synth: -out DIR is required, and takes no arguments (see synth -h)")
	}
	motifs := fields(*motifList)
	longest := 0
	for _, m := range motifs {
		if strings.Trim(m, "ACGT") != "" {
			return fmt.Errorf("synth: -motifs: %q is not made of ACGT", m)
		}
		longest = max(longest, len(m))
	}
	if *n < 1 || len(motifs) == 0 || *length < longest {
		return fmt.Errorf("synth: -n must be >= 1, -motifs non-empty and -len at least the longest motif (%d)", longest)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	r := rand.New(rand.NewPCG(*seed, 0x5e7))
	L := *length
	var fasta, labels bytes.Buffer
	labels.WriteString("name,class,chrom\n")
	sig := make([]float32, *n*L)
	seq := make([]byte, L)
	for i := range *n {
		for j := range seq {
			u, b := r.Float64(), 0
			for b < 3 && u >= synthBases[b] {
				u -= synthBases[b]
				b++
			}
			seq[j] = "ACGT"[b]
		}
		m := motifs[r.IntN(len(motifs))]
		off := r.IntN(L - len(m) + 1)
		copy(seq[off:], m)
		centre := float64(off) + float64(len(m)-1)/2
		for j := range L {
			d := (float64(j) - centre) / 3
			sig[i*L+j] = float32(math.Exp(-d * d / 2))
		}
		name, chrom := fmt.Sprintf("seq%d", i+1), fmt.Sprintf("chr%d", i%10+1)
		fmt.Fprintf(&fasta, ">%s chrom=%s class=%s\n", name, chrom, m)
		for j := 0; j < L; j += 60 {
			fasta.Write(seq[j:min(j+60, L)])
			fasta.WriteByte('\n')
		}
		fmt.Fprintf(&labels, "%s,%s,%s\n", name, m, chrom)
	}
	var npy bytes.Buffer
	if err := seqio.WriteNPY(&npy, []int{*n, L}, sig); err != nil {
		return err
	}
	for name, b := range map[string][]byte{"data.fasta": fasta.Bytes(), "labels.csv": labels.Bytes(), "signal.npy": npy.Bytes()} {
		if err := atomicfile.WriteFile(filepath.Join(*out, name), b); err != nil {
			return fmt.Errorf("synth: %w", err)
		}
	}
	fmt.Fprintf(stdout, "wrote %s/data.fasta, signal.npy, labels.csv: %d sequences of %d bases\n", *out, *n, L)
	return nil
}
