package fisherflow

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/fisherflow/fisherflow/fisherflow/nn"
	"github.com/fisherflow/fisherflow/internal/safetensors"
)

// A checkpoint is one safetensors file holding everything a run needs to
// continue exactly where it stopped:
//
//	<name>            the network weights, in the network's precision
//	                  (F32 or F64), named as nn's parameters: "time.weight",
//	                  "block0.weight" (Out x In, PyTorch's nn.Linear layout),
//	                  "block0.bias", ... or "layer0.weight", ...
//	best/<name>       the weights of the best validation loss
//	ema/<name>        the EMA weights, when EMA is on
//	adamw.m/<name>    AdamW's first and second moments (F64)
//	adamw.v/<name>
//
// and, in the header's __metadata__ (strings): "format" (CheckpointFormat),
// "precision" ("f32" or "f64"), "config" (the Config as JSON), "shape"
// ("positions,K"), "state" (step, learning rate, best validation loss,
// plateau schedule and the training random stream, as JSON) and whatever
// the caller adds.
const CheckpointFormat = "fisherflow-checkpoint-1"

type trainerState struct {
	Step     int         `json:"step"`
	LR       float64     `json:"lr"`
	BestVal  string      `json:"best_val"` // strconv form: +Inf before the first validation
	AdamStep int         `json:"adam_step"`
	Plateau  plateauJSON `json:"plateau"`
	RNG      string      `json:"rng"` // base64 of the PCG state
}

type plateauJSON struct {
	LR      float64 `json:"lr"`
	Best    string  `json:"best"`
	Bad     int     `json:"bad"`
	Started bool    `json:"started"`
}

// Precision names T: "f32" or "f64".
func Precision[T nn.Float]() string {
	var z T
	if _, ok := any(z).(float64); ok {
		return "f64"
	}
	return "f32"
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
		ts = append(ts, tensorOf(p.Name, p.Shape, p.W), tensorOf("best/"+p.Name, p.Shape, tr.best[i]))
		if tr.ema != nil {
			ts = append(ts, tensorOf("ema/"+p.Name, p.Shape, tr.ema.Avg[i]))
		}
		ts = append(ts,
			safetensors.Tensor{Name: "adamw.m/" + p.Name, Shape: p.Shape, F64: tr.opt.M[i]},
			safetensors.Tensor{Name: "adamw.v/" + p.Name, Shape: p.Shape, F64: tr.opt.V[i]})
	}
	rng, err := tr.src.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("checkpoint: random state: %w", err)
	}
	st := trainerState{
		Step: tr.Step, LR: tr.LR, BestVal: strconv.FormatFloat(tr.BestVal, 'g', -1, 64), AdamStep: tr.opt.Step,
		Plateau: plateauJSON{LR: tr.plateau.LR, Best: strconv.FormatFloat(tr.plateau.Best, 'g', -1, 64), Bad: tr.plateau.Bad, Started: tr.plateau.Started},
		RNG:     base64.StdEncoding.EncodeToString(rng),
	}
	stj, _ := json.Marshal(st)
	cfg, _ := json.Marshal(tr.Cfg)
	meta := map[string]string{}
	for k, v := range extra {
		meta[k] = v
	}
	meta["format"] = CheckpointFormat
	meta["precision"] = Precision[T]()
	meta["config"] = string(cfg)
	meta["shape"] = fmt.Sprintf("%d,%d", tr.Positions, tr.K)
	meta["state"] = string(stj)
	return safetensors.Marshal(ts, meta)
}

// CheckpointFile is a decoded checkpoint, before it is loaded into a
// Trainer.
type CheckpointFile struct {
	Config       Config
	Precision    string
	Positions, K int
	Meta         map[string]string
	tensors      map[string]safetensors.Tensor
	state        trainerState
}

// ReadCheckpoint decodes and checks a checkpoint file's bytes.
func ReadCheckpoint(b []byte) (*CheckpointFile, error) {
	ts, meta, err := safetensors.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	if meta["format"] != CheckpointFormat {
		return nil, fmt.Errorf("not a fisherflow checkpoint (format %q, want %q)", meta["format"], CheckpointFormat)
	}
	ck := &CheckpointFile{Precision: meta["precision"], Meta: meta, tensors: map[string]safetensors.Tensor{}}
	if err := json.Unmarshal([]byte(meta["config"]), &ck.Config); err != nil {
		return nil, fmt.Errorf("checkpoint config: %w", err)
	}
	if err := json.Unmarshal([]byte(meta["state"]), &ck.state); err != nil {
		return nil, fmt.Errorf("checkpoint state: %w", err)
	}
	if _, err := fmt.Sscanf(meta["shape"], "%d,%d", &ck.Positions, &ck.K); err != nil {
		return nil, fmt.Errorf("checkpoint shape %q: %w", meta["shape"], err)
	}
	if ck.Precision != "f32" && ck.Precision != "f64" {
		return nil, fmt.Errorf("checkpoint precision %q (want f32 or f64)", ck.Precision)
	}
	for _, t := range ts {
		ck.tensors[t.Name] = t
	}
	return ck, nil
}

