package moltrain

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/mol"
	"github.com/fisherflow/fisherflow/fisherflow/nn"
	"github.com/fisherflow/fisherflow/internal/safetensors"
)

// CheckpointFormat names the layout of a molecule checkpoint: one
// safetensors file with the weights (<name>, as nn.EGNN names them: the
// state_dict keys and shapes of EGNN in bench/peers/fisherflow_molecules.py,
// so the tensors without a "/" load into it with strict=True), the
// best weights (best/<name>), the EMA weights when EMA is on (ema/<name>)
// and AdamW's moments (adamw.m/<name>, adamw.v/<name>, F64), and in its
// metadata "format", "precision", "config" (Config), "vocab" (mol.Vocab),
// "sizes" (mol.SizeDist), "max_atoms", "state" (step, learning rate, best
// validation loss, AdamW's step, the plateau schedule and the random
// stream) and whatever the caller adds.
const CheckpointFormat = "fisherflow-molecules-1"

type state struct {
	Step     int     `json:"step"`
	LR       float64 `json:"lr"`
	BestVal  string  `json:"best_val"` // strconv form: +Inf before the first validation
	AdamStep int     `json:"adam_step"`
	PlLR     float64 `json:"plateau_lr"`
	PlBest   string  `json:"plateau_best"`
	PlBad    int     `json:"plateau_bad"`
	PlStart  bool    `json:"plateau_started"`
	RNG      string  `json:"rng"` // base64 of the PCG state
}

func tensorOf[T nn.Float](name string, shape []int, w []T) safetensors.Tensor {
	t := safetensors.Tensor{Name: name, Shape: shape}
	switch w := any(w).(type) {
	case []float32:
		t.F32 = w
	case []float64:
		t.F64 = w
	}
	return t
}

// Checkpoint encodes the trainer's whole state, with extra metadata.
func (tr *Trainer[T]) Checkpoint(extra map[string]string) ([]byte, error) {
	var ts []safetensors.Tensor
	for i, p := range tr.Params {
		shape := p.TorchShape()
		ts = append(ts, tensorOf(p.Name, shape, nn.ToTorch(p, p.W)), tensorOf("best/"+p.Name, shape, nn.ToTorch(p, tr.best[i])))
		if tr.ema != nil {
			ts = append(ts, tensorOf("ema/"+p.Name, shape, nn.ToTorch(p, tr.ema.Avg[i])))
		}
		ts = append(ts,
			safetensors.Tensor{Name: "adamw.m/" + p.Name, Shape: shape, F64: nn.ToTorch(p, tr.opt.M[i])},
			safetensors.Tensor{Name: "adamw.v/" + p.Name, Shape: shape, F64: nn.ToTorch(p, tr.opt.V[i])})
	}
	rng, err := tr.src.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("moltrain: checkpoint: random state: %w", err)
	}
	st := state{
		Step: tr.Step, LR: tr.LR, BestVal: strconv.FormatFloat(tr.BestVal, 'g', -1, 64), AdamStep: tr.opt.Step,
		PlLR: tr.plateau.LR, PlBest: strconv.FormatFloat(tr.plateau.Best, 'g', -1, 64), PlBad: tr.plateau.Bad, PlStart: tr.plateau.Started,
		RNG: base64.StdEncoding.EncodeToString(rng),
	}
	meta := map[string]string{}
	for k, v := range extra {
		meta[k] = v
	}
	for k, v := range map[string]any{"config": tr.Cfg, "vocab": tr.Vocab, "sizes": tr.Sizes, "state": st} {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("moltrain: checkpoint: %s: %w", k, err)
		}
		meta[k] = string(b)
	}
	meta["format"] = CheckpointFormat
	meta["precision"] = fisherflow.Precision[T]()
	meta["max_atoms"] = strconv.Itoa(tr.Flow.Layout().Capacity().MaxAtoms)
	return safetensors.Marshal(ts, meta)
}

// CheckpointFile is a decoded molecule checkpoint, before it is loaded.
type CheckpointFile struct {
	Config    Config            // the run's setting
	Precision string            // "f32" or "f64"
	Vocab     mol.Vocab         // the classes of the atoms
	Sizes     mol.SizeDist      // the training sizes the sampler draws from
	MaxAtoms  int               // the largest molecule the model was planned for
	Meta      map[string]string // all of the metadata
	tensors   map[string]safetensors.Tensor
	state     state
}

// Step is the number of training steps the checkpoint holds.
func (ck *CheckpointFile) Step() int { return ck.state.Step }

