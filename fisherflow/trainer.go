package fisherflow

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow/nn"
)

// Config is a training run. The zero value of a field selects the default
// noted beside it (the reference hyper-parameters of the toy benchmark).
type Config struct {
	Method      Method     `json:"method"`             // fisherflow
	OT          OTMode     `json:"ot"`                 // exact for fisherflow, none for linear
	Resample    Resampling `json:"resample"`           // replacement (as the reference)
	Steps       int        `json:"steps"`              // 3000
	Batch       int        `json:"batch"`              // 512
	LR          float64    `json:"lr"`                 // 1e-3
	WeightDecay float64    `json:"weight_decay"`       // 0
	ClipNorm    float64    `json:"clip_norm"`          // 1.0
	Schedule    string     `json:"schedule"`           // "plateau" (factor 0.1, patience 10 evaluations), "cosine" or "constant"
	EMA         float64    `json:"ema"`                // 0 (off); e.g. 0.99
	Net         string     `json:"net"`                // "bestmlp" (the toy network), "mlp" (the smiley network), "promoter" or "enhancer" (nn.ConvNet)
	Hidden      int        `json:"hidden"`             // 512
	Depth       int        `json:"depth"`              // 4 (Linear layers of "mlp")
	TimeDim     int        `json:"time_dim"`           // 64 (time embedding of "bestmlp")
	Channels    int        `json:"channels,omitempty"` // ConvNet channels (0: the reference, 256 promoter, 128 enhancer)
	Blocks      int        `json:"blocks,omitempty"`   // ConvNet residual blocks (0: the reference, 20)
	Signal      int        `json:"signal,omitempty"`   // conditioning channels per position (from the data)
	Classes     int        `json:"classes,omitempty"`  // class labels (from the data)
	NoClass     float64    `json:"no_class,omitempty"` // share of training labels replaced by "no class", for classifier-free guidance (0.1 when Classes > 0)
	EvalEvery   int        `json:"eval_every"`         // 196 steps (one reference "epoch" of 100k samples)
	ValBatches  int        `json:"val_batches"`        // 10 (5,000 sequences as the reference)
	Seed        uint64     `json:"seed"`               // 12345
}

