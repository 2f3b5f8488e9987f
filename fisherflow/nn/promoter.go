package nn

import (
	"fmt"
	"math/rand/v2"
)

// PromoterConfig sizes a Promoter network. The zero value of a field takes
// the reference value of ../shared/fisherflow-spec.md (DDSM's promoter
// model as Fisher-Flow trains it).
type PromoterConfig struct {
	Length     int     // sequence length L (reference 1024); required
	Categories int     // categories per position (4, the bases)
	Signal     int     // conditioning channels per position (1)
	Channels   int     // hidden channels (256)
	Blocks     int     // residual blocks (20)
	Kernel     int     // convolution width (9)
	TimeScale  float64 // the network embeds t*TimeScale (0.5: it is fed t/2)
	Fourier    float64 // scale of the Gaussian Fourier frequencies (30)
	// Dilations cycle over the blocks (reference 1, 1, 4, 16, 64).
	Dilations []int
}

func (c PromoterConfig) withDefaults() PromoterConfig {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Categories, 4)
	def(&c.Signal, 1)
	def(&c.Channels, 256)
	def(&c.Blocks, 20)
	def(&c.Kernel, 9)
	if c.TimeScale == 0 {
		c.TimeScale = 0.5
	}
	if c.Fourier == 0 {
		c.Fourier = 30
	}
	if len(c.Dilations) == 0 {
		c.Dilations = []int{1, 1, 4, 16, 64}
	}
	return c
}

// Promoter is the promoter model of Fisher-Flow's DNA experiment, on
// sequences laid out channels-last (batch x Length x channels):
//
//	temb   = swish(Linear(GaussianFourier(t * TimeScale)))
//	out_0  = swish(Conv_k([x, signal]))                      Categories+Signal -> Channels
//	out_i+1 = out_i + swish(Conv_k,d_i(GroupNorm(1)(out_i + Dense_i(temb))))
//	y      = Conv_1(GELU(Conv_1(out_Blocks)))                Channels -> Categories
//
// with Dense_i(temb) added at every position of its sample and the
// dilations d_i cycling through Dilations. The Gaussian Fourier
// frequencies are drawn from the construction seed and are not
// parameters (as in the reference). Forward keeps every block's
// activations for Backward: about 4 x Blocks x batch x Length x Channels
// values (2.7 GB at batch 32 of the reference size in float32).
type Promoter[T Float] struct {
	Cfg      PromoterConfig
	Fourier  *GaussianFourier[T]
	TimeLin  *Linear[T]
	In       *Conv1d[T]
	Dense    []*Linear[T]
	Norm     []*GroupNorm[T]
	Conv     []*Conv1d[T]
	Head1    *Conv1d[T]
	Head2    *Conv1d[T]
	maxBatch int
	act      SiLU[T]
	gelu     GELU[T]

	// Activations of the last Forward, planned for maxBatch samples.
	signal              []T // batch x L x Signal, set by Condition
	tin, four, tpre     []T
	temb                []T
	xin, pre0           []T
	out                 [][]T // Blocks+1 block inputs/outputs
	dense               [][]T // batch x Channels per block
	s, n, c             [][]T // pre-norm, normed, conv output per block
	hp, hg, y           []T
	dOut, dS, dN, dC    []T // gradient scratch
	dTemb, dDense, dTmp []T
	dHg, dHp, dXin      []T
}

