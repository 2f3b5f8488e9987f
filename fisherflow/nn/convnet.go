package nn

import (
	"fmt"
	"math/rand/v2"
	"runtime"

	"github.com/fisherflow/fisherflow/internal/par"
)

// ConvNetConfig sizes a ConvNet. PromoterConfig and EnhancerConfig return
// the two reference networks of ../shared/fisherflow-spec.md.
type ConvNetConfig struct {
	Length     int     // sequence length L; required
	Categories int     // categories per position (4, the bases)
	Signal     int     // conditioning channels per position (promoter 1, enhancer 0)
	Classes    int     // class labels for guidance (0: none); see Condition
	Channels   int     // hidden channels (promoter 256, enhancer 128)
	Blocks     int     // residual blocks (20)
	Kernel     int     // convolution width (9)
	TimeScale  float64 // the network embeds t*TimeScale (promoter 0.5: it is fed t/2; enhancer 1)
	Fourier    float64 // scale of the Gaussian Fourier frequencies (30)
	// Dilations cycle over the blocks (1, 1, 4, 16, 64).
	Dilations []int
	// Norm is "group" (GroupNorm(1, C) over a whole sample, the promoter)
	// or "layer" (LayerNorm over the channels of each position, the
	// enhancer).
	Norm string
	// Act is the activation of the blocks, the input convolution and the
	// time embedding, "swish" (promoter) or "relu" (enhancer); HeadAct
	// that of the head, "gelu" (promoter) or "relu" (enhancer).
	Act, HeadAct string
}

// PromoterConfig is the promoter model (DDSM's PromoterModel as
// Fisher-Flow trains it) for sequences of length L.
func PromoterConfig(length int) ConvNetConfig {
	return ConvNetConfig{Length: length, Categories: 4, Signal: 1, Channels: 256, Blocks: 20, Kernel: 9,
		TimeScale: 0.5, Fourier: 30, Dilations: []int{1, 1, 4, 16, 64}, Norm: "group", Act: "swish", HeadAct: "gelu"}
}

// EnhancerConfig is the enhancer CNN (DFM's CNNModel, dropout 0) for
// sequences of length L with classes labels (0 for unconditional).
func EnhancerConfig(length, classes int) ConvNetConfig {
	return ConvNetConfig{Length: length, Categories: 4, Classes: classes, Channels: 128, Blocks: 20, Kernel: 9,
		TimeScale: 1, Fourier: 30, Dilations: []int{1, 1, 4, 16, 64}, Norm: "layer", Act: "relu", HeadAct: "relu"}
}

// activation is an elementwise layer with a backward pass.
type activation[T Float] interface {
	Forward(y, x []T)
	Backward(dx, dy, x []T)
}

func newActivation[T Float](name string) activation[T] {
	switch name {
	case "swish":
		return &SiLU[T]{}
	case "gelu":
		return &GELU[T]{}
	case "relu":
		return LeakyReLU[T]{Slope: 0}
	}
	panic(fmt.Sprintf("nn: unknown activation %q (swish, gelu or relu)", name))
}

// seqNorm is a normalisation over sequences (batch x length x channels).
// forwardRange and backwardRange do samples lo..hi of batch buffers
// (after Plan), backwardRange adding the parameter gradients into the
// buffers given: calls on disjoint samples may run concurrently.
type seqNorm[T Float] interface {
	Params() Params[T]
	Plan(batch, length int)
	forwardRange(y, x []T, lo, hi, length int)
	backwardRange(dx, dy, x []T, lo, hi, length int, gainGrad, shiftGrad []T)
}

// groupNorm is a GroupNorm as a seqNorm.
type groupNorm[T Float] struct{ *GroupNorm[T] }

func (n groupNorm[T]) Plan(batch, _ int) { n.GroupNorm.Plan(batch) }

// rowNorm runs a LayerNorm over the channels of every position.
type rowNorm[T Float] struct{ *LayerNorm[T] }