// WithDefaults fills zero fields and validates the result.
func (c Config) WithDefaults() (Config, error) {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Steps, 3000)
	def(&c.Batch, 512)
	def(&c.Hidden, 512)
	def(&c.Depth, 4)
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
	if c.Net == "" {
		c.Net = "bestmlp"
	}
	if c.Seed == 0 {
		c.Seed = 12345
	}
	if c.Classes > 0 && c.NoClass == 0 {
		c.NoClass = 0.1
	}
	var errs []error
	if c.Steps < 0 || c.Batch < 1 || c.Hidden < 1 || c.TimeDim < 1 || c.EvalEvery < 1 || c.ValBatches < 1 || c.Depth < 2 {
		errs = append(errs, fmt.Errorf("batch, hidden, time-dim, eval-every and val-batches must be positive, depth at least 2, steps non-negative"))
	}
	if !(c.LR > 0) || !(c.WeightDecay >= 0) || !(c.ClipNorm >= 0) || !(c.EMA >= 0) || c.EMA >= 1 {
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
	switch c.Net {
	case "bestmlp", "mlp":
		if c.Signal > 0 || c.Classes > 0 {
			errs = append(errs, fmt.Errorf("network %q takes no conditioning: use promoter or enhancer for data with a signal or classes", c.Net))
		}
	case "promoter", "enhancer":
	default:
		errs = append(errs, fmt.Errorf("unknown network %q (choices: bestmlp, mlp, promoter, enhancer)", c.Net))
	}
	if c.Channels < 0 || c.Blocks < 0 || c.Signal < 0 || c.Classes < 0 || !(c.NoClass >= 0 && c.NoClass < 1) {
		errs = append(errs, fmt.Errorf("channels, blocks, signal and classes must not be negative, no-class share in [0, 1)"))
	}
	if (c.Signal > 0 || c.Classes > 0) && c.OT != NoOT {
		errs = append(errs, fmt.Errorf("OT coupling would pair noise with data across conditions: use -ot none with conditioned data"))
	}
	return c, errors.Join(errs...)
}

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
			return err
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
	in := k * d
	init := rand.New(rand.NewPCG(cfg.Seed, 1))
	maxBatch := sampleRows(cfg)
	var net nn.Network[T]
	switch cfg.Net {
	case "bestmlp":
		net = nn.NewBestMLP[T](in, cfg.Hidden, cfg.TimeDim, maxBatch, init)
	case "mlp":
		net = nn.NewMLP[T](in, cfg.Hidden, cfg.Depth, maxBatch, init)
	case "promoter", "enhancer":
		net = nn.NewConvNet[T](convNetConfig(cfg, k, d), maxBatch, init)
	}
	src := rand.NewPCG(cfg.Seed, 2)
	tr := &Trainer[T]{
		Cfg:       cfg,
		Positions: k,
		K:         d,
		Net:       net,
		src:       src,
		rng:       rand.New(src),
		geo:       newGeometry(maxBatch*k, d),
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

// convNetConfig is the ConvNet of cfg for sequences of k positions of d
// categories: the reference promoter or enhancer network, with the
// channels and blocks of cfg where set.
func convNetConfig(cfg Config, k, d int) nn.ConvNetConfig {
	c := nn.PromoterConfig(k)
	if cfg.Net == "enhancer" {
		c = nn.EnhancerConfig(k, cfg.Classes)
	}
	c.Categories, c.Signal, c.Classes = d, cfg.Signal, cfg.Classes
	if cfg.Channels > 0 {
		c.Channels = cfg.Channels
	}
	if cfg.Blocks > 0 {
		c.Blocks = cfg.Blocks
	}
	return c
}

// conditioner is a network that takes a per-position signal and class
// labels (nn.ConvNet).
type conditioner[T nn.Float] interface {
	Condition(signal []T, class []int, batch int)
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

// EstimateBytes returns about how much memory a run of cfg on data of
// positions x k takes with the network in precision ("f32" or "f64"), so
// that a caller can refuse up front what cannot fit.
func EstimateBytes(cfg Config, positions, k int, precision string) (int64, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return 0, err
	}
	sz := int64(4)
	if precision == "f64" {
		sz = 8
	}
	n, h := int64(positions)*int64(k), int64(cfg.Hidden)
	b, mb := int64(cfg.Batch), int64(sampleRows(cfg))
	batches := (int64(cfg.ValBatches) + 1) * b * (n*(4*8+3*sz) + int64(positions*cfg.Signal)*(8+sz))
	geo := mb*int64(positions)*16 + mb*n*8
	sampling := mb * n * (16 + 2*sz)
	var ot int64
	if cfg.OT != NoOT {
		ot = 4*b*b*8 + 3*b*n*8
	}
	var params, acts int64
	switch cfg.Net {
	case "bestmlp":
		t := int64(cfg.TimeDim)
		params = (n+t)*h + 2*(h+t)*h + (h+t)*n + 3*h + n + 2*t
		acts = mb * (t + 3*(n+t) + 9*h + 3*n) * sz
	case "mlp":
		params = (n+1)*h + int64(cfg.Depth-2)*h*h + h*n + int64(cfg.Depth)*h + n
		acts = mb * (int64(cfg.Depth)*2*h + 4*n) * sz
	case "promoter", "enhancer":
		cc := convNetConfig(cfg, positions, k)
		c, l, kw, nb := int64(cc.Channels), int64(positions), int64(cc.Kernel), int64(cc.Blocks)
		params = nb*(c*c*kw+c*c+5*c) + int64(k+cc.Signal)*c*kw + 3*c*c + c*int64(k) + int64(cc.Classes+1)*c
		// Two activations per block, a dozen more per position, and the
		// packing buffers of the convolutions' products (kernels.Conv1d:
		// a block of A of up to 2^20 values, a block of B per thread, the
		// weights rearranged for the input gradient).
		acts = (mb*l*c*(2*nb+14) + 1<<20 + 1<<18 + c*c*kw) * sz
	}
	params *= 4*sz + 16 // weights, gradients, best, EMA; AdamW moments in float64
	return batches + geo + sampling + ot + params + acts, nil
}