// NewPromoter returns a Promoter for batches of up to maxBatch sequences,
// with weights drawn from r as PyTorch initialises them.
func NewPromoter[T Float](cfg PromoterConfig, maxBatch int, r *rand.Rand) *Promoter[T] {
	cfg = cfg.withDefaults()
	if cfg.Length <= 0 || maxBatch <= 0 {
		panic(fmt.Sprintf("nn.NewPromoter: length %d, max batch %d", cfg.Length, maxBatch))
	}
	C, L := cfg.Channels, cfg.Length
	m := &Promoter[T]{Cfg: cfg, maxBatch: maxBatch}
	m.Fourier = NewGaussianFourier[T](C, cfg.Fourier, r)
	m.TimeLin = NewLinear[T]("time", C, C, r)
	m.In = NewConv1d[T]("in", cfg.Categories+cfg.Signal, C, cfg.Kernel, 1, r)
	for i := 0; i < cfg.Blocks; i++ {
		m.Dense = append(m.Dense, NewLinear[T](fmt.Sprintf("block%d.dense", i), C, C, r))
		m.Norm = append(m.Norm, NewGroupNorm[T](fmt.Sprintf("block%d.norm", i), 1, C))
		m.Conv = append(m.Conv, NewConv1d[T](fmt.Sprintf("block%d.conv", i), C, C, cfg.Kernel, cfg.Dilations[i%len(cfg.Dilations)], r))
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
		m.s, m.n, m.c = append(m.s, buf(seq*C)), append(m.n, buf(seq*C)), append(m.c, buf(seq*C))
	}
	m.hp, m.hg, m.y = buf(seq*C), buf(seq*C), buf(seq*cfg.Categories)
	m.dOut, m.dS, m.dN, m.dC = buf(seq*C), buf(seq*C), buf(seq*C), buf(seq*C)
	m.dTemb, m.dDense, m.dTmp = buf(nb*C), buf(nb*C), buf(nb*C)
	m.dHg, m.dHp, m.dXin = buf(seq*C), buf(seq*C), buf(seq*(cfg.Categories+cfg.Signal))
	return m
}

// Params returns every trained parameter: the time embedding's Linear,
// the input convolution, each block's Dense, GroupNorm and convolution,
// and the head.
func (m *Promoter[T]) Params() Params[T] {
	ps := append(m.TimeLin.Params(), m.In.Params()...)
	for i := range m.Conv {
		ps = append(ps, m.Dense[i].Params()...)
		ps = append(ps, m.Norm[i].Params()...)
		ps = append(ps, m.Conv[i].Params()...)
	}
	ps = append(ps, m.Head1.Params()...)
	return append(ps, m.Head2.Params()...)
}

// Width is the input and output width per sequence: Length x Categories.
func (m *Promoter[T]) Width() int { return m.Cfg.Length * m.Cfg.Categories }

// Condition sets the conditioning signal (batch x Length x Signal) of the
// following Forward calls; without it the signal is zero.
func (m *Promoter[T]) Condition(signal []T, batch int) {
	if batch > m.maxBatch || len(signal) != batch*m.Cfg.Length*m.Cfg.Signal {
		panic(fmt.Sprintf("nn.Promoter.Condition: len %d for batch %d (max %d) x %d x %d", len(signal), batch, m.maxBatch, m.Cfg.Length, m.Cfg.Signal))
	}
	copy(m.signal, signal)
}