func (n rowNorm[T]) Plan(batch, length int) { n.LayerNorm.Plan(batch * length) }
func (n rowNorm[T]) forwardRange(y, x []T, lo, hi, length int) {
	n.forwardRows(y, x, lo*length, hi*length)
}
func (n rowNorm[T]) backwardRange(dx, dy, x []T, lo, hi, length int, gainGrad, shiftGrad []T) {
	n.backwardRows(dx, dy, x, lo*length, hi*length, gainGrad, shiftGrad)
}

// ConvNet is the residual dilated convolutional network of Fisher-Flow's
// DNA experiments (the promoter model and the enhancer CNN), on sequences
// laid out channels-last (batch x Length x channels):
//
//	temb    = act(Linear(GaussianFourier(t * TimeScale))) [+ ClassEmb(class)]
//	out_0   = act(Conv_k([x, signal]))                       Categories+Signal -> Channels
//	out_i+1 = out_i + act(Conv_k,d_i(Norm(out_i + Dense_i(temb))))
//	y       = Conv_1(headAct(Conv_1(out_Blocks)))            Channels -> Categories
//
// with Dense_i(temb) added at every position of its sample and the
// dilations d_i cycling through Dilations. The Gaussian Fourier
// frequencies are drawn from the construction seed and are not
// parameters (as in the reference). Forward keeps two activations per
// block for Backward (the block's output and its convolution's output;
// the normalised input is recomputed): about 2 x Blocks x batch x Length x
// Channels values, 1.4 GB at batch 32 of the promoter in float32 (5.5 GB
// at batch 128).
type ConvNet[T Float] struct {
	Cfg      ConvNetConfig
	Fourier  *GaussianFourier[T]
	TimeLin  *Linear[T]
	ClassEmb *Param[T] // (Classes+1) x Channels, the last row the "no class" of guidance; nil without classes
	In       *Conv1d[T]
	Dense    []*Linear[T]
	Norm     []seqNorm[T]
	Conv     []*Conv1d[T]
	Head1    *Conv1d[T]
	Head2    *Conv1d[T]
	maxBatch int
	act      activation[T]
	// par runs the per-sample work of the blocks (norms, activations,
	// residual sums) on the threads of internal/par.
	par convPar[T]

	// Activations of the last Forward, planned for maxBatch samples.
	signal              []T   // batch x L x Signal, set by Condition
	class               []int // batch class labels, set by Condition
	tin, four, tpre     []T
	temb                []T
	xin, pre0           []T
	out                 [][]T // Blocks+1 block inputs/outputs
	dense               [][]T // batch x Channels per block
	c                   [][]T // conv output per block
	s, n                []T   // pre-norm and normed input of the block at hand
	hp, hg, y           []T
	dOut, dS, dN, dC    []T // gradient scratch
	dTemb, dDense, dTmp []T
	dHg, dHp            []T
}

