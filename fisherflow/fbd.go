package fisherflow

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/fisherflow/fisherflow/fisherflow/nn"
	"github.com/fisherflow/fisherflow/internal/safetensors"
)

// FBDModel is a sequence classifier trained on labelled clean data,
// whose embeddings define the Fréchet Biological Distance (FBD) of the
// enhancer benchmarks: the Fréchet distance between Gaussians fitted to
// the embeddings of generated and of held-out sequences. FBD here is
// computed over whole sets (FrechetDistance), as DFM does; Fisher-Flow's
// code averages it over batches of 512, which adds a small-sample bias,
// so figures of the two protocols are not comparable.
type FBDModel struct {
	Net   *nn.Classifier[float32]
	batch int
	x     []float32
}

// FBDTraining sets how TrainFBDModel trains.
type FBDTraining struct {
	Steps, Batch int     // AdamW steps and sequences per step (default 2000, 64)
	LR           float64 // learning rate (default 1e-3)
	Seed         uint64  // initialisation and batch order
}

// TrainFBDModel trains a classifier of configuration cfg on seqs (each
// Length class indices below cfg.Categories) with labels (below
// cfg.Classes) by AdamW on the cross-entropy, with gradient-norm clipping
// at 1, and returns it with the mean training loss of the last tenth of
// the steps.
func TrainFBDModel(seqs [][]int, labels []int, cfg nn.ClassifierConfig, o FBDTraining) (*FBDModel, float64, error) {
	if o.Steps <= 0 {
		o.Steps = 2000
	}
	if o.Batch <= 0 {
		o.Batch = 64
	}
	if o.LR <= 0 {
		o.LR = 1e-3
	}
	if len(seqs) == 0 || len(seqs) != len(labels) {
		return nil, 0, fmt.Errorf("fisherflow.TrainFBDModel: %d sequences and %d labels", len(seqs), len(labels))
	}
	for i, y := range labels {
		if y < 0 || y >= cfg.Classes {
			return nil, 0, fmt.Errorf("fisherflow.TrainFBDModel: label %d of sequence %d outside 0..%d", y, i, cfg.Classes-1)
		}
	}
	r := rand.New(rand.NewPCG(o.Seed, 0xfbd))
	m := &FBDModel{Net: nn.NewClassifier[float32](cfg, o.Batch, r), batch: o.Batch, x: make([]float32, o.Batch*cfg.Length*cfg.Categories)}
	if err := m.check(seqs); err != nil {
		return nil, 0, err
	}
	ps := m.Net.Params()
	opt := nn.NewAdamW(ps, 0)
	dl := make([]float32, o.Batch*cfg.Classes)
	batch := make([][]int, o.Batch)
	y := make([]int, o.Batch)
	var tail float64
	tailFrom := o.Steps - max(1, o.Steps/10)
	for step := 0; step < o.Steps; step++ {
		for b := range batch {
			i := r.IntN(len(seqs))
			batch[b], y[b] = seqs[i], labels[i]
		}
		logits := m.Net.Forward(m.oneHot(batch), o.Batch)
		loss := nn.CrossEntropy(dl, logits, y, cfg.Classes)
		ps.ZeroGrad()
		m.Net.Backward(dl, o.Batch)
		nn.ClipGradNorm(ps, 1)
		opt.Update(ps, o.LR)
		if step >= tailFrom {
			tail += loss / float64(o.Steps-tailFrom)
		}
	}
	return m, tail, nil
}

// check reports sequences that do not fit the classifier.
func (m *FBDModel) check(seqs [][]int) error {
	cfg := m.Net.Cfg
	for i, s := range seqs {
		if len(s) != cfg.Length {
			return fmt.Errorf("fisherflow.FBDModel: sequence %d has length %d, want %d", i, len(s), cfg.Length)
		}
		for p, c := range s {
			if (c < 0 || c >= cfg.Categories) && c != Masked {
				return fmt.Errorf("fisherflow.FBDModel: sequence %d, position %d: class %d outside 0..%d", i, p, c, cfg.Categories-1)
			}
		}
	}
	return nil
}

// FBDModelFormat names the layout of MarshalBinary's files.
const FBDModelFormat = "fisherflow-fbd-classifier-1"

// MarshalBinary encodes the classifier as safetensors: the weights
// (float32, named as nn's parameters) and, in the metadata, "format"
// (FBDModelFormat), "config" (the ClassifierConfig as JSON) and "batch".
func (m *FBDModel) MarshalBinary() ([]byte, error) {
	cfg, err := json.Marshal(m.Net.Cfg)
	if err != nil {
		return nil, fmt.Errorf("fisherflow: FBD classifier config: %w", err)
	}
	var ts []safetensors.Tensor
	for _, p := range m.Net.Params() {
		ts = append(ts, safetensors.Tensor{Name: p.Name, Shape: p.Shape, F32: p.W})
	}
	return safetensors.Marshal(ts, map[string]string{"format": FBDModelFormat, "config": string(cfg), "batch": strconv.Itoa(m.batch)})
}

