package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/nn"
	"github.com/fisherflow/fisherflow/fisherflow/seqio"
	"github.com/fisherflow/fisherflow/internal/atomicfile"
)

// dnaSplit is one split of a DNA data set with its conditioning.
type dnaSplit struct {
	seqs   [][]int
	sig    []float64 // len(seqs) x length x channels, nil without a signal
	labels []int     // one per sequence, nil without labels
}

// dnaData is the data of the promoter and enhancer tasks: FASTA
// sequences, an optional per-position signal (.npy), optional class
// labels, split into train, validation and test sets.
type dnaData struct {
	length, channels int
	// shift > 0: training windows move by up to ±shift within the
	// records of trainFull; train, val and test hold the centred windows.
	shift            int
	trainFull        dnaSplit
	classNames       []string // label i is classNames[i]; nil without labels
	train, val, test dnaSplit
	// summary says what was read, for the log.
	summary string
}

// loadDNA reads the data of a promoter or enhancer run.
func loadDNA(c RunConfig) (*dnaData, *seqio.Set, error) {
	set, err := seqio.ReadFile(c.Data, seqio.Options{Format: c.Format, Alphabet: c.Alphabet, Ambiguity: c.IUPAC})
	if err != nil {
		return nil, nil, err
	}
	if set.Alphabet != seqio.DNA {
		return nil, nil, fmt.Errorf("%s: -task %s takes DNA over ACGT, not the alphabet %q (N and other ambiguity codes: -iupac mask or drop)", c.Data, c.Task, set.Alphabet)
	}
	if err := set.Equalize(c.Lengths); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", c.Data, err)
	}
	n, L := len(set.Seqs), len(set.Seqs[0])
	d := &dnaData{length: L}
	var notes []string
	notes = append(notes, fmt.Sprintf("%d sequences of %d bases from %s", n, L, c.Data))
	if set.Masked > 0 {
		notes = append(notes, fmt.Sprintf("%d ambiguous bases masked", set.Masked))
	}
	if set.Dropped > 0 {
		notes = append(notes, fmt.Sprintf("%d records with ambiguous bases dropped", set.Dropped))
	}
	sig, err := d.readSignal(c, set)
	if err != nil {
		return nil, nil, err
	}
	if sig != nil {
		notes = append(notes, fmt.Sprintf("a signal of %d channel(s) from %s", d.channels, c.Signal))
	}
	var table *seqio.Table
	if c.Labels != "" && c.Labels != "header" {
		if table, err = seqio.ReadTable(c.Labels); err != nil {
			return nil, nil, fmt.Errorf("-labels: %w", err)
		}
	}
	var labels []int
	if c.Labels != "" {
		names, err := seqio.Column(set, table, c.LabelColumn)
		if err != nil {
			return nil, nil, fmt.Errorf("-labels: %w", err)
		}
		d.classNames = uniqueSorted(names)
		labels = make([]int, n)
		for i, v := range names {
			labels[i] = sort.SearchStrings(d.classNames, v)
		}
		notes = append(notes, fmt.Sprintf("%d classes (%s)", len(d.classNames), abbreviate(d.classNames)))
	}
	which, err := splitOf(c, set, table)
	if err != nil {
		return nil, nil, err
	}
	per := L * d.channels
	splits := [...]*dnaSplit{splitTrain: &d.train, splitVal: &d.val, splitTest: &d.test}
	for i, w := range which {
		s := splits[w]
		s.seqs = append(s.seqs, set.Seqs[i])
		if sig != nil {
			s.sig = append(s.sig, sig[i*per:(i+1)*per]...)
		}
		if labels != nil {
			s.labels = append(s.labels, labels[i])
		}
	}
	if len(d.train.seqs) == 0 {
		return nil, nil, fmt.Errorf("%s: no sequences left for training after the held-out splits", c.Data)
	}
	if len(d.test.seqs) == 0 {
		d.test = d.train // evaluate against the training data itself
		notes = append(notes, "no test split: evaluated against the training data")
	}
	notes = append(notes, fmt.Sprintf("split %d train / %d validation / %d test", len(d.train.seqs), len(d.val.seqs), len(d.test.seqs)))
	if c.Shift != 0 {
		if c.Shift < 0 || L-2*c.Shift < 1 {
			return nil, nil, fmt.Errorf("-shift %d: records of %d bases leave no window (need 0 < shift < %d)", c.Shift, L, (L+1)/2)
		}
		d.shift, d.length, d.trainFull = c.Shift, L-2*c.Shift, d.train
		for _, s := range []*dnaSplit{&d.train, &d.val, &d.test} {
			if *s, err = d.centre(*s); err != nil {
				return nil, nil, err
			}
		}
		notes = append(notes, fmt.Sprintf("training windows of %d bases moved by up to ±%d, held-out windows centred", d.length, d.shift))
	}
	d.summary = strings.Join(notes, ", ")
	return d, set, nil
}