// NewConvNet returns a ConvNet for batches of up to maxBatch sequences,
// with weights drawn from r as PyTorch initialises them (class
// embeddings N(0, 1), as nn.Embedding).
func NewConvNet[T Float](cfg ConvNetConfig, maxBatch int, r *rand.Rand) *ConvNet[T] {
	if cfg.Length <= 0 || maxBatch <= 0 || cfg.Channels <= 0 || cfg.Blocks < 0 || len(cfg.Dilations) == 0 || cfg.Categories <= 0 {
		panic(fmt.Sprintf("nn.NewConvNet: length %d, max batch %d, config %+v", cfg.Length, maxBatch, cfg))
	}
	C, L := cfg.Channels, cfg.Length
	m := &ConvNet[T]{Cfg: cfg, maxBatch: maxBatch, act: newActivation[T](cfg.Act)}
	m.Fourier = NewGaussianFourier[T](C, cfg.Fourier, r)
	m.TimeLin = NewLinear[T]("time", C, C, r)
	if cfg.Classes > 0 {
		m.ClassEmb = newParam[T]("class_emb.weight", cfg.Classes+1, C)
		for i := range m.ClassEmb.W {
			m.ClassEmb.W[i] = T(r.NormFloat64())
		}
		m.class = make([]int, maxBatch)
		for i := range m.class {
			m.class[i] = cfg.Classes
		}
	}
	m.In = NewConv1d[T]("inp", cfg.Categories+cfg.Signal, C, cfg.Kernel, 1, r)
	for i := 0; i < cfg.Blocks; i++ {
		m.Dense = append(m.Dense, NewLinear[T](fmt.Sprintf("dense.%d", i), C, C, r))
		name := fmt.Sprintf("norms.%d", i)
		switch cfg.Norm {
		case "group":
			m.Norm = append(m.Norm, groupNorm[T]{NewGroupNorm[T](name, 1, C)})
		case "layer":
			m.Norm = append(m.Norm, rowNorm[T]{NewLayerNorm[T](name, C)})
		default:
			panic(fmt.Sprintf("nn.NewConvNet: unknown norm %q (group or layer)", cfg.Norm))
		}
		m.Conv = append(m.Conv, NewConv1d[T](fmt.Sprintf("convs.%d", i), C, C, cfg.Kernel, cfg.Dilations[i%len(cfg.Dilations)], r))
	}
	m.Head1 = NewConv1d[T]("head1", C, C, 1, 1, r)
	m.Head2 = NewConv1d[T]("head2", C, cfg.Categories, 1, 1, r)

	nb, seq := maxBatch, maxBatch*L
	buf := func(n int) []T { return make([]T, n) }
	m.signal = buf(seq * cfg.Signal)
	m.tin, m.four, m.tpre, m.temb = buf(nb), buf(nb*C), buf(nb*C), buf(nb*C)
	m.xin, m.pre0 = buf(seq*(cfg.Categories+cfg.Signal)), buf(seq*C)
	for i := 0; i <= cfg.Blocks; i++ {
		m.out = append(m.out, buf(seq*C))
	}
	for i := 0; i < cfg.Blocks; i++ {
		m.dense = append(m.dense, buf(nb*C))
		m.c = append(m.c, buf(seq*C))
	}
	m.s, m.n = buf(seq*C), buf(seq*C)
	m.hp, m.hg, m.y = buf(seq*C), buf(seq*C), buf(seq*cfg.Categories)
	m.dOut, m.dS, m.dN, m.dC = buf(seq*C), buf(seq*C), buf(seq*C), buf(seq*C)
	m.dTemb, m.dDense, m.dTmp = buf(nb*C), buf(nb*C), buf(nb*C)
	m.dHg, m.dHp = buf(seq*C), buf(seq*C)
	m.par.m = m
	for range runtime.GOMAXPROCS(0) {
		m.par.acts = append(m.par.acts, newActivation[T](cfg.Act))
		m.par.headActs = append(m.par.headActs, newActivation[T](cfg.HeadAct))
	}
	m.par.gainG, m.par.shiftG = buf(nb*C), buf(nb*C)
	for _, n := range m.Norm {
		n.Plan(maxBatch, L)
		ps := n.Params()
		m.par.norms = append(m.par.norms, [2]*Param[T]{ps[0], ps[1]})
	}
	return m
}

// convPar is the per-sample work of a ConvNet's blocks as phases of
// internal/par, over samples: each thread has its own activations (SiLU
// and GELU keep a scratch), and each sample its norm-gradient buffers,
// which are summed in sample order after the phase, so that the gradients
// do not depend on which thread took which sample.
type convPar[T Float] struct {
	m        *ConvNet[T]
	block, L int
	acts     []activation[T] // the blocks' activation, one per thread
	headActs []activation[T] // the head's
	gainG    []T             // maxBatch x Channels
	shiftG   []T
	norms    [][2]*Param[T] // each block's norm gain and shift
	head     bool           // phaseAct*: the head's activation
	x, y, z  []T            // phaseAct*: the operands
	phase    par.Phase      // the state of the phase in progress
}

