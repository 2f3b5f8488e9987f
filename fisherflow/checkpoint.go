package fisherflow

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
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
//	                  (F32 or F64), named and shaped as the state_dict of
//	                  the network's PyTorch module in bench/peers
//	                  ("time.weight", "blocks.0.weight" of shape Out x In,
//	                  "convs.0.weight" of shape Out x In x Kernel, ...), and
//	                  its buffers ("fourier.w", F64)
//	best/<name>       the weights (and buffers) of the best validation loss
//	ema/<name>        the EMA weights (and buffers), when EMA is on
//	adamw.m/<name>    AdamW's first and second moments (F64)
//	adamw.v/<name>
//
// and, in the header's __metadata__ (strings): "format" (CheckpointFormat),
// "precision" ("f32" or "f64"), "config" (the Config as JSON), "shape"
// ("positions,K"), "state" (step, learning rate, best validation loss,
// plateau schedule and the training random stream, as JSON) and whatever
// the caller adds. The tensors without a "/" are the module's whole
// state_dict: torch's load_state_dict(..., strict=True) takes them as read
// (bench/peers/handoff.py).
const CheckpointFormat = "fisherflow-checkpoint-2"

// checkpointFormat1 is the format of the checkpoints written before the
// PyTorch names: ReadCheckpoint renames its tensors (legacyName) and
// turns its convolution weights, stored Out x Kernel x In, to PyTorch's
// layout; its networks' buffers are drawn again from the seed, as they
// were then.
const checkpointFormat1 = "fisherflow-checkpoint-1"

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
		shape := p.TorchShape()
		ts = append(ts, tensorOf(p.Name, shape, nn.ToTorch(p, p.W)), tensorOf("best/"+p.Name, shape, nn.ToTorch(p, tr.best[i])))
		if tr.ema != nil {
			ts = append(ts, tensorOf("ema/"+p.Name, shape, nn.ToTorch(p, tr.ema.Avg[i])))
		}
		ts = append(ts,
			safetensors.Tensor{Name: "adamw.m/" + p.Name, Shape: shape, F64: nn.ToTorch(p, tr.opt.M[i])},
			safetensors.Tensor{Name: "adamw.v/" + p.Name, Shape: shape, F64: nn.ToTorch(p, tr.opt.V[i])})
	}
	ts = append(ts, bufferTensors(tr.Net, tr.ema != nil)...)
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
	tensors      map[string]safetensors.Tensor // by name, in PyTorch's layout
	state        trainerState
	legacy       bool // format 1: no buffers
}

// ReadCheckpoint decodes and checks a checkpoint file's bytes, of this
// format or of format 1 (renamed as it is read).
func ReadCheckpoint(b []byte) (*CheckpointFile, error) {
	ts, meta, err := safetensors.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	format := meta["format"]
	if format != CheckpointFormat && format != checkpointFormat1 {
		return nil, fmt.Errorf("not a fisherflow checkpoint (format %q, want %q)", format, CheckpointFormat)
	}
	ck := &CheckpointFile{Precision: meta["precision"], Meta: meta, tensors: map[string]safetensors.Tensor{}, legacy: format == checkpointFormat1}
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
		if ck.legacy {
			t = legacyTensor(t)
		}
		ck.tensors[t.Name] = t
	}
	return ck, nil
}

// legacyNames are the format-1 names of the parameters and their names
// now: BestMLP's blocks, MLP's layers, ConvNet's input convolution, blocks
// and class embedding (the rest kept their names).
var legacyNames = []struct {
	old *regexp.Regexp
	new string
}{
	{regexp.MustCompile(`^block(\d+)\.(weight|bias)$`), "blocks.$1.$2"},
	{regexp.MustCompile(`^layer(\d+)\.`), "layers.$1."},
	{regexp.MustCompile(`^block(\d+)\.dense\.`), "dense.$1."},
	{regexp.MustCompile(`^block(\d+)\.norm\.`), "norms.$1."},
	{regexp.MustCompile(`^block(\d+)\.conv\.`), "convs.$1."},
	{regexp.MustCompile(`^in\.`), "inp."},
	{regexp.MustCompile(`^class\.weight$`), "class_emb.weight"},
}

