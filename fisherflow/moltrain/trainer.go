// Package moltrain trains the molecule flow of package molflow with an
// E(3)-equivariant graph network (nn.EGNN): net.go adapts the EGNN to
// molflow.Trainable (Net), trainer.go is the training loop (Trainer:
// AdamW, gradient clipping, the learning-rate schedules of package
// fisherflow, optional EMA, validation loss, best weights), and
// checkpoint.go writes and restores the whole state as safetensors, so
// that a resumed run continues bit for bit.
package moltrain

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/mol"
	"github.com/fisherflow/fisherflow/fisherflow/molflow"
	"github.com/fisherflow/fisherflow/fisherflow/nn"
)

// Config is the setting of a molecule training run.
type Config struct {
	Flow molflow.Config `json:"flow"`
	Net  NetConfig      `json:"net"`
	// Batch is the number of molecules a step; Steps the steps of the run.
	Batch int `json:"batch"`
	Steps int `json:"steps"`
	// LR is AdamW's learning rate and Schedule its schedule: "cosine"
	// (to 0 over Steps), "plateau" (x0.1 after 10 validations without
	// improvement) or "constant".
	LR          float64 `json:"lr"`
	Schedule    string  `json:"schedule"`
	WeightDecay float64 `json:"weight_decay"`
	// ClipNorm is the largest global gradient norm; EMA the decay of the
	// weights' moving average used to validate and sample (0 = off).
	ClipNorm float64 `json:"clip_norm"`
	EMA      float64 `json:"ema"`
	// ValBatches is the number of validation batches (fixed molecules,
	// priors and times).
	ValBatches int    `json:"val_batches"`
	Seed       uint64 `json:"seed"`
}

// DefaultConfig is the default budget's setting, but for Steps: among
// others the network predicts the clean molecule (molflow.ParamEndpoint)
// and the categorical parts follow the cosine schedule of exponent 3,
// which measured better than velocity regression on a linear time (see
// REPRODUCTION.md).
func DefaultConfig() Config {
	return Config{
		Flow: molflow.Config{Method: fisherflow.FisherFlow, Weights: molflow.DefaultWeights(), Param: molflow.ParamEndpoint, CatCosine: 3},
		Net:  DefaultNetConfig(), Batch: 32, Steps: 1000, LR: 1e-3, Schedule: "cosine",
		ClipNorm: 1, EMA: 0.999, ValBatches: 4, Seed: 1,
	}
}

func (c Config) check() error {
	switch {
	case c.Batch < 1 || c.Steps < 0 || c.ValBatches < 0:
		return fmt.Errorf("batch %d, steps %d, validation batches %d: need batch >= 1 and the others >= 0", c.Batch, c.Steps, c.ValBatches)
	case !(c.LR > 0) || math.IsInf(c.LR, 0) || c.WeightDecay < 0 || !(c.ClipNorm > 0):
		return fmt.Errorf("lr %v, weight decay %v, clip norm %v: need lr > 0, weight decay >= 0, clip norm > 0", c.LR, c.WeightDecay, c.ClipNorm)
	case c.EMA < 0 || c.EMA >= 1:
		return fmt.Errorf("EMA decay %v: need 0 (off) or a decay in (0, 1)", c.EMA)
	case c.Schedule != "cosine" && c.Schedule != "plateau" && c.Schedule != "constant":
		return fmt.Errorf("schedule %q: want cosine, plateau or constant", c.Schedule)
	}
	return c.Net.check()
}

// ErrNonFinite is returned by TrainStep when the loss or the gradient is
// NaN or infinite; the weights are left as they were before the step.
var ErrNonFinite = errors.New("loss or gradient is not finite")