const (
	phaseNormIn   = iota // s = out_i + dense_i, n = Norm_i(s)
	phaseActRes          // out_i+1 = act(c_i) + out_i
	phaseAct             // y = act(x)
	phaseActBack         // z = act'(y) * x (z = dx, x = dy, y = input)
	phaseNormBack        // dS = Norm_i'(dN), dOut += dS, dDense = sum over positions of dS
)

func (p *convPar[T]) threads(batch int) int { return min(len(p.acts), batch) }

// run runs a phase over batch samples.
func (p *convPar[T]) run(phase, block, batch int) {
	p.block, p.L = block, p.m.Cfg.Length
	par.For(p.threads(batch), batch, p, phase, &p.phase)
}

// Work does samples lo..hi of a phase.
func (p *convPar[T]) Work(phase, id, lo, hi int) {
	m, i, L, C := p.m, p.block, p.L, p.m.Cfg.Channels
	r0, r1 := lo*L*C, hi*L*C // the values of the samples
	act := p.acts[id]
	if p.head {
		act = p.headActs[id]
	}
	switch phase {
	case phaseNormIn:
		out, dense, s := m.out[i], m.dense[i], m.s
		for q := lo * L; q < hi*L; q++ {
			b := q / L
			row := s[q*C : (q+1)*C]
			copy(row, out[q*C:(q+1)*C])
			addTo(row, dense[b*C:(b+1)*C])
		}
		m.Norm[i].forwardRange(m.n, s, lo, hi, L)
	case phaseActRes:
		next := m.out[i+1][r0:r1]
		act.Forward(next, m.c[i][r0:r1])
		addTo(next, m.out[i][r0:r1])
	case phaseAct:
		act.Forward(p.y[r0:r1], p.x[r0:r1])
	case phaseActBack:
		act.Backward(p.z[r0:r1], p.x[r0:r1], p.y[r0:r1])
	case phaseNormBack:
		for b := lo; b < hi; b++ {
			m.Norm[i].backwardRange(m.dS, m.dN, m.s, b, b+1, L, p.gainG[b*C:(b+1)*C], p.shiftG[b*C:(b+1)*C])
		}
		addTo(m.dOut[r0:r1], m.dS[r0:r1])
		for b := lo; b < hi; b++ {
			dd := m.dDense[b*C : (b+1)*C]
			clear(dd)
			for q := b * L; q < (b+1)*L; q++ {
				addTo(dd, m.dS[q*C:(q+1)*C])
			}
		}
	}
}

// act runs y = act(x) (the head's activation if head) over batch samples.
func (p *convPar[T]) act(head bool, y, x []T, batch int) {
	p.head, p.x, p.y = head, x, y
	p.run(phaseAct, 0, batch)
	p.head, p.x, p.y = false, nil, nil
}

// actBack runs dx = act'(x) * dy over batch samples.
func (p *convPar[T]) actBack(head bool, dx, dy, x []T, batch int) {
	p.head, p.z, p.x, p.y = head, dx, dy, x
	p.run(phaseActBack, 0, batch)
	p.head, p.x, p.y, p.z = false, nil, nil, nil
}

// normBack runs block i's norm backward and its residual and dense sums,
// then adds the samples' gain and shift gradients to the norm's, in
// sample order.
func (p *convPar[T]) normBack(i, batch int) {
	C := p.m.Cfg.Channels
	p.run(phaseNormBack, i, batch)
	gain, shift := p.norms[i][0], p.norms[i][1]
	for b := range batch {
		addTo(gain.G, p.gainG[b*C:(b+1)*C])
		addTo(shift.G, p.shiftG[b*C:(b+1)*C])
	}
	clear(p.gainG[:batch*C])
	clear(p.shiftG[:batch*C])
}