// legacyTensor is t of a format-1 checkpoint renamed (under its prefix,
// such as "best/") and, if it has three axes (only convolution weights
// have), turned from Out x Kernel x In to PyTorch's Out x In x Kernel.
func legacyTensor(t safetensors.Tensor) safetensors.Tensor {
	prefix, name := "", t.Name
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		prefix, name = name[:i+1], name[i+1:]
	}
	for _, r := range legacyNames {
		if r.old.MatchString(name) {
			name = r.old.ReplaceAllString(name, r.new)
			break
		}
	}
	t.Name = prefix + name
	if len(t.Shape) == 3 {
		if t.F32 != nil {
			w := make([]float32, len(t.F32))
			nn.SwapLastAxes(w, t.F32, t.Shape)
			t.F32 = w
		} else {
			w := make([]float64, len(t.F64))
			nn.SwapLastAxes(w, t.F64, t.Shape)
			t.F64 = w
		}
		t.Shape = []int{t.Shape[0], t.Shape[2], t.Shape[1]}
	}
	return t
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
	for i, p := range tr.Params {
		for _, l := range []struct {
			name string
			dst  any
		}{
			{p.Name, p.W}, {"best/" + p.Name, tr.best[i]},
			{"adamw.m/" + p.Name, tr.opt.M[i]}, {"adamw.v/" + p.Name, tr.opt.V[i]},
		} {
			if err := LoadTensor(ck.tensors, l.name, p, l.dst); err != nil {
				return err
			}
		}
		if tr.ema != nil {
			if err := LoadTensor(ck.tensors, "ema/"+p.Name, p, tr.ema.Avg[i]); err != nil {
				return err
			}
		}
	}
	// A format-1 checkpoint has no buffers: the network drew them from
	// the seed, as the run that wrote it did.
	for _, buf := range buffersOf(tr.Net) {
		if ck.legacy {
			break
		}
		if err := loadBuffer(ck.tensors, buf); err != nil {
			return err
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

// buffersOf returns the buffers of net, if it has any.
func buffersOf(net any) []nn.Buffer {
	if b, ok := net.(nn.Buffered); ok {
		return b.Buffers()
	}
	return nil
}

// bufferTensors returns the buffers of net as F64 tensors, under their
// names and under "best/" and, with ema, "ema/": the buffers are part of
// each set of weights' state_dict.
func bufferTensors(net any, ema bool) []safetensors.Tensor {
	var ts []safetensors.Tensor
	prefixes := []string{"", "best/"}
	if ema {
		prefixes = append(prefixes, "ema/")
	}
	for _, prefix := range prefixes {
		for _, b := range buffersOf(net) {
			ts = append(ts, safetensors.Tensor{Name: prefix + b.Name, Shape: b.Shape, F64: b.W})
		}
	}
	return ts
}

// LoadTensor sets dst (p's layout, T or float64 values) from the tensor
// name of ts, in PyTorch's layout: of p's PyTorch shape, and of dst's
// type, as a checkpoint writes it. The molecule trainer's checkpoints
// load through it too.
func LoadTensor[T nn.Float](ts map[string]safetensors.Tensor, name string, p *nn.Param[T], dst any) error {
	t, ok := ts[name]
	if !ok {
		return fmt.Errorf("checkpoint has no tensor %q", name)
	}
	// The values could fit and their layout still differ (a
	// transposed weight), which only the shape tells.
	if shape := p.TorchShape(); !slices.Equal(t.Shape, shape) {
		return fmt.Errorf("checkpoint tensor %q has shape %v, the network's is %v", name, t.Shape, shape)
	}
	switch dst := dst.(type) {
	case []float32:
		if t.F32 == nil || len(t.F32) != len(dst) {
			return fmt.Errorf("checkpoint tensor %q: %s of %v, want F32 of %d values", name, t.DType(), t.Shape, len(dst))
		}
		nn.FromTorch(p, dst, t.F32)
	case []float64:
		if t.F64 == nil || len(t.F64) != len(dst) {
			return fmt.Errorf("checkpoint tensor %q: %s of %v, want F64 of %d values", name, t.DType(), t.Shape, len(dst))
		}
		nn.FromTorch(p, dst, t.F64)
	}
	return nil
}

// loadBuffer sets b from its tensor in ts (F32 or F64).
func loadBuffer(ts map[string]safetensors.Tensor, b nn.Buffer) error {
	t, ok := ts[b.Name]
	if !ok {
		return fmt.Errorf("checkpoint has no tensor %q", b.Name)
	}
	if !slices.Equal(t.Shape, b.Shape) {
		return fmt.Errorf("checkpoint tensor %q has shape %v, the network's is %v", b.Name, t.Shape, b.Shape)
	}
	if t.F64 != nil {
		copy(b.W, t.F64)
		return nil
	}
	for i, v := range t.F32 {
		b.W[i] = float64(v)
	}
	return nil
}

// LoadStateDict sets the parameters ps and the buffers bufs from b, a
// safetensors file of a PyTorch module's state_dict (written by
// bench/peers/handoff.py; a checkpoint works too, its tensors named with
// a "/" left out). As torch's load_state_dict with strict=True, every
// name of ps and bufs must be there, in its PyTorch shape, and no other
// name; F32 and F64 values are converted to T. Nothing is set unless all
// of them fit.
func LoadStateDict[T nn.Float](b []byte, ps nn.Params[T], bufs []nn.Buffer) error {
	ts, _, err := safetensors.Unmarshal(b)
	if err != nil {
		return err
	}
	byName := map[string]safetensors.Tensor{}
	for _, t := range ts {
		if !strings.Contains(t.Name, "/") {
			byName[t.Name] = t
		}
	}
	var missing, shapes []string
	want := map[string]bool{}
	check := func(name string, shape []int) {
		want[name] = true
		if t, ok := byName[name]; !ok {
			missing = append(missing, name)
		} else if !slices.Equal(t.Shape, shape) {
			shapes = append(shapes, fmt.Sprintf("%s is %v, the network's %v", name, t.Shape, shape))
		}
	}
	for _, p := range ps {
		check(p.Name, p.TorchShape())
	}
	for _, buf := range bufs {
		check(buf.Name, buf.Shape)
	}
	var unexpected []string
	for name := range byName {
		if !want[name] {
			unexpected = append(unexpected, name)
		}
	}
	slices.Sort(unexpected)
	var problems []string
	for _, l := range []struct {
		what  string
		names []string
	}{{"missing", missing}, {"unexpected", unexpected}, {"shape of", shapes}} {
		if len(l.names) > 0 {
			problems = append(problems, l.what+" "+strings.Join(l.names, ", "))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("state_dict does not fit the network: %s", strings.Join(problems, "; "))
	}
	for _, p := range ps {
		t := byName[p.Name]
		if t.F32 != nil {
			nn.FromTorch(p, p.W, convert[T](t.F32))
		} else {
			nn.FromTorch(p, p.W, convert[T](t.F64))
		}
	}
	for _, buf := range bufs {
		if err := loadBuffer(byName, buf); err != nil {
			return err
		}
	}
	return nil
}

// convert returns v as T values (v itself if it is of type []T).
func convert[T, E nn.Float](v []E) []T {
	if w, ok := any(v).([]T); ok {
		return w
	}
	w := make([]T, len(v))
	for i, x := range v {
		w[i] = T(x)
	}
	return w
}

// LoadStateDict sets the network's weights and buffers from b, a
// safetensors file of the PyTorch module's state_dict (see the function
// LoadStateDict): the weights a model trained in PyTorch hands back.
func (tr *Trainer[T]) LoadStateDict(b []byte) error {
	if err := LoadStateDict(b, tr.Params, buffersOf(tr.Net)); err != nil {
		return fmt.Errorf("fisherflow: %w", err)
	}
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
