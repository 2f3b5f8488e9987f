package fisherflow

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow/nn"
)

// Config is a training run of the toy benchmark. The zero value of a field
// selects the default noted beside it (the reference hyper-parameters).
type Config struct {
	K           int        // categories (K in the paper); required
	Positions   int        // sequence length; 4
	Method      Method     // fisherflow
	OT          OTMode     // exact for fisherflow, none for linear
	Resample    Resampling // replacement (as the reference)
	Steps       int        // 3000
	Batch       int        // 512
	LR          float64    // 1e-3
	WeightDecay float64    // 0
	ClipNorm    float64    // 1.0
	Schedule    string     // "plateau" (factor 0.1, patience 10 evaluations), "cosine" or "constant"
	EMA         float64    // 0 (off); e.g. 0.99
	Hidden      int        // 512
	TimeDim     int        // 64
	EvalEvery   int        // 196 steps (one reference "epoch" of 100k samples)
	ValBatches  int        // 10 (5,000 sequences as the reference)
	Seed        uint64     // 12345
}

// withDefaults fills zero fields and validates the result.
func (c Config) withDefaults() (Config, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Positions, 4)
	def(&c.Steps, 3000)
	def(&c.Batch, 512)
	def(&c.Hidden, 512)
	def(&c.TimeDim, 64)
	def(&c.EvalEvery, 196)
	def(&c.ValBatches, 10)
	if c.Method == "" {
		c.Method = FisherFlow
	}
	if c.OT == "" {
		c.OT = ExactOT
		if c.Method == Linear {
			c.OT = NoOT
		}
	}
	if c.Resample == "" {
		c.Resample = Replacement
	}
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.ClipNorm == 0 {
		c.ClipNorm = 1
	}
	if c.Schedule == "" {
		c.Schedule = "plateau"
	}
	if c.Seed == 0 {
		c.Seed = 12345
	}
	var errs []error
	if c.K < 2 {
		errs = append(errs, fmt.Errorf("K = %d: need at least 2 categories", c.K))
	}
	if c.Positions < 1 || c.Steps < 0 || c.Batch < 1 || c.Hidden < 1 || c.TimeDim < 1 || c.EvalEvery < 1 || c.ValBatches < 1 {
		errs = append(errs, fmt.Errorf("positions, batch, hidden, time-dim, eval-every and val-batches must be positive and steps non-negative"))
	}
	if !(c.LR > 0) || c.WeightDecay < 0 || c.ClipNorm < 0 || c.EMA < 0 || c.EMA >= 1 {
		errs = append(errs, fmt.Errorf("lr must be positive, weight decay and clip norm non-negative, EMA in [0, 1)"))
	}
	if _, err := ParseMethod(string(c.Method)); err != nil {
		errs = append(errs, err)
	}
	if _, err := ParseOT(string(c.OT)); err != nil {
		errs = append(errs, err)
	}
	if _, err := ParseResampling(string(c.Resample)); err != nil {
		errs = append(errs, err)
	}
	if c.Method == Linear && c.OT != NoOT {
		errs = append(errs, fmt.Errorf("OT coupling is defined on the sphere: use -ot none with -method linear"))
	}
	switch c.Schedule {
	case "plateau", "cosine", "constant":
	default:
		errs = append(errs, fmt.Errorf("unknown schedule %q (choices: plateau, cosine, constant)", c.Schedule))
	}
	return c, errors.Join(errs...)
}

// batchBuffers are the float64 geometry and float32 network buffers of
// one batch, planned once.
type batchBuffers struct {
	seq            []int
	t              []float64
	x0, x1, xt, u  []float64
	xin, dout, scr []float32
	tin            []float32
}

func newBatchBuffers(batch, positions, d int) *batchBuffers {
	n := batch * positions * d
	return &batchBuffers{
		seq: make([]int, batch*positions), t: make([]float64, batch),
		x0: make([]float64, n), x1: make([]float64, n), xt: make([]float64, n), u: make([]float64, n),
		xin: make([]float32, n), dout: make([]float32, n), scr: make([]float32, n), tin: make([]float32, batch),
	}
}

// Trainer trains a BestMLP vector field on the toy benchmark.
type Trainer struct {
	Cfg    Config
	Toy    *Toy
	Net    *nn.BestMLP[float32]
	Params nn.Params[float32]

	opt     *nn.AdamW[float32]
	plateau *nn.Plateau
	ema     *nn.EMA[float32]
	rng     *rand.Rand
	geo     *geometry
	coupler *coupler
	buf     *batchBuffers
	val     []*batchBuffers // fixed validation batches

	// Step is the number of optimizer steps done; LR the current rate.
	Step int
	LR   float64
	// BestVal is the lowest validation loss seen, and best its weights.
	BestVal float64
	best    [][]float32
}