// Restore loads a checkpoint into tr, which must have been built with the
// checkpoint's Config, precision and data shape.
func (tr *Trainer[T]) Restore(ck *CheckpointFile) error {
	if ck.Precision != Precision[T]() {
		return fmt.Errorf("checkpoint holds %s weights, the trainer is %s", ck.Precision, Precision[T]())
	}
	if ck.Positions != tr.Positions || ck.K != tr.K {
		return fmt.Errorf("checkpoint is for %d positions x %d categories, the data has %d x %d", ck.Positions, ck.K, tr.Positions, tr.K)
	}
	a, _ := json.Marshal(ck.Config)
	b, _ := json.Marshal(tr.Cfg)
	if string(a) != string(b) {
		return fmt.Errorf("checkpoint config %s differs from the trainer's %s", a, b)
	}
	load := func(name string, shape []int, dst any) error {
		t, ok := ck.tensors[name]
		if !ok {
			return fmt.Errorf("checkpoint has no tensor %q", name)
		}
		// The values could fit and their layout still differ (a
		// transposed weight), which only the shape tells.
		if !slices.Equal(t.Shape, shape) && !(len(t.Shape) == 0 && len(shape) == 0) {
			return fmt.Errorf("checkpoint tensor %q has shape %v, the network's is %v", name, t.Shape, shape)
		}
		switch dst := dst.(type) {
		case []float32:
			if t.F32 == nil || len(t.F32) != len(dst) {
				return fmt.Errorf("checkpoint tensor %q: %s of %v, want F32 of %d values", name, t.DType(), t.Shape, len(dst))
			}
			copy(dst, t.F32)
		case []float64:
			if t.F64 == nil || len(t.F64) != len(dst) {
				return fmt.Errorf("checkpoint tensor %q: %s of %v, want F64 of %d values", name, t.DType(), t.Shape, len(dst))
			}
			copy(dst, t.F64)
		}
		return nil
	}
	for i, p := range tr.Params {
		for _, l := range []struct {
			name string
			dst  any
		}{
			{p.Name, p.W}, {"best/" + p.Name, tr.best[i]},
			{"adamw.m/" + p.Name, tr.opt.M[i]}, {"adamw.v/" + p.Name, tr.opt.V[i]},
		} {
			if err := load(l.name, p.Shape, l.dst); err != nil {
				return err
			}
		}
		if tr.ema != nil {
			if err := load("ema/"+p.Name, p.Shape, tr.ema.Avg[i]); err != nil {
				return err
			}
		}
	}
	st := ck.state
	rng, err := base64.StdEncoding.DecodeString(st.RNG)
	if err != nil {
		return fmt.Errorf("checkpoint random state: %w", err)
	}
	if err := tr.src.UnmarshalBinary(rng); err != nil {
		return fmt.Errorf("checkpoint random state: %w", err)
	}
	bv, err1 := strconv.ParseFloat(st.BestVal, 64)
	pb, err2 := strconv.ParseFloat(st.Plateau.Best, 64)
	if err1 != nil || err2 != nil || st.Step < 0 || st.AdamStep < 0 {
		return fmt.Errorf("checkpoint state is damaged: %+v", st)
	}
	tr.Step, tr.LR, tr.BestVal, tr.opt.Step = st.Step, st.LR, bv, st.AdamStep
	tr.plateau.LR, tr.plateau.Best, tr.plateau.Bad, tr.plateau.Started = st.Plateau.LR, pb, st.Plateau.Bad, st.Plateau.Started
	return nil
}

// checkWeights refuses a checkpoint whose config asks for more weights
// than the file holds, before a network of that size is built: a damaged
// or foreign file must not make its reader allocate without bound.
func (ck *CheckpointFile) checkWeights() error {
	cfg, err := ck.Config.WithDefaults()
	if err != nil {
		return fmt.Errorf("fisherflow: checkpoint config: %w", err)
	}
	spec, err := LookupNetwork(cfg.Net)
	if err != nil {
		return fmt.Errorf("fisherflow: checkpoint config: %w", err)
	}
	if ck.Positions < 1 || ck.K < 2 {
		return fmt.Errorf("fisherflow: checkpoint for data of %d positions x %d categories: need at least 1 x 2", ck.Positions, ck.K)
	}
	var stored int64
	for name, t := range ck.tensors {
		if !strings.Contains(name, "/") {
			stored += int64(len(t.F32) + len(t.F64))
		}
	}
	// Each factor of the parameter count is at most the stored count,
	// so the product below does not overflow where it matters.
	if int64(ck.Positions) > stored || int64(ck.K) > stored {
		return fmt.Errorf("fisherflow: checkpoint of %d weights for data of %d positions x %d categories", stored, ck.Positions, ck.K)
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"hidden", cfg.Hidden}, {"time_dim", cfg.TimeDim}, {"depth", cfg.Depth}, {"channels", cfg.Channels}, {"blocks", cfg.Blocks}, {"signal", cfg.Signal}, {"classes", cfg.Classes}} {
		if int64(f.v) > stored {
			return fmt.Errorf("fisherflow: checkpoint of %d weights for a network of %s %d", stored, f.name, f.v)
		}
	}
	params, _ := spec.Size(cfg, ck.Positions, ck.K, spec.Rows(cfg), 4)
	if params < 0 || params > stored {
		return fmt.Errorf("fisherflow: checkpoint holds %d weights, its config's network has %d", stored, params)
	}
	return nil
}
