package main

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/seqio"
)

// task is the data of a run and how its samples are scored and written.
type task struct {
	data     fisherflow.Data
	toy      *fisherflow.Toy
	set      *seqio.Set         // sequences: the file read
	held     [][]int            // sequences: held-out split
	points   *fisherflow.Points // smiley: held-out points
	motifs   *fisherflow.Motifs // motifs: the benchmark, and the seed of its evaluation signals
	evalSeed uint64
	dna      *dnaData        // promoter and enhancer: the splits and their conditioning
	val      fisherflow.Data // the validation split, when there is one
	guidance float64         // promoter and enhancer: guidance of evaluation samples
	// metric names the evaluation: KL for the toy (to the target), energy
	// distance for the smiley and per-position Jensen-Shannon divergence
	// for sequences (both to the held-out data), the recall of the motif
	// where the signal peaks for motifs (higher is better), the k-mer
	// spectrum distance to the test split for promoter and enhancer.
	metric string
}

// newTask builds the data of a run.
func newTask(c RunConfig) (*task, error) {
	switch c.Task {
	case "toy":
		toy := fisherflow.NewToy(c.K, c.Len, c.Train.Seed)
		return &task{data: toy, toy: toy, metric: "KL"}, nil
	case "smiley":
		all := fisherflow.Smiley(c.N, rand.New(rand.NewPCG(c.Train.Seed, 0x5111e)))
		rand.New(rand.NewPCG(c.Train.Seed, 0x5117)).Shuffle(len(all.P), func(i, j int) { all.P[i], all.P[j] = all.P[j], all.P[i] })
		nh := max(2, int(float64(len(all.P))*c.Holdout))
		return &task{
			data:   &fisherflow.Points{K: 3, P: all.P[nh:]},
			points: &fisherflow.Points{K: 3, P: all.P[:nh]},
			metric: "energy distance",
		}, nil
	case "motifs":
		m, err := fisherflow.NewMotifs(c.Len, c.Motif)
		if err != nil {
			return nil, err
		}
		return &task{data: fisherflow.MotifData{Motifs: m}, motifs: m, evalSeed: c.Train.Seed + 11, metric: "motif recall"}, nil
	case "promoter", "enhancer":
		d, set, err := loadDNA(c)
		if err != nil {
			return nil, err
		}
		train, err := d.trainData()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Data, err)
		}
		tk := &task{data: train, set: set, dna: d, guidance: c.Guidance, metric: "k-mer JS"}
		if len(d.val.seqs) > 0 {
			if tk.val, err = d.data(d.val); err != nil {
				return nil, fmt.Errorf("%s: %w", c.Data, err)
			}
		}
		return tk, nil
	case "sequences":
		set, err := seqio.ReadFile(c.Data, seqio.Options{Format: c.Format, Alphabet: c.Alphabet, Ambiguity: c.IUPAC})
		if err != nil {
			return nil, err
		}
		if err := set.Equalize(c.Lengths); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Data, err)
		}
		seqs := append([][]int(nil), set.Seqs...)
		rand.New(rand.NewPCG(c.Train.Seed, 0x5e9)).Shuffle(len(seqs), func(i, j int) { seqs[i], seqs[j] = seqs[j], seqs[i] })
		nh := int(float64(len(seqs)) * c.Holdout)
		if len(seqs)-nh < 1 {
			return nil, fmt.Errorf("%s: %d sequences leave none for training after -holdout %g", c.Data, len(seqs), c.Holdout)
		}
		train, held := seqs[nh:], seqs[:nh]
		if nh == 0 {
			held = train // evaluate against the training data itself
		}
		data, err := fisherflow.NewSequences(train, set.K)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Data, err)
		}
		return &task{data: data, set: set, held: held, metric: "JS"}, nil
	}
	return nil, fmt.Errorf("unknown task %q", c.Task)
}

