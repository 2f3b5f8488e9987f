package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/seqio"
)

func init() {
	registerTask(&taskKind{
		names: []string{"sequences"}, help: "-data", rank: 3,
		validate: func(c RunConfig) error {
			if c.Data == "" {
				return fmt.Errorf("-task sequences needs -data FILE")
			}
			return nil
		},
		load: loadSequences,
	})
}

// sequencesTask is the user's sequences (-data: FASTA, text or CSV),
// scored by the per-position Jensen-Shannon divergence of the samples to
// the held-out sequences.
type sequencesTask struct {
	baseTask
	train *fisherflow.Sequences
	set   *seqio.Set // the file read
	held  [][]int    // the held-out split
}

// loadSequences reads -data and holds out -holdout of it, shuffled by
// the seed.
func loadSequences(c RunConfig) (task, error) {
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
	return &sequencesTask{train: data, set: set, held: held}, nil
}

func (tk *sequencesTask) data() fisherflow.Data { return tk.train }
func (tk *sequencesTask) metric() string        { return "JS" }
func (tk *sequencesTask) metricTitle() string {
	return "Jensen-Shannon divergence of per-position marginals to held-out data"
}

func (tk *sequencesTask) evaluate(s sampler, n, steps int, seed uint64) (float64, []int, []float64) {
	classes := s.Sample(n, steps, seed, nil)
	var held []int
	for _, q := range tk.held {
		held = append(held, q...)
	}
	return fisherflow.JSMarginals(classes, held, tk.train.Positions(), tk.train.Categories()), classes, nil
}

// checkpointMeta records the data's alphabet and format, which sample
// writes its sequences in.
func (tk *sequencesTask) checkpointMeta(meta map[string]string) {
	meta["alphabet"], meta["data_format"] = tk.set.Alphabet, string(tk.set.Format)
}

func (tk *sequencesTask) resultLine(score float64, c RunConfig) string {
	return fmt.Sprintf("per-position Jensen-Shannon divergence to the held-out sequences = %.4g over %d samples (0 = same marginals, log 2 = disjoint)", score, c.EvalSamples)
}

// samplesFile is the samples in the input's format.
func (tk *sequencesTask) samplesFile(classes []int, _ []float64) (string, []byte, error) {
	return writeSequences("samples."+ext(tk.set.Format), tk.set.Format, tk.set.Alphabet, classes, tk.train.Positions())
}