// Trainer trains a Net on molecules of one vocabulary. Its random stream,
// seeded by Config.Seed, draws the batches, priors and times, so a seed
// gives the same bits. It is not safe for concurrent use.
type Trainer[T nn.Float] struct {
	Cfg    Config        // the setting, the flow's defaults filled in
	Vocab  mol.Vocab     // the classes of the atoms
	Sizes  mol.SizeDist  // the training molecules' sizes, for sampling
	Flow   *molflow.Flow // the flow, planned for Batch molecules
	Net    *Net[T]       // the network
	Params nn.Params[T]  // the network's parameters
	// Step is the number of steps done, LR the current learning rate and
	// BestVal the lowest validation loss so far (+Inf before any).
	Step    int
	LR      float64
	BestVal float64

	opt     *nn.AdamW[T]
	ema     *nn.EMA[T]
	plateau *nn.Plateau
	best    [][]T
	src     *rand.PCG
	rng     *rand.Rand
	train   []*mol.Graph
	val     []*mol.Graph
	batch   []*mol.Graph
}

// NewTrainer returns a Trainer of cfg for the training graphs train and the
// validation graphs val (either encoded by v; val may be empty), sampling
// sizes from sizes. The capacity covers the largest molecule of both and of
// sizes.
func NewTrainer[T nn.Float](cfg Config, v mol.Vocab, sizes mol.SizeDist, train, val []*mol.Graph) (*Trainer[T], error) {
	if len(train) == 0 {
		return nil, fmt.Errorf("moltrain: no training molecules")
	}
	maxAtoms := 2
	for _, g := range append(append([]*mol.Graph(nil), train...), val...) {
		maxAtoms = max(maxAtoms, len(g.Types))
	}
	tr, err := newModel[T](cfg, v, sizes, maxAtoms)
	if err != nil {
		return nil, err
	}
	tr.train, tr.val = train, val
	return tr, nil
}

// newModel builds the flow, network and optimizer of cfg, planned for
// molecules of up to maxAtoms atoms (and the sizes of sizes).
func newModel[T nn.Float](cfg Config, v mol.Vocab, sizes mol.SizeDist, maxAtoms int) (*Trainer[T], error) {
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("moltrain: invalid config: %w", err)
	}
	for _, s := range sizes.Sizes {
		maxAtoms = max(maxAtoms, s)
	}
	c := molflow.Capacity{Molecules: cfg.Batch, MaxAtoms: maxAtoms}
	flow, err := molflow.New(v, cfg.Flow, c)
	if err != nil {
		return nil, fmt.Errorf("moltrain: %w", err)
	}
	cfg.Flow = flow.Config()
	net, err := NewNet[T](flow.Dims(), cfg.Net, c, rand.New(rand.NewPCG(cfg.Seed, 1)))
	if err != nil {
		return nil, err
	}
	src := rand.NewPCG(cfg.Seed, 2)
	tr := &Trainer[T]{
		Cfg: cfg, Vocab: v, Sizes: sizes, Flow: flow, Net: net, Params: net.Params(),
		LR: cfg.LR, BestVal: math.Inf(1), src: src, rng: rand.New(src),
		batch: make([]*mol.Graph, cfg.Batch),
	}
	tr.opt = nn.NewAdamW(tr.Params, cfg.WeightDecay)
	tr.plateau = nn.NewPlateau(cfg.LR, 0.1, 10)
	if cfg.EMA > 0 {
		tr.ema = nn.NewEMA(tr.Params, cfg.EMA)
	}
	for _, p := range tr.Params {
		tr.best = append(tr.best, append([]T(nil), p.W...))
	}
	return tr, nil
}

