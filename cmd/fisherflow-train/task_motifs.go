package main

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/seqio"
)

func init() {
	registerTask(&taskKind{
		names: []string{"motifs"}, help: "synthetic DNA with a planted motif where a conditioning signal peaks", rank: 4,
		defaults: motifsDefaults,
		validate: func(c RunConfig) error {
			_, err := fisherflow.NewMotifs(c.Len, c.Motif)
			return err
		},
		load: func(c RunConfig) (task, error) {
			m, err := fisherflow.NewMotifs(c.Len, c.Motif)
			if err != nil {
				return nil, err
			}
			return &motifsTask{motifs: m, evalSeed: c.Train.Seed + 11}, nil
		},
	})
}

// motifsDefaults sets, for the settings not given explicitly, a small
// promoter-style ConvNet that learns the synthetic motif task: sequences
// of 64 bases, 32 channels, 4 blocks, batch 64, 800 steps, no OT (the
// coupling would pair noise and data across signals), 4 validation
// batches.
func motifsDefaults(c *RunConfig, set map[string]bool) {
	t := &c.Train
	applyDefaults(c, set, map[string]func(){
		"val-batches":  func() { t.ValBatches = 4 },
		"net":          func() { t.Net = "promoter" },
		"channels":     func() { t.Channels = 32 },
		"blocks":       func() { t.Blocks = 4 },
		"len":          func() { c.Len = 64 },
		"batch":        func() { t.Batch = 64 },
		"ot":           func() { t.OT = fisherflow.NoOT },
		"steps":        func() { t.Steps = 800 },
		"eval-every":   func() { t.EvalEvery = 200 },
		"eval-samples": func() { c.EvalSamples = 512 },
		"track-eval":   func() { c.TrackEval = 64 },
	})
}

// motifsTask is synthetic DNA with a motif planted where a conditioning
// signal peaks, scored by the share of samples with the motif where
// their signal peaks (higher is better).
type motifsTask struct {
	baseTask
	motifs *fisherflow.Motifs
	// evalSeed draws the evaluation signals: the same at every
	// evaluation of a run.
	evalSeed uint64
}

func (tk *motifsTask) data() fisherflow.Data { return fisherflow.MotifData{Motifs: tk.motifs} }
func (tk *motifsTask) metric() string        { return "motif recall" }
func (tk *motifsTask) metricTitle() string {
	return "Motif where the signal peaks, share of generated sequences"
}

// evaluate samples each sequence under its evaluation signal and scores
// it against that signal.
func (tk *motifsTask) evaluate(s sampler, n, steps int, seed uint64) (float64, []int, []float64) {
	seq, sig := make([]int, n*tk.motifs.Length), make([]float64, n*tk.motifs.Length)
	tk.motifs.Draw(rand.New(rand.NewPCG(tk.evalSeed, 0x5197)), seq, sig)
	// The signal's length is right, so SampleConditioned cannot fail.
	classes, _ := s.SampleConditioned(n, steps, seed, sig, nil, 1, nil)
	return tk.motifs.MotifRecall(classes, sig, 1), classes, nil
}

func (tk *motifsTask) resultLine(score float64, c RunConfig) string {
	return fmt.Sprintf("motif recall = %.4g over %d samples: the share generated with the motif (at most 1 wrong base) where their signal peaks (untrained: about %.2g)",
		score, c.EvalSamples, chance(len(tk.motifs.Motif)))
}

// samplesFile is samples.fasta.
func (tk *motifsTask) samplesFile(classes []int, _ []float64) (string, []byte, error) {
	return writeSequences("samples.fasta", seqio.FASTA, seqio.DNA, classes, tk.motifs.Length)
}

// chance is the probability that uniform random bases match a motif of
// length m with at most one wrong base at a given offset.
func chance(m int) float64 {
	q := math.Pow(0.25, float64(m))
	return q + float64(m)*0.75*q/0.25
}
