package fisherflow

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow/nn"
)

// batchBuffers are the float64 geometry and network-precision buffers of
// one batch, planned once.
type batchBuffers[T nn.Float] struct {
	seq            []int
	t              []float64
	x0, x1, xt, u  []float64
	xin, dout, scr []T
	tin            []T
	// Conditioning of conditioned data: the signal (batch x positions x
	// Signal) in float64 as drawn and in T for the network, and the class
	// labels (batch).
	sig64 []float64
	sig   []T
	class []int
	// masked says seq has masked positions (class Masked).
	masked bool
}

func newBatchBuffers[T nn.Float](cfg Config, positions, d int) *batchBuffers[T] {
	batch := cfg.Batch
	n := batch * positions * d
	b := &batchBuffers[T]{
		seq: make([]int, batch*positions), t: make([]float64, batch),
		x0: make([]float64, n), x1: make([]float64, n), xt: make([]float64, n), u: make([]float64, n),
		xin: make([]T, n), dout: make([]T, n), scr: make([]T, n), tin: make([]T, batch),
	}
	if cfg.Signal > 0 {
		b.sig64, b.sig = make([]float64, batch*positions*cfg.Signal), make([]T, batch*positions*cfg.Signal)
	}
	if cfg.Classes > 0 {
		b.class = make([]int, batch)
	}
	return b
}

// Trainer trains a vector field on a Data distribution, with the network
// in precision T (float32 or float64) and the geometry in float64.
type Trainer[T nn.Float] struct {
	Cfg  Config
	Data Data
	// Positions and K are the shape of one data point.
	Positions, K int
	Net          nn.Network[T]
	Params       nn.Params[T]

	rows int // the sequences Net's buffers are planned for (Network.Rows)

	opt     *nn.AdamW[T]
	plateau *nn.Plateau
	ema     *nn.EMA[T]
	src     *rand.PCG // the training stream, saved in checkpoints
	rng     *rand.Rand
	geo     *geometry
	prior   priorDraw
	coupler *coupler
	buf     *batchBuffers[T]
	val     []*batchBuffers[T] // fixed validation batches

	// Step is the number of optimizer steps done; LR the current rate.
	Step int
	LR   float64
	// BestVal is the lowest validation loss seen, and best its weights.
	BestVal float64
	best    [][]T
}

// NewTrainer builds the network and every buffer of a run on data.
func NewTrainer[T nn.Float](cfg Config, data Data) (*Trainer[T], error) {
	if cd, ok := data.(ConditionedData); ok {
		cfg.Signal, cfg.Classes = cd.Signal(), cd.Classes()
	}
	tr, err := newModel[T](cfg, data.Positions(), data.Categories())
	if err != nil {
		return nil, err
	}
	tr.Data = data
	cfg = tr.Cfg
	k, d := tr.Positions, tr.K
	tr.coupler = newCoupler(cfg.OT, cfg.Resample, cfg.Batch, k, d)
	tr.buf = newBatchBuffers[T](cfg, k, d)
	if err := tr.drawValidation(data); err != nil {
		return nil, err
	}
	return tr, nil
}

// drawValidation draws the validation batches from data. The validation
// set is fixed by the seed: the same sequences, prior points, coupling
// and times at every evaluation (coupled like the training batches, so
// the two losses are comparable).
func (tr *Trainer[T]) drawValidation(data Data) error {
	cfg, k, d := tr.Cfg, tr.Positions, tr.K
	train := tr.Data
	tr.Data = data // draw reads tr.Data
	defer func() { tr.Data = train }()
	vr := rand.New(rand.NewPCG(cfg.Seed, 3))
	tr.val = tr.val[:0]
	for i := 0; i < cfg.ValBatches; i++ {
		b := newBatchBuffers[T](cfg, k, d)
		if err := tr.draw(vr, b); err != nil {
			return fmt.Errorf("fisherflow: validation batch %d: %w", i+1, err)
		}
		tr.val = append(tr.val, b)
	}
	return nil
}

// SetValidation draws the validation batches from data (a held-out split)
// instead of the training data. data must have the training data's shape
// and conditioning. Call it before training; the validation set of a
// resumed run is drawn again the same way.
func (tr *Trainer[T]) SetValidation(data Data) error {
	if data.Positions() != tr.Positions || data.Categories() != tr.K || data.Categorical() != tr.Data.Categorical() {
		return fmt.Errorf("fisherflow: validation data of %d positions x %d categories for a model of %d x %d", data.Positions(), data.Categories(), tr.Positions, tr.K)
	}
	var sig, cls int
	if cd, ok := data.(ConditionedData); ok {
		sig, cls = cd.Signal(), cd.Classes()
	}
	if sig != tr.Cfg.Signal || cls != tr.Cfg.Classes {
		return fmt.Errorf("fisherflow: validation data with %d signal channels and %d classes for a model with %d and %d", sig, cls, tr.Cfg.Signal, tr.Cfg.Classes)
	}
	return tr.drawValidation(data)
}

// NewSampler builds a network from a checkpoint for sampling only (its
// TrainStep and Validate must not be called): the weights of the best
// validation loss if best, else the last weights.
func NewSampler[T nn.Float](ck *CheckpointFile, best bool) (*Trainer[T], error) {
	if err := ck.checkWeights(); err != nil {
		return nil, err
	}
	tr, err := newModel[T](ck.Config, ck.Positions, ck.K)
	if err != nil {
		return nil, err
	}
	if err := tr.Restore(ck); err != nil {
		return nil, err
	}
	if best && !math.IsInf(tr.BestVal, 1) {
		tr.UseBest()
	}
	return tr, nil
}