// NewTrainer builds the data, the network and every buffer of a run.
func NewTrainer(cfg Config) (*Trainer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("fisherflow: invalid config: %w", err)
	}
	d, k := cfg.K, cfg.Positions
	in := k * d
	init := rand.New(rand.NewPCG(cfg.Seed, 1))
	tr := &Trainer{
		Cfg:     cfg,
		Toy:     NewToy(d, k, cfg.Seed),
		Net:     nn.NewBestMLP[float32](in, cfg.Hidden, cfg.TimeDim, max(cfg.Batch, sampleBatch), init),
		rng:     rand.New(rand.NewPCG(cfg.Seed, 2)),
		geo:     newGeometry(max(cfg.Batch, sampleBatch)*k, d),
		coupler: newCoupler(cfg.OT, cfg.Resample, cfg.Batch, k, d),
		buf:     newBatchBuffers(cfg.Batch, k, d),
		LR:      cfg.LR,
		BestVal: math.Inf(1),
	}
	tr.Params = tr.Net.Params()
	tr.opt = nn.NewAdamW(tr.Params, cfg.WeightDecay)
	tr.plateau = nn.NewPlateau(cfg.LR, 0.1, 10)
	if cfg.EMA > 0 {
		tr.ema = nn.NewEMA(tr.Params, cfg.EMA)
	}
	// The validation set is fixed by the seed: the same sequences, prior
	// points, coupling and times at every evaluation (coupled like the
	// training batches, so the two losses are comparable).
	vr := rand.New(rand.NewPCG(cfg.Seed, 3))
	for i := 0; i < cfg.ValBatches; i++ {
		b := newBatchBuffers(cfg.Batch, k, d)
		if err := tr.draw(vr, b); err != nil {
			return nil, err
		}
		tr.val = append(tr.val, b)
	}
	for _, p := range tr.Params {
		tr.best = append(tr.best, append([]float32(nil), p.W...))
	}
	return tr, nil
}

// draw fills b with a fresh batch: data, prior, coupling, times and the
// interpolant with its target.
func (tr *Trainer) draw(r *rand.Rand, b *batchBuffers) error {
	d, k := tr.Cfg.K, tr.Cfg.Positions
	tr.Toy.Sample(r, b.seq)
	oneHot(b.x1, b.seq, d)
	tr.Cfg.Method.prior(r, b.x0, d)
	if err := tr.coupler.couple(r, b.x0, b.x1, b.seq); err != nil {
		return err
	}
	for i := range b.t {
		b.t[i] = r.Float64()
		b.tin[i] = float32(b.t[i])
	}
	tr.geo.interpolate(tr.Cfg.Method, b.xt, b.u, b.x0, b.x1, b.t, k)
	for i, v := range b.xt {
		b.xin[i] = float32(v)
	}
	return nil
}

// loss runs the network on b and returns the batch mean of the squared
// error summed over positions and categories; with grad it also sets
// b.dout to the loss gradient with respect to the raw network output.
func (tr *Trainer) loss(b *batchBuffers, grad bool) float64 {
	batch, d := tr.Cfg.Batch, tr.Cfg.K
	out := tr.Net.Forward(b.xin, b.tin, batch)
	tr.Cfg.Method.projectOutput(out, b.xin, d, b.scr)
	var s float64
	inv := 2 / float64(batch)
	for i, v := range out {
		e := float64(v) - b.u[i]
		s += e * e
		b.dout[i] = float32(inv * e)
	}
	if grad {
		tr.Cfg.Method.projectOutput(b.dout, b.xin, d, b.scr)
	}
	return s / float64(batch)
}

// TrainStep runs one optimizer step and returns the batch loss.
func (tr *Trainer) TrainStep() (float64, error) {
	if err := tr.draw(tr.rng, tr.buf); err != nil {
		return 0, err
	}
	tr.Params.ZeroGrad()
	l := tr.loss(tr.buf, true)
	if math.IsNaN(l) || math.IsInf(l, 0) {
		return l, fmt.Errorf("fisherflow: loss is %v at step %d", l, tr.Step+1)
	}
	tr.Net.Backward(tr.buf.dout, tr.Cfg.Batch)
	nn.ClipGradNorm(tr.Params, tr.Cfg.ClipNorm)
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

// Validate returns the loss on the fixed validation set (with the EMA
// weights when EMA is on), steps the plateau schedule, and keeps the
// weights if they are the best so far.
func (tr *Trainer) Validate() float64 {
	if tr.ema != nil {
		tr.ema.Swap(tr.Params)
		defer tr.ema.Swap(tr.Params)
	}
	var s float64
	for _, b := range tr.val {
		s += tr.loss(b, false)
	}
	v := s / float64(len(tr.val))
	if tr.Cfg.Schedule == "plateau" {
		tr.LR = tr.plateau.Observe(v)
	}
	if v < tr.BestVal {
		tr.BestVal = v
		for i, p := range tr.Params {
			copy(tr.best[i], p.W)
		}
	}
	return v
}

// UseBest loads the weights of the best validation loss.
func (tr *Trainer) UseBest() {
	for i, p := range tr.Params {
		copy(p.W, tr.best[i])
	}
}