// ReadCheckpoint decodes and checks a molecule checkpoint's bytes.
func ReadCheckpoint(b []byte) (*CheckpointFile, error) {
	ts, meta, err := safetensors.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("moltrain: %w", err)
	}
	if meta["format"] != CheckpointFormat {
		return nil, fmt.Errorf("moltrain: not a molecule checkpoint (format %q, want %q)", meta["format"], CheckpointFormat)
	}
	ck := &CheckpointFile{Precision: meta["precision"], Meta: meta, tensors: map[string]safetensors.Tensor{}}
	for k, dst := range map[string]any{"config": &ck.Config, "vocab": &ck.Vocab, "sizes": &ck.Sizes, "state": &ck.state} {
		if err := json.Unmarshal([]byte(meta[k]), dst); err != nil {
			return nil, fmt.Errorf("moltrain: checkpoint %s: %w", k, err)
		}
	}
	if ck.MaxAtoms, err = strconv.Atoi(meta["max_atoms"]); err != nil || ck.MaxAtoms < 2 {
		return nil, fmt.Errorf("moltrain: checkpoint max_atoms %q: want an integer >= 2", meta["max_atoms"])
	}
	if ck.Precision != "f32" && ck.Precision != "f64" {
		return nil, fmt.Errorf("moltrain: checkpoint precision %q (want f32 or f64)", ck.Precision)
	}
	for _, t := range ts {
		ck.tensors[t.Name] = t
	}
	return ck, nil
}

// NewSampler builds a Trainer from a checkpoint for sampling (no training
// data): with best, the weights of the best validation loss, else the last
// weights (the EMA weights when EMA is on).
func NewSampler[T nn.Float](ck *CheckpointFile, best bool) (*Trainer[T], error) {
	tr, err := newModel[T](ck.Config, ck.Vocab, ck.Sizes, ck.MaxAtoms)
	if err != nil {
		return nil, err
	}
	if err := tr.Restore(ck); err != nil {
		return nil, err
	}
	if best {
		tr.UseBest()
	} else if tr.ema != nil {
		for i, p := range tr.Params {
			copy(p.W, tr.ema.Avg[i])
		}
	}
	return tr, nil
}

// LoadStateDict sets the network's weights from b, a safetensors file of
// the PyTorch EGNN's state_dict (fisherflow.LoadStateDict: strict names
// and PyTorch's shapes): the weights a model trained in PyTorch hands
// back.
func (tr *Trainer[T]) LoadStateDict(b []byte) error {
	if err := fisherflow.LoadStateDict(b, tr.Params, nil); err != nil {
		return fmt.Errorf("moltrain: %w", err)
	}
	return nil
}

// Restore loads a checkpoint into tr, which must have been built with the
// checkpoint's Config (Steps aside), vocabulary and precision.
func (tr *Trainer[T]) Restore(ck *CheckpointFile) error {
	if ck.Precision != fisherflow.Precision[T]() {
		return fmt.Errorf("moltrain: checkpoint holds %s weights, the trainer is %s", ck.Precision, fisherflow.Precision[T]())
	}
	want := ck.Config
	want.Steps = tr.Cfg.Steps // the one setting a resume may change
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(tr.Cfg)
	if string(a) != string(b) {
		return fmt.Errorf("moltrain: checkpoint config %s differs from the trainer's %s", a, b)
	}
	va, _ := json.Marshal(ck.Vocab)
	vb, _ := json.Marshal(tr.Vocab)
	if string(va) != string(vb) {
		return fmt.Errorf("moltrain: checkpoint vocabulary %s differs from the data's %s", va, vb)
	}
	for i, p := range tr.Params {
		dsts := []struct {
			name string
			dst  any
		}{{p.Name, p.W}, {"best/" + p.Name, tr.best[i]}, {"adamw.m/" + p.Name, tr.opt.M[i]}, {"adamw.v/" + p.Name, tr.opt.V[i]}}
		if tr.ema != nil {
			dsts = append(dsts, struct {
				name string
				dst  any
			}{"ema/" + p.Name, tr.ema.Avg[i]})
		}
		for _, l := range dsts {
			if err := fisherflow.LoadTensor(ck.tensors, l.name, p, l.dst); err != nil {
				return fmt.Errorf("moltrain: %w", err)
			}
		}
	}
	st := ck.state
	rng, err := base64.StdEncoding.DecodeString(st.RNG)
	if err == nil {
		err = tr.src.UnmarshalBinary(rng)
	}
	if err != nil {
		return fmt.Errorf("moltrain: checkpoint random state: %w", err)
	}
	bv, err1 := strconv.ParseFloat(st.BestVal, 64)
	pb, err2 := strconv.ParseFloat(st.PlBest, 64)
	if err1 != nil || err2 != nil || st.Step < 0 || st.AdamStep < 0 {
		return fmt.Errorf("moltrain: checkpoint state is damaged: %+v", st)
	}
	tr.Step, tr.LR, tr.BestVal, tr.opt.Step = st.Step, st.LR, bv, st.AdamStep
	tr.plateau.LR, tr.plateau.Best, tr.plateau.Bad, tr.plateau.Started = st.PlLR, pb, st.PlBad, st.PlStart
	return nil
}