// newModel builds the network, optimizer and geometry of a run on data
// of positions x d.
func newModel[T nn.Float](cfg Config, k, d int) (*Trainer[T], error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, fmt.Errorf("fisherflow: invalid config: %w", err)
	}
	if k < 1 || d < 2 {
		return nil, fmt.Errorf("fisherflow: data of %d positions x %d categories: need at least 1 x 2", k, d)
	}
	spec, err := LookupNetwork(cfg.Net)
	if err != nil {
		return nil, fmt.Errorf("fisherflow: %w", err)
	}
	rows := spec.Rows(cfg)
	net := buildNetwork[T](spec, cfg, k, d, rows, rand.New(rand.NewPCG(cfg.Seed, 1)))
	src := rand.NewPCG(cfg.Seed, 2)
	tr := &Trainer[T]{
		Cfg:       cfg,
		Positions: k,
		K:         d,
		Net:       net,
		rows:      rows,
		src:       src,
		rng:       rand.New(src),
		geo:       newGeometry(rows*k, d),
		LR:        cfg.LR,
		BestVal:   math.Inf(1),
	}
	tr.Params = net.Params()
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

// condition hands b's conditioning to the network, if it takes any.
func (tr *Trainer[T]) condition(sig []T, class []int, batch int) {
	if c, ok := tr.Net.(conditioner[T]); ok {
		c.Condition(sig, class, batch)
	}
}

// draw fills b with a fresh batch: data, prior, coupling, times and the
// interpolant with its target.
func (tr *Trainer[T]) draw(r *rand.Rand, b *batchBuffers[T]) error {
	d, k := tr.K, tr.Positions
	seq := b.seq
	if cd, ok := tr.Data.(ConditionedData); ok {
		cd.DrawConditioned(r, b.seq, b.sig64, b.class)
		b.masked = oneHot(b.x1, b.seq, d)
		for i, v := range b.sig64 {
			b.sig[i] = T(v)
		}
		for i := range b.class {
			if r.Float64() < tr.Cfg.NoClass {
				b.class[i] = tr.Cfg.Classes // "no class", for guidance
			}
		}
	} else if tr.Data.Categorical() {
		tr.Data.Draw(r, b.seq, nil)
		b.masked = oneHot(b.x1, b.seq, d)
	} else {
		tr.Data.Draw(r, nil, b.x1)
		tr.Cfg.Method.fromSimplex(b.x1, d)
		seq = nil
	}
	if b.masked {
		tr.Cfg.Method.fromSimplex(b.x1, d) // the centres of masked positions
	}
	tr.prior.draw(tr.Cfg.Method, r, b.x0, d)
	if err := tr.coupler.couple(r, b.x0, b.x1, seq); err != nil {
		return err
	}
	for i := range b.t {
		b.t[i] = r.Float64()
		b.tin[i] = T(b.t[i])
	}
	tr.geo.interpolate(tr.Cfg.Method, b.xt, b.u, b.x0, b.x1, b.t, k)
	for i, v := range b.xt {
		b.xin[i] = T(v)
	}
	return nil
}

// loss runs the network on b and returns the batch mean of the squared
// error summed over positions and categories (masked positions left out);
// with grad it also sets b.dout to the loss gradient with respect to the
// raw network output.
func (tr *Trainer[T]) loss(b *batchBuffers[T], grad bool) float64 {
	batch, d := tr.Cfg.Batch, tr.K
	tr.condition(b.sig, b.class, batch)
	out := tr.Net.Forward(b.xin, b.tin, batch)
	base := projectBase(tr.Cfg.Method, b.xin, d, b.scr)
	projectAt(tr.Cfg.Method, out, base, d)
	var s float64
	inv := 2 / float64(batch)
	for row := 0; row < len(out)/d; row++ {
		if b.masked && b.seq[row] == Masked {
			clear(b.dout[row*d : (row+1)*d])
			continue
		}
		for i := row * d; i < (row+1)*d; i++ {
			e := float64(out[i]) - b.u[i]
			s += e * e
			b.dout[i] = T(inv * e)
		}
	}
	if grad {
		projectAt(tr.Cfg.Method, b.dout, base, d)
	}
	return s / float64(batch)
}

// ErrNonFinite is returned by TrainStep when the loss or the gradient is
// NaN or infinite; the weights are left as they were before the step.
var ErrNonFinite = errors.New("loss or gradient is not finite")

// TrainStep runs one optimizer step and returns the batch loss.
func (tr *Trainer[T]) TrainStep() (float64, error) {
	if err := tr.draw(tr.rng, tr.buf); err != nil {
		return 0, fmt.Errorf("fisherflow: step %d: %w", tr.Step+1, err)
	}
	tr.Params.ZeroGrad()
	l := tr.loss(tr.buf, true)
	if math.IsNaN(l) || math.IsInf(l, 0) {
		return l, fmt.Errorf("fisherflow: step %d: loss %v: %w", tr.Step+1, l, ErrNonFinite)
	}
	tr.Net.Backward(tr.buf.dout, tr.Cfg.Batch)
	if g := nn.ClipGradNorm(tr.Params, tr.Cfg.ClipNorm); math.IsNaN(g) || math.IsInf(g, 0) {
		return l, fmt.Errorf("fisherflow: step %d: gradient norm %v: %w", tr.Step+1, g, ErrNonFinite)
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

// Validate returns the loss on the fixed validation set (with the EMA
// weights when EMA is on), steps the plateau schedule, and keeps the
// weights if they are the best so far.
func (tr *Trainer[T]) Validate() float64 {
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
func (tr *Trainer[T]) UseBest() {
	for i, p := range tr.Params {
		copy(p.W, tr.best[i])
	}
}