// readSignal reads -signal, if given: one row of L x channels values per
// sequence of set (its records, in order), which sets d.channels.
func (d *dnaData) readSignal(c RunConfig, set *seqio.Set) ([]float64, error) {
	if c.Signal == "" {
		return nil, nil
	}
	n, L := len(set.Seqs), d.length
	a, err := seqio.ReadNPY(c.Signal)
	if err != nil {
		return nil, fmt.Errorf("-signal: %w", err)
	}
	records := n + set.Dropped
	rows, ch, ok := signalShape(a, L)
	d.channels = ch
	if !ok || rows != records {
		return nil, fmt.Errorf("-signal %s: shape %v; want (%d, %d) or (%d, %d, channels): one row per record of %s, one value per base", c.Signal, a.Shape, records, L, records, L, c.Data)
	}
	per := L * d.channels
	sig := make([]float64, n*per)
	for i, r := range set.Records {
		copy(sig[i*per:(i+1)*per], a.Data[r*per:(r+1)*per])
	}
	return sig, nil
}

// The splits of the DNA tasks.
const splitTrain, splitVal, splitTest = 0, 1, 2

// splitOf assigns every sequence of set to a split: by the values of
// -split-column (-test, -val), else a seeded random hold-out of -holdout
// for testing.
func splitOf(c RunConfig, set *seqio.Set, table *seqio.Table) ([]int, error) {
	n := len(set.Seqs)
	which := make([]int, n)
	if c.SplitColumn == "" {
		perm := rand.New(rand.NewPCG(c.Train.Seed, 0x5e9)).Perm(n)
		nh := int(float64(n) * c.Holdout)
		for _, p := range perm[:nh] {
			which[p] = splitTest
		}
		return which, nil
	}
	keys, err := seqio.Column(set, table, c.SplitColumn)
	if err != nil {
		return nil, fmt.Errorf("-split-column: %w", err)
	}
	testKeys, valKeys := fields(c.Test), fields(c.Val)
	if len(testKeys) == 0 {
		return nil, fmt.Errorf("-split-column %s needs -test (the held-out values, e.g. chr8,chr9)", c.SplitColumn)
	}
	for i, k := range keys {
		switch {
		case slices.Contains(testKeys, k):
			which[i] = splitTest
		case slices.Contains(valKeys, k):
			which[i] = splitVal
		}
	}
	return which, nil
}

// signalShape reads a signal array of shape (rows, length) or (rows,
// length, channels); ok is false for any other shape.
func signalShape(a *seqio.Array, length int) (rows, channels int, ok bool) {
	switch len(a.Shape) {
	case 2:
		channels = 1
	case 3:
		channels = a.Shape[2]
	default:
		return 0, 0, false
	}
	return a.Shape[0], channels, a.Shape[1] == length && channels >= 1
}

// centre returns the centred windows (d.length bases, from d.shift) of
// the records of s.
func (d *dnaData) centre(s dnaSplit) (dnaSplit, error) {
	if len(s.seqs) == 0 {
		return s, nil
	}
	ls, err := d.labelled(s)
	if err != nil {
		return s, err
	}
	c, err := ls.Crop(d.shift, d.length)
	if err != nil {
		return s, err
	}
	return dnaSplit{seqs: c.Seqs, sig: c.Sig, labels: s.labels}, nil
}

// trainData returns the training split as data for a Trainer: with a
// shift, windows of the full records at random offsets.
func (d *dnaData) trainData() (fisherflow.Data, error) {
	if d.shift == 0 {
		return d.data(d.train)
	}
	s := d.trainFull
	ls, err := d.labelled(s)
	if err != nil {
		return nil, err
	}
	return fisherflow.NewShifted(ls, d.shift)
}

// labelled returns split s as a fisherflow data set, with its signal and
// labels.
func (d *dnaData) labelled(s dnaSplit) (*fisherflow.LabelledSequences, error) {
	return fisherflow.NewLabelledSequences(s.seqs, 4, s.sig, d.channels, s.labels, len(d.classNames))
}

// data returns split s as training data for a Trainer.
func (d *dnaData) data(s dnaSplit) (fisherflow.Data, error) {
	ls, err := d.labelled(s)
	if err != nil {
		return nil, err
	}
	if d.channels == 0 && d.classNames == nil {
		return ls.Sequences, nil // unconditioned
	}
	return ls, nil
}

// conditions returns the conditioning of n evaluation samples: those of
// the test sequences in turn, and the test sequences they are compared
// with.
func (d *dnaData) conditions(n int) (sig []float64, class []int, ref []int) {
	per := d.length * d.channels
	for i := range n {
		j := i % len(d.test.seqs)
		ref = append(ref, d.test.seqs[j]...)
		if d.test.sig != nil {
			sig = append(sig, d.test.sig[j*per:(j+1)*per]...)
		}
		if d.test.labels != nil {
			class = append(class, d.test.labels[j])
		}
	}
	return sig, class, ref
}