// Params returns every trained parameter: the time embedding's Linear,
// the class embedding if any, the input convolution, each block's Dense,
// norm and convolution, and the head, named as the state_dict of ConvNet
// in bench/peers/fisherflow_promoter.py ("time.weight", "inp.weight",
// "dense.0.weight", "norms.0.weight", "convs.0.weight", "head1.weight",
// ..., "class_emb.weight").
func (m *ConvNet[T]) Params() Params[T] {
	ps := m.TimeLin.Params()
	if m.ClassEmb != nil {
		ps = append(ps, m.ClassEmb)
	}
	ps = append(ps, m.In.Params()...)
	for i := range m.Conv {
		ps = append(ps, m.Dense[i].Params()...)
		ps = append(ps, m.Norm[i].Params()...)
		ps = append(ps, m.Conv[i].Params()...)
	}
	ps = append(ps, m.Head1.Params()...)
	return append(ps, m.Head2.Params()...)
}

// Buffers returns the Gaussian Fourier frequencies, "fourier.w" (a
// registered buffer of the PyTorch module).
func (m *ConvNet[T]) Buffers() []Buffer {
	return []Buffer{{Name: "fourier.w", Shape: []int{len(m.Fourier.W)}, W: m.Fourier.W}}
}

// Width is the input and output width per sequence: Length x Categories.
func (m *ConvNet[T]) Width() int { return m.Cfg.Length * m.Cfg.Categories }

// Condition sets the conditioning of the following Forward calls: the
// signal (batch x Length x Signal; nil for zeros) and the class labels
// (batch values in 0..Classes-1, or Classes for "no class", the
// unconditional model of classifier-free guidance; nil for no class).
func (m *ConvNet[T]) Condition(signal []T, class []int, batch int) {
	if batch > m.maxBatch || (signal != nil && len(signal) != batch*m.Cfg.Length*m.Cfg.Signal) || (class != nil && len(class) != batch) {
		panic(fmt.Sprintf("nn.ConvNet.Condition: len(signal)=%d, len(class)=%d for batch %d (max %d) x %d x %d",
			len(signal), len(class), batch, m.maxBatch, m.Cfg.Length, m.Cfg.Signal))
	}
	if signal == nil {
		clear(m.signal)
	} else {
		copy(m.signal, signal)
	}
	if m.ClassEmb == nil {
		if class != nil {
			panic("nn.ConvNet.Condition: class labels given to a network without classes")
		}
		return
	}
	for i := range m.class {
		m.class[i] = m.Cfg.Classes
	}
	for i, c := range class {
		if c < 0 || c > m.Cfg.Classes {
			panic(fmt.Sprintf("nn.ConvNet.Condition: class %d outside 0..%d", c, m.Cfg.Classes))
		}
		m.class[i] = c
	}
}

// Forward computes the network on batch sequences x (batch x Length x
// Categories) at times t and returns the output (batch x Length x
// Categories), a buffer owned by the network, valid until the next
// Forward.
func (m *ConvNet[T]) Forward(x, t []T, batch int) []T {
	cfg := m.Cfg
	C, L, K, S := cfg.Channels, cfg.Length, cfg.Categories, cfg.Signal
	if batch > m.maxBatch || len(x) != batch*L*K || len(t) != batch {
		panic(fmt.Sprintf("nn.ConvNet.Forward: batch %d (max %d), len(x)=%d (want %d), len(t)=%d", batch, m.maxBatch, len(x), batch*L*K, len(t)))
	}
	seq := batch * L
	tin, four, tpre, temb := m.tin[:batch], m.four[:batch*C], m.tpre[:batch*C], m.temb[:batch*C]
	for i, v := range t {
		tin[i] = T(float64(v) * cfg.TimeScale)
	}
	m.Fourier.Forward(four, tin)
	m.TimeLin.Forward(tpre, four, batch)
	m.act.Forward(temb, tpre)
	if m.ClassEmb != nil {
		for b := 0; b < batch; b++ {
			addTo(temb[b*C:(b+1)*C], m.ClassEmb.W[m.class[b]*C:(m.class[b]+1)*C])
		}
	}

	xin := m.xin[:seq*(K+S)]
	for p := 0; p < seq; p++ {
		copy(xin[p*(K+S):], x[p*K:(p+1)*K])
		copy(xin[p*(K+S)+K:(p+1)*(K+S)], m.signal[p*S:(p+1)*S])
	}
	pre0 := m.pre0[:seq*C]
	m.In.Forward(pre0, xin, batch, L)
	m.par.act(false, m.out[0], pre0, batch)

	for i := range m.Conv {
		dense, c := m.dense[i][:batch*C], m.c[i][:seq*C]
		m.Dense[i].Forward(dense, temb, batch)
		_, n := m.normIn(i, batch)
		m.Conv[i].Forward(c, n, batch, L)
		m.par.run(phaseActRes, i, batch)
	}
	hp, hg, y := m.hp[:seq*C], m.hg[:seq*C], m.y[:seq*K]
	m.Head1.Forward(hp, m.out[cfg.Blocks][:seq*C], batch, L)
	m.par.act(true, hg, hp, batch)
	m.Head2.Forward(y, hg, batch, L)
	return y
}