// losses runs the network on graphs (prior and times from r) and returns
// the losses; with grad it also accumulates the parameter gradients.
func (tr *Trainer[T]) losses(r *rand.Rand, graphs []*mol.Graph, grad bool) (molflow.Losses, error) {
	in, err := tr.Flow.Draw(r, graphs)
	if err != nil {
		return molflow.Losses{}, err
	}
	out := tr.Flow.Output()
	if err := tr.Net.Forward(out, in); err != nil {
		return molflow.Losses{}, err
	}
	l, dout, err := tr.Flow.Loss(out)
	if err != nil || !grad || !finite(l.Total) {
		return l, err
	}
	return l, tr.Net.Backward(dout)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// TrainStep runs one optimizer step on a batch drawn with replacement from
// the training graphs and returns its losses.
func (tr *Trainer[T]) TrainStep() (molflow.Losses, error) {
	for i := range tr.batch {
		tr.batch[i] = tr.train[tr.rng.IntN(len(tr.train))]
	}
	tr.Params.ZeroGrad()
	l, err := tr.losses(tr.rng, tr.batch, true)
	if err != nil {
		return l, fmt.Errorf("moltrain: step %d: %w", tr.Step+1, err)
	}
	if !finite(l.Total) {
		return l, fmt.Errorf("moltrain: step %d: loss %v: %w", tr.Step+1, l.Total, ErrNonFinite)
	}
	if g := nn.ClipGradNorm(tr.Params, tr.Cfg.ClipNorm); !finite(g) {
		return l, fmt.Errorf("moltrain: step %d: gradient norm %v: %w", tr.Step+1, g, ErrNonFinite)
	}
	if tr.Cfg.Schedule == "cosine" {
		tr.LR = nn.Cosine(tr.Cfg.LR, 0, tr.Step, tr.Cfg.Steps)
	}
	tr.opt.Update(tr.Params, tr.LR)
	if tr.ema != nil {
		tr.ema.Update(tr.Params)
	}
	tr.Step++
	return l, nil
}

// Validate returns the mean total loss over the validation batches (the
// first ValBatches x Batch validation graphs, with priors and times from a
// stream of their own, the same at every call), with the EMA weights when
// EMA is on; it steps the plateau schedule and keeps the weights if they
// are the best so far. Without validation graphs it returns NaN.
func (tr *Trainer[T]) Validate() (float64, error) {
	if len(tr.val) == 0 || tr.Cfg.ValBatches == 0 {
		return math.NaN(), nil
	}
	if tr.ema != nil {
		tr.ema.Swap(tr.Params)
		defer tr.ema.Swap(tr.Params)
	}
	r := rand.New(rand.NewPCG(tr.Cfg.Seed, 3))
	var s float64
	n := 0
	for b := 0; b < tr.Cfg.ValBatches && b*tr.Cfg.Batch < len(tr.val); b++ {
		graphs := tr.val[b*tr.Cfg.Batch : min((b+1)*tr.Cfg.Batch, len(tr.val))]
		l, err := tr.losses(r, graphs, false)
		if err != nil {
			return math.NaN(), fmt.Errorf("moltrain: validation: %w", err)
		}
		s += l.Total
		n++
	}
	v := s / float64(n)
	if !finite(v) {
		return v, fmt.Errorf("moltrain: validation loss %v: %w", v, ErrNonFinite)
	}
	if tr.Cfg.Schedule == "plateau" {
		tr.LR = tr.plateau.Observe(v)
	}
	if v < tr.BestVal {
		tr.BestVal = v
		for i, p := range tr.Params {
			copy(tr.best[i], p.W)
		}
	}
	return v, nil
}

// UseBest loads the weights of the best validation loss (the EMA weights
// when EMA is on), or, when there was no validation, the EMA weights.
func (tr *Trainer[T]) UseBest() {
	if math.IsInf(tr.BestVal, 1) {
		if tr.ema != nil {
			for i, p := range tr.Params {
				copy(p.W, tr.ema.Avg[i])
			}
		}
		return
	}
	for i, p := range tr.Params {
		copy(p.W, tr.best[i])
	}
}

// Sample generates n molecules in steps Euler steps with the current
// weights, sizes from the training sizes, priors from seed, named
// prefix-1, prefix-2, ...
func (tr *Trainer[T]) Sample(n, steps int, seed uint64, prefix string) ([]*mol.Molecule, error) {
	if n < 1 || steps < 1 {
		return nil, fmt.Errorf("moltrain: %d samples of %d steps: need both >= 1", n, steps)
	}
	r := rand.New(rand.NewPCG(seed, 4))
	return tr.Flow.SampleMolecules(tr.Net, r, tr.Sizes, n, steps, prefix)
}