// score evaluates n generated samples: classes (n x positions) and, for
// the smiley, probability vectors. (The motifs task scores in evaluate,
// against the signals it sampled under.)
func (tk *task) score(classes []int, probs []float64) float64 {
	switch {
	case tk.toy != nil:
		return tk.toy.KL(tk.toy.Counts(classes))
	case tk.points != nil:
		var held []float64
		for _, p := range tk.points.P {
			held = append(held, p...)
		}
		return fisherflow.EnergyDistance(planar(probs), planar(held), 2)
	default:
		var held []int
		for _, s := range tk.held {
			held = append(held, s...)
		}
		return fisherflow.JSMarginals(classes, held, tk.data.Positions(), tk.data.Categories())
	}
}

// signals returns the conditioning signals of n evaluation sequences of
// the motifs task: the same for every evaluation of a run.
func (tk *task) signals(n int) []float64 {
	seq, sig := make([]int, n*tk.motifs.Length), make([]float64, n*tk.motifs.Length)
	tk.motifs.Draw(rand.New(rand.NewPCG(tk.evalSeed, 0x5197)), seq, sig)
	return sig
}

// summary describes the data read, or "".
func (tk *task) summary() string {
	if tk.dna != nil {
		return tk.dna.summary
	}
	return ""
}

// needsProbs says whether score needs the probability vectors.
func (tk *task) needsProbs() bool { return tk.points != nil }

// planar maps rows of 3 barycentric coordinates to the triangle's plane.
func planar(p []float64) []float64 {
	out := make([]float64, 0, len(p)/3*2)
	for i := 0; i+3 <= len(p); i += 3 {
		x, y := fisherflow.Cartesian(p[i : i+3])
		out = append(out, x, y)
	}
	return out
}

// samplesFile names the generated-samples file and writes it: CSV of
// classes for the toy (one sequence per line), CSV of probabilities for
// the smiley, the input's format for sequences.
func (tk *task) samplesFile(classes []int, probs []float64) (string, []byte, error) {
	var b bytes.Buffer
	k := tk.data.Positions()
	switch {
	case tk.points != nil:
		b.WriteString("p0,p1,p2\n")
		for i := 0; i+3 <= len(probs); i += 3 {
			b.WriteString(joinFloats(probs[i:i+3]) + "\n")
		}
		return "samples.csv", b.Bytes(), nil
	case tk.motifs != nil || tk.dna != nil:
		if err := seqio.Write(&b, seqio.FASTA, "ACGT", split(classes, k)); err != nil {
			return "", nil, err
		}
		return "samples.fasta", b.Bytes(), nil
	case tk.set != nil:
		seqs := split(classes, k)
		if err := seqio.Write(&b, tk.set.Format, tk.set.Alphabet, seqs); err != nil {
			return "", nil, err
		}
		return "samples." + ext(tk.set.Format), b.Bytes(), nil
	default:
		if err := seqio.Write(&b, seqio.CSV, "", split(classes, k)); err != nil {
			return "", nil, err
		}
		return "samples.csv", b.Bytes(), nil
	}
}

func ext(f seqio.Format) string {
	switch f {
	case seqio.FASTA:
		return "fasta"
	case seqio.Text:
		return "txt"
	}
	return "csv"
}

func split(classes []int, k int) [][]int {
	var out [][]int
	for i := 0; i+k <= len(classes); i += k {
		out = append(out, classes[i:i+k])
	}
	return out
}

func joinFloats(x []float64) string {
	s := make([]string, len(x))
	for i, v := range x {
		s[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

// paperFigure is what the spec quotes for Fisher-Flow on the task.
func (tk *task) paperFigure() string {
	if tk.toy != nil {
		return "the paper's Fisher-Flow curve (Fig. 3, read qualitatively, ~98k training steps): KL about 1e-3 to 1e-2 at every K"
	}
	if tk.points != nil {
		return "the paper shows the smiley as a picture only (no number): compare smiley.png"
	}
	return ""
}

// floor is the KL that a perfect model reaches with n samples: about
// (K-1)/(2n) per position (the bias of the empirical distribution).
func (tk *task) floor(n int) float64 {
	if tk.toy == nil || n == 0 {
		return math.NaN()
	}
	return float64(tk.toy.K-1) / (2 * float64(n))
}