// normIn computes block i's pre-norm input s = out_i + Dense_i(temb) (at
// every position) and its normalisation n, into the shared buffers:
// Forward needs them once, and Backward recomputes them rather than
// keeping two more activations per block.
func (m *ConvNet[T]) normIn(i, batch int) (s, n []T) {
	seq := batch * m.Cfg.Length * m.Cfg.Channels
	m.par.run(phaseNormIn, i, batch)
	return m.s[:seq], m.n[:seq]
}

// Backward adds the parameter gradients of the last Forward for the
// output gradient dy (batch x Length x Categories).
func (m *ConvNet[T]) Backward(dy []T, batch int) {
	cfg := m.Cfg
	C, L, K, S := cfg.Channels, cfg.Length, cfg.Categories, cfg.Signal
	seq := batch * L
	dHg, dHp, dOut := m.dHg[:seq*C], m.dHp[:seq*C], m.dOut[:seq*C]
	m.Head2.Backward(dHg, dy[:seq*K], m.hg[:seq*C], batch, L)
	m.par.actBack(true, dHp, dHg, m.hp, batch)
	m.Head1.Backward(dOut, dHp, m.out[cfg.Blocks][:seq*C], batch, L)

	dTemb := m.dTemb[:batch*C]
	clear(dTemb)
	dN, dC := m.dN[:seq*C], m.dC[:seq*C]
	dDense, dTmp := m.dDense[:batch*C], m.dTmp[:batch*C]
	for i := len(m.Conv) - 1; i >= 0; i-- {
		// dOut is the gradient of out_i+1 = out_i + swish(c_i).
		m.par.actBack(false, dC, dOut, m.c[i], batch)
		_, n := m.normIn(i, batch) // recomputed rather than kept
		m.Conv[i].Backward(dN, dC, n, batch, L)
		// s_i = out_i + dense_i: out_i gets dS on top of the residual
		// path, dense_i the sum of dS over its sample's positions.
		m.par.normBack(i, batch)
		m.Dense[i].Backward(dTmp, dDense, m.temb[:batch*C], batch)
		addTo(dTemb, dTmp)
	}
	// dOut is now the gradient of out_0 = swish(pre0).
	m.par.actBack(false, dC, dOut, m.pre0, batch)
	m.In.Backward(nil, dC, m.xin[:seq*(K+S)], batch, L)
	if m.ClassEmb != nil {
		for b := 0; b < batch; b++ {
			addTo(m.ClassEmb.G[m.class[b]*C:(m.class[b]+1)*C], dTemb[b*C:(b+1)*C])
		}
	}
	dTpre := m.dTmp[:batch*C]
	m.act.Backward(dTpre, dTemb, m.tpre[:batch*C])
	m.TimeLin.Backward(nil, dTpre, m.four[:batch*C], batch)
}
