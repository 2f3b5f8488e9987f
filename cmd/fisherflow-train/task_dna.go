package main

import (
	"fmt"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/seqio"
)

func init() {
	registerTask(&taskKind{
		names: []string{"promoter", "enhancer"}, help: "DNA from -data with the reference ConvNets, optional -signal and -labels", rank: 5,
		readsData: true,
		defaults:  dnaDefaults,
		validate:  validateDNA,
		load:      loadDNATask,
	})
}

// dnaDefaults sets, for the settings not given explicitly, the reference
// network of the task (promoter: 256 channels, 20 dilated blocks, signal
// channel; enhancer: 128 channels, 20 layers, LayerNorm), no OT (the
// reference uses none on these tasks, and it cannot pair across
// conditions), a batch of 32 and 1,000 steps with a cosine schedule; the
// reference networks are slow on a few cores, so shrink -channels and
// -blocks for quick runs. The evaluation samples 128 sequences under the
// test split's conditions and scores their k-mer spectra against those
// test sequences.
func dnaDefaults(c *RunConfig, set map[string]bool) {
	t := &c.Train
	applyDefaults(c, set, map[string]func(){
		"val-batches":  func() { t.ValBatches = 4 },
		"net":          func() { t.Net = c.Task },
		"batch":        func() { t.Batch = 32 },
		"ot":           func() { t.OT = fisherflow.NoOT },
		"steps":        func() { t.Steps = 1000 },
		"schedule":     func() { t.Schedule = "cosine" },
		"eval-every":   func() { t.EvalEvery = 100 },
		"eval-samples": func() { c.EvalSamples = 128 },
		"track-eval":   func() { c.TrackEval = 0 },
		"alphabet":     func() { c.Alphabet = "dna" },
	})
}

// validateDNA checks the settings of the promoter and enhancer tasks.
func validateDNA(c RunConfig) error {
	if c.Data == "" {
		return fmt.Errorf("-task %s needs -data FILE.fasta (and optionally -signal FILE.npy, -labels FILE.csv)", c.Task)
	}
	if net, err := fisherflow.LookupNetwork(c.Train.Net); err == nil && !net.Conditioned() {
		return fmt.Errorf("-task %s trains a conditioned network: -net %s, not %q", c.Task, conditionedNets(), c.Train.Net)
	}
	if !(c.Guidance >= 0) {
		return fmt.Errorf("-guidance must be >= 0")
	}
	if c.SplitColumn == "" && (c.Test != "" || c.Val != "") {
		return fmt.Errorf("-test and -val name values of -split-column: give it too (e.g. -split-column chrom)")
	}
	return nil
}

// dnaTask is the promoter or enhancer task: DNA with an optional signal
// and class labels, split into train, validation and test, scored by the
// k-mer spectrum distance of samples generated under the test sequences'
// conditions to those sequences.
type dnaTask struct {
	baseTask
	d          *dnaData
	set        *seqio.Set // the FASTA file read
	train, val fisherflow.Data
	guidance   float64 // of the evaluation samples
}

// loadDNATask reads the data of a promoter or enhancer run.
func loadDNATask(c RunConfig) (task, error) {
	d, set, err := loadDNA(c)
	if err != nil {
		return nil, err
	}
	tk := &dnaTask{d: d, set: set, guidance: c.Guidance}
	if tk.train, err = d.trainData(); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Data, err)
	}
	if len(d.val.seqs) > 0 {
		if tk.val, err = d.data(d.val); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Data, err)
		}
	}
	return tk, nil
}

func (tk *dnaTask) data() fisherflow.Data       { return tk.train }
func (tk *dnaTask) validation() fisherflow.Data { return tk.val }
func (tk *dnaTask) summary() string             { return tk.d.summary }
func (tk *dnaTask) metric() string              { return "k-mer JS" }
func (tk *dnaTask) metricTitle() string         { return "k-mer spectrum distance (k=3..6) to the test split" }

// evaluate samples each sequence under the conditions of a test sequence
// and compares the spectra with those test sequences.
func (tk *dnaTask) evaluate(s sampler, n, steps int, seed uint64) (float64, []int, []float64) {
	sig, class, ref := tk.d.conditions(n)
	classes, err := s.SampleConditioned(n, steps, seed, sig, class, tk.guidance, nil)
	if err != nil {
		panic(err) // the shapes come from the data the model was built for
	}
	return kmerScore(classes, ref, tk.d.length), classes, nil
}

// checkpointMeta records the alphabet and format (which sample writes
// in) and the class names (which sample -class takes).
func (tk *dnaTask) checkpointMeta(meta map[string]string) {
	meta["alphabet"], meta["data_format"] = tk.set.Alphabet, string(tk.set.Format)
	meta["classes"] = tk.d.classesMeta()
}

// results adds the k-mer distance for each k and, with class labels, the
// scoring classifier's view (see dnaData.report); the unguided samples
// share the guided ones' conditions and prior draws.
func (tk *dnaTask) results(s sampler, c RunConfig, out string, _ float64, classes []int, res map[string]any, log *logger) error {
	resample := func(g float64) ([]int, error) {
		sig, class, _ := tk.d.conditions(c.EvalSamples)
		return s.SampleConditioned(c.EvalSamples, c.SampleSteps, c.Train.Seed+1, sig, class, g, nil)
	}
	return tk.d.report(resample, c, out, classes, res, log)
}

func (tk *dnaTask) resultLine(score float64, c RunConfig) string {
	return fmt.Sprintf("k-mer spectrum distance to the test split = %.4g over %d samples generated under test sequences' conditions (mean over k=3..6 of the Jensen-Shannon divergence of k-mer frequencies; 0 = same spectra)", score, c.EvalSamples)
}

// samplesFile is samples.fasta.
func (tk *dnaTask) samplesFile(classes []int, _ []float64) (string, []byte, error) {
	return writeSequences("samples.fasta", seqio.FASTA, seqio.DNA, classes, tk.d.length)
}