// UnmarshalFBDModel decodes a classifier written by MarshalBinary.
func UnmarshalFBDModel(b []byte) (*FBDModel, error) {
	ts, meta, err := safetensors.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("fisherflow: FBD classifier: %w", err)
	}
	if meta["format"] != FBDModelFormat {
		return nil, fmt.Errorf("fisherflow: FBD classifier: format %q, want %q", meta["format"], FBDModelFormat)
	}
	var cfg nn.ClassifierConfig
	if err := json.Unmarshal([]byte(meta["config"]), &cfg); err != nil {
		return nil, fmt.Errorf("fisherflow: FBD classifier: config: %w", err)
	}
	batch, err := strconv.Atoi(meta["batch"])
	if err != nil || batch < 1 || cfg.Length < 1 || cfg.Channels < 1 || cfg.Classes < 2 || cfg.Categories < 1 || len(cfg.Dilations) == 0 {
		return nil, fmt.Errorf("fisherflow: FBD classifier: invalid config %s, batch %q", meta["config"], meta["batch"])
	}
	m := &FBDModel{Net: nn.NewClassifier[float32](cfg, batch, rand.New(rand.NewPCG(0, 0))), batch: batch, x: make([]float32, batch*cfg.Length*cfg.Categories)}
	byName := map[string]safetensors.Tensor{}
	for _, t := range ts {
		byName[t.Name] = t
	}
	for _, p := range m.Net.Params() {
		t, ok := byName[p.Name]
		if !ok || len(t.F32) != len(p.W) {
			return nil, fmt.Errorf("fisherflow: FBD classifier: tensor %q missing or of the wrong size", p.Name)
		}
		copy(p.W, t.F32)
	}
	return m, nil
}

// oneHot writes seqs (at most the batch) one-hot into m.x.
func (m *FBDModel) oneHot(seqs [][]int) []float32 {
	K, L := m.Net.Cfg.Categories, m.Net.Cfg.Length
	x := m.x[:len(seqs)*L*K]
	for b, s := range seqs {
		oneHot(x[b*L*K:(b+1)*L*K], s, K)
	}
	return x
}

// run calls f with the logits and embeddings of seqs, a batch at a time.
func (m *FBDModel) run(seqs [][]int, f func(start int, logits, emb []float32)) error {
	if err := m.check(seqs); err != nil {
		return err
	}
	for start := 0; start < len(seqs); start += m.batch {
		part := seqs[start:min(start+m.batch, len(seqs))]
		logits := m.Net.Forward(m.oneHot(part), len(part))
		f(start, logits, m.Net.Embedding(len(part)))
	}
	return nil
}

// Embed returns the embeddings of seqs (len(seqs) x Channels).
func (m *FBDModel) Embed(seqs [][]int) ([]float64, error) {
	C := m.Net.Cfg.Channels
	out := make([]float64, len(seqs)*C)
	err := m.run(seqs, func(start int, _, emb []float32) {
		for i, v := range emb {
			out[start*C+i] = float64(v)
		}
	})
	return out, err
}

// Accuracy returns the fraction of seqs whose most likely class is their
// label.
func (m *FBDModel) Accuracy(seqs [][]int, labels []int) (float64, error) {
	if len(seqs) != len(labels) || len(seqs) == 0 {
		return 0, fmt.Errorf("fisherflow.FBDModel.Accuracy: %d sequences and %d labels", len(seqs), len(labels))
	}
	k, right := m.Net.Cfg.Classes, 0
	err := m.run(seqs, func(start int, logits, _ []float32) {
		for b := 0; b < len(logits)/k; b++ {
			row := logits[b*k : (b+1)*k]
			best := 0
			for j, v := range row {
				if v > row[best] {
					best = j
				}
			}
			if best == labels[start+b] {
				right++
			}
		}
	})
	return float64(right) / float64(len(seqs)), err
}

// FBD returns the Fréchet distance between the embeddings of generated
// and reference sequences (whole sets; each needs at least two).
func (m *FBDModel) FBD(generated, reference [][]int) (float64, error) {
	eg, err := m.Embed(generated)
	if err != nil {
		return 0, fmt.Errorf("fisherflow.FBD: generated: %w", err)
	}
	er, err := m.Embed(reference)
	if err != nil {
		return 0, fmt.Errorf("fisherflow.FBD: reference: %w", err)
	}
	return FrechetDistance(eg, er, m.Net.Cfg.Channels)
}