// Forward computes the network on batch sequences x (batch x Length x
// Categories) at times t and returns the output (batch x Length x
// Categories), a buffer owned by the network, valid until the next
// Forward.
func (m *Promoter[T]) Forward(x, t []T, batch int) []T {
	cfg := m.Cfg
	C, L, K, S := cfg.Channels, cfg.Length, cfg.Categories, cfg.Signal
	if batch > m.maxBatch || len(x) != batch*L*K || len(t) != batch {
		panic(fmt.Sprintf("nn.Promoter.Forward: batch %d (max %d), len(x)=%d (want %d), len(t)=%d", batch, m.maxBatch, len(x), batch*L*K, len(t)))
	}
	seq := batch * L
	tin, four, tpre, temb := m.tin[:batch], m.four[:batch*C], m.tpre[:batch*C], m.temb[:batch*C]
	for i, v := range t {
		tin[i] = T(float64(v) * cfg.TimeScale)
	}
	m.Fourier.Forward(four, tin)
	m.TimeLin.Forward(tpre, four, batch)
	m.act.Forward(temb, tpre)

	xin := m.xin[:seq*(K+S)]
	for p := 0; p < seq; p++ {
		copy(xin[p*(K+S):], x[p*K:(p+1)*K])
		copy(xin[p*(K+S)+K:(p+1)*(K+S)], m.signal[p*S:(p+1)*S])
	}
	pre0 := m.pre0[:seq*C]
	m.In.Forward(pre0, xin, batch, L)
	m.act.Forward(m.out[0][:seq*C], pre0)

	for i := range m.Conv {
		out, next := m.out[i][:seq*C], m.out[i+1][:seq*C]
		dense, s, n, c := m.dense[i][:batch*C], m.s[i][:seq*C], m.n[i][:seq*C], m.c[i][:seq*C]
		m.Dense[i].Forward(dense, temb, batch)
		for p := 0; p < seq; p++ {
			b := p / L
			row, drow := s[p*C:(p+1)*C], dense[b*C:(b+1)*C]
			copy(row, out[p*C:(p+1)*C])
			addTo(row, drow)
		}
		m.Norm[i].Forward(n, s, batch, L)
		m.Conv[i].Forward(c, n, batch, L)
		m.act.Forward(next, c)
		addTo(next, out)
	}
	hp, hg, y := m.hp[:seq*C], m.hg[:seq*C], m.y[:seq*K]
	m.Head1.Forward(hp, m.out[cfg.Blocks][:seq*C], batch, L)
	m.gelu.Forward(hg, hp)
	m.Head2.Forward(y, hg, batch, L)
	return y
}

// Backward adds the parameter gradients of the last Forward for the
// output gradient dy (batch x Length x Categories).
func (m *Promoter[T]) Backward(dy []T, batch int) {
	cfg := m.Cfg
	C, L, K, S := cfg.Channels, cfg.Length, cfg.Categories, cfg.Signal
	seq := batch * L
	dHg, dHp, dOut := m.dHg[:seq*C], m.dHp[:seq*C], m.dOut[:seq*C]
	m.Head2.Backward(dHg, dy[:seq*K], m.hg[:seq*C], batch, L)
	m.gelu.Backward(dHp, dHg, m.hp[:seq*C])
	m.Head1.Backward(dOut, dHp, m.out[cfg.Blocks][:seq*C], batch, L)

	dTemb := m.dTemb[:batch*C]
	clear(dTemb)
	dS, dN, dC := m.dS[:seq*C], m.dN[:seq*C], m.dC[:seq*C]
	dDense, dTmp := m.dDense[:batch*C], m.dTmp[:batch*C]
	for i := len(m.Conv) - 1; i >= 0; i-- {
		// dOut is the gradient of out_i+1 = out_i + swish(c_i).
		m.act.Backward(dC, dOut, m.c[i][:seq*C])
		m.Conv[i].Backward(dN, dC, m.n[i][:seq*C], batch, L)
		m.Norm[i].Backward(dS, dN, m.s[i][:seq*C], batch, L)
		// s_i = out_i + dense_i: out_i gets dS on top of the residual
		// path, dense_i the sum of dS over its sample's positions.
		addTo(dOut, dS)
		clear(dDense)
		for p := 0; p < seq; p++ {
			b := p / L
			addTo(dDense[b*C:(b+1)*C], dS[p*C:(p+1)*C])
		}
		m.Dense[i].Backward(dTmp, dDense, m.temb[:batch*C], batch)
		addTo(dTemb, dTmp)
	}
	// dOut is now the gradient of out_0 = swish(pre0).
	m.act.Backward(dC, dOut, m.pre0[:seq*C])
	m.In.Backward(nil, dC, m.xin[:seq*(K+S)], batch, L)
	dTpre := m.dTmp[:batch*C]
	m.act.Backward(dTpre, dTemb, m.tpre[:batch*C])
	m.TimeLin.Backward(nil, dTpre, m.four[:batch*C], batch)
}