// kmerJS returns the Jensen-Shannon divergence between the k-mer
// frequencies of the generated and the reference DNA sequences for k =
// 3..6 (index k-3).
func kmerJS(gen, ref []int, length int) [4]float64 {
	var js [4]float64
	for k := 3; k <= 6; k++ {
		js[k-3] = fisherflow.KmerJS(gen, ref, length, 4, k)
	}
	return js
}

// kmerScore is the k-mer spectrum distance of the DNA tasks: the mean of
// kmerJS.
func kmerScore(gen, ref []int, length int) float64 {
	js := kmerJS(gen, ref, length)
	return (js[0] + js[1] + js[2] + js[3]) / 4
}

// classesMeta is the checkpoint's record of the class names.
func (d *dnaData) classesMeta() string {
	b, _ := json.Marshal(d.classNames)
	return string(b)
}

func uniqueSorted(v []string) []string {
	u := slices.Clone(v)
	sort.Strings(u)
	return slices.Compact(u)
}

func fields(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func abbreviate(v []string) string {
	if len(v) <= 6 {
		return strings.Join(v, ", ")
	}
	return strings.Join(v[:5], ", ") + ", ..., " + v[len(v)-1]
}

// classifierName is the scoring classifier's file in a run folder.
const classifierName = "fbd-classifier.safetensors"

// report adds to res what the final samples (classes, n x length) say:
// the k-mer distance for each k, and with class labels the scores of the
// project's classifier (fisherflow.FBDModel): the share of samples it
// assigns to the class they were generated for, at the run's guidance and
// without guidance (the unconditional field), its accuracy on the test
// split, and the FBD of the samples to the test sequences.
func (d *dnaData) report(resample func(guidance float64) ([]int, error), c RunConfig, out string, classes []int, res map[string]any, log *logger) error {
	n := len(classes) / d.length
	_, class, ref := d.conditions(n)
	perK := map[string]float64{}
	for i, v := range kmerJS(classes, ref, d.length) {
		perK[fmt.Sprint(i+3)] = v
	}
	res["kmer_js"] = perK
	if d.classNames == nil {
		return nil
	}
	m, err := d.classifier(c, out, log)
	if err != nil {
		return err
	}
	testAcc, err := m.Accuracy(d.test.seqs, d.test.labels)
	if err != nil {
		return fmt.Errorf("scoring classifier on the test split: %w", err)
	}
	gen := split(classes, d.length)
	acc, err := m.Accuracy(gen, class)
	if err != nil {
		return fmt.Errorf("scoring classifier on the samples: %w", err)
	}
	free, err := resample(0)
	if err != nil {
		return fmt.Errorf("unguided samples: %w", err)
	}
	accFree, err := m.Accuracy(split(free, d.length), class)
	if err != nil {
		return fmt.Errorf("scoring classifier on the unguided samples: %w", err)
	}
	fbd, err := m.FBD(gen, split(ref, d.length))
	if err != nil {
		return fmt.Errorf("FBD of the samples: %w", err)
	}
	res["classifier_test_accuracy"], res["class_accuracy"], res["class_accuracy_unguided"], res["fbd"] = testAcc, acc, accFree, fbd
	log.classes(c.Guidance, acc, accFree, testAcc, fbd, len(d.classNames))
	return nil
}

// classifier loads -fbd-classifier, or the run folder's, or trains one on
// the training split and saves it there.
func (d *dnaData) classifier(c RunConfig, out string, log *logger) (*fisherflow.FBDModel, error) {
	path := c.FBDClassifier
	if path == "" {
		path = filepath.Join(out, classifierName)
		if _, err := os.Stat(path); err != nil {
			log.note(fmt.Sprintf("training the scoring classifier (%d steps of 64 sequences) on the training split", c.FBDSteps))
			cfg := nn.FBDClassifierConfig(d.length, len(d.classNames), 1)
			t0 := time.Now()
			m, loss, err := fisherflow.TrainFBDModel(d.train.seqs, d.train.labels, cfg, fisherflow.FBDTraining{Steps: c.FBDSteps, Seed: c.Train.Seed})
			if err != nil {
				return nil, fmt.Errorf("scoring classifier: %w", err)
			}
			log.note(fmt.Sprintf("scoring classifier trained in %.0f s (final cross-entropy %.3f), saved as %s", time.Since(t0).Seconds(), loss, path))
			b, err := m.MarshalBinary()
			if err != nil {
				return nil, fmt.Errorf("scoring classifier: %w", err)
			}
			if err := atomicfile.WriteFile(path, b); err != nil {
				return nil, fmt.Errorf("scoring classifier: %w", err)
			}
			return m, nil
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-fbd-classifier: %w", err)
	}
	m, err := fisherflow.UnmarshalFBDModel(b)
	if err != nil {
		return nil, fmt.Errorf("-fbd-classifier %s: %w", path, err)
	}
	if cfg := m.Net.Cfg; cfg.Length != d.length || cfg.Classes != len(d.classNames) {
		return nil, fmt.Errorf("-fbd-classifier %s: classifies %d classes of length %d, the data have %d of length %d", path, cfg.Classes, cfg.Length, len(d.classNames), d.length)
	}
	return m, nil
}
