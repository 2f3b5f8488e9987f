package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/kernels"
)

// ClassifierConfig sizes a Classifier.
type ClassifierConfig struct {
	Length     int // sequence length L; required
	Categories int // categories per position (4, the bases)
	Classes    int // class labels; required (>= 2)
	Channels   int // hidden channels (128)
	Blocks     int // residual blocks (5 per stack of DFM's depth)
	Kernel     int // convolution width (9)
	// Dilations cycle over the blocks (1, 1, 4, 16, 64).
	Dilations []int
}

// FBDClassifierConfig is the clean-data classifier whose embeddings
// define FBD in the enhancer benchmarks (DFM's CNNModel with
// classifier=True, hidden 128, dropout 0): depth stacks of five blocks
// (depth 4 for MEL2, 1 for FlyBrain), for sequences of length L with
// classes labels.
func FBDClassifierConfig(length, classes, depth int) ClassifierConfig {
	return ClassifierConfig{Length: length, Categories: 4, Classes: classes, Channels: 128, Blocks: 5 * depth,
		Kernel: 9, Dilations: []int{1, 1, 4, 16, 64}}
}

// Classifier is a residual dilated CNN that labels sequences (batch x
// Length x Categories, channels-last):
//
//	out_0   = relu(Conv_k(x))                                 Categories -> Channels
//	out_i+1 = out_i + relu(Conv_k,d_i(LayerNorm(out_i)))
//	emb     = Emb(mean over positions of out_Blocks)           Channels -> Channels
//	logits  = Out(relu(emb))                                   Channels -> Classes
//
// emb is the embedding FBD compares (Embedding). Forward keeps two
// activations per block for Backward (the block's output and its
// convolution's output; the normalised input is recomputed).
type Classifier[T Float] struct {
	Cfg      ClassifierConfig
	In       *Conv1d[T]
	Norm     []*LayerNorm[T]
	Conv     []*Conv1d[T]
	Emb, Out *Linear[T]
	maxBatch int
	relu     LeakyReLU[T]

	// Activations of the last Forward, planned for maxBatch samples.
	x, pre0, n         []T
	out, c             [][]T
	pool, emb, hid, lg []T
	// Gradient scratch.
	dOut, dN, dC, dPool, dEmb, dHid []T
}

// NewClassifier returns a Classifier for batches of up to maxBatch
// sequences, initialised as PyTorch does.
func NewClassifier[T Float](cfg ClassifierConfig, maxBatch int, r *rand.Rand) *Classifier[T] {
	if cfg.Length <= 0 || maxBatch <= 0 || cfg.Channels <= 0 || cfg.Blocks < 0 || cfg.Classes < 2 || cfg.Categories <= 0 || len(cfg.Dilations) == 0 {
		panic(fmt.Sprintf("nn.NewClassifier: max batch %d, config %+v", maxBatch, cfg))
	}
	C, seq, nb := cfg.Channels, maxBatch*cfg.Length, maxBatch
	m := &Classifier[T]{Cfg: cfg, maxBatch: maxBatch}
	m.In = NewConv1d[T]("in", cfg.Categories, C, cfg.Kernel, 1, r)
	for i := 0; i < cfg.Blocks; i++ {
		m.Norm = append(m.Norm, NewLayerNorm[T](fmt.Sprintf("block%d.norm", i), C))
		m.Conv = append(m.Conv, NewConv1d[T](fmt.Sprintf("block%d.conv", i), C, C, cfg.Kernel, cfg.Dilations[i%len(cfg.Dilations)], r))
	}
	m.Emb = NewLinear[T]("head.emb", C, C, r)
	m.Out = NewLinear[T]("head.out", C, cfg.Classes, r)
	buf := func(n int) []T { return make([]T, n) }
	m.x, m.pre0, m.n = buf(seq*cfg.Categories), buf(seq*C), buf(seq*C)
	for i := 0; i <= cfg.Blocks; i++ {
		m.out = append(m.out, buf(seq*C))
	}
	for i := 0; i < cfg.Blocks; i++ {
		m.c = append(m.c, buf(seq*C))
	}
	m.pool, m.emb, m.hid, m.lg = buf(nb*C), buf(nb*C), buf(nb*C), buf(nb*cfg.Classes)
	m.dOut, m.dN, m.dC = buf(seq*C), buf(seq*C), buf(seq*C)
	m.dPool, m.dEmb, m.dHid = buf(nb*C), buf(nb*C), buf(nb*C)
	return m
}

// Params returns every trained parameter.
func (m *Classifier[T]) Params() Params[T] {
	ps := m.In.Params()
	for i := range m.Conv {
		ps = append(ps, m.Norm[i].Params()...)
		ps = append(ps, m.Conv[i].Params()...)
	}
	ps = append(ps, m.Emb.Params()...)
	return append(ps, m.Out.Params()...)
}

// Forward computes the logits (batch x Classes) of batch sequences x
// (batch x Length x Categories), a buffer owned by the network, valid
// until the next Forward.
func (m *Classifier[T]) Forward(x []T, batch int) []T {
	cfg := m.Cfg
	C, L, K := cfg.Channels, cfg.Length, cfg.Categories
	if batch > m.maxBatch || len(x) != batch*L*K {
		panic(fmt.Sprintf("nn.Classifier.Forward: batch %d (max %d), len(x)=%d (want %d)", batch, m.maxBatch, len(x), batch*L*K))
	}
	seq := batch * L
	copy(m.x, x)
	m.In.Forward(m.pre0[:seq*C], x, batch, L)
	m.relu.Forward(m.out[0][:seq*C], m.pre0[:seq*C])
	for i := range m.Conv {
		out, next, c, n := m.out[i][:seq*C], m.out[i+1][:seq*C], m.c[i][:seq*C], m.n[:seq*C]
		m.Norm[i].Forward(n, out)
		m.Conv[i].Forward(c, n, batch, L)
		m.relu.Forward(next, c)
		addTo(next, out)
	}
	pool, last := m.pool[:batch*C], m.out[cfg.Blocks][:seq*C]
	clear(pool)
	for p := 0; p < seq; p++ {
		addTo(pool[(p/L)*C:(p/L+1)*C], last[p*C:(p+1)*C])
	}
	kernels.Scale(T(1/float64(L)), pool)
	emb, hid, lg := m.emb[:batch*C], m.hid[:batch*C], m.lg[:batch*cfg.Classes]
	m.Emb.Forward(emb, pool, batch)
	m.relu.Forward(hid, emb)
	m.Out.Forward(lg, hid, batch)
	return lg
}

// Embedding returns the embeddings (batch x Channels) of the last
// Forward: the output of the head's first Linear, before its ReLU.
func (m *Classifier[T]) Embedding(batch int) []T { return m.emb[:batch*m.Cfg.Channels] }

// Backward adds the parameter gradients of the last Forward for the
// gradient of the logits dlogits (batch x Classes).
func (m *Classifier[T]) Backward(dlogits []T, batch int) {
	cfg := m.Cfg
	C, L, K := cfg.Channels, cfg.Length, cfg.Categories
	seq := batch * L
	dHid, dEmb, dPool := m.dHid[:batch*C], m.dEmb[:batch*C], m.dPool[:batch*C]
	m.Out.Backward(dHid, dlogits[:batch*cfg.Classes], m.hid[:batch*C], batch)
	m.relu.Backward(dEmb, dHid, m.emb[:batch*C])
	m.Emb.Backward(dPool, dEmb, m.pool[:batch*C], batch)
	// The mean over positions spreads dPool/L to every position.
	dOut := m.dOut[:seq*C]
	for p := 0; p < seq; p++ {
		copy(dOut[p*C:(p+1)*C], dPool[(p/L)*C:(p/L+1)*C])
	}
	kernels.Scale(T(1/float64(L)), dOut)
	dN, dC, n := m.dN[:seq*C], m.dC[:seq*C], m.n[:seq*C]
	for i := len(m.Conv) - 1; i >= 0; i-- {
		// dOut is the gradient of out_i+1 = out_i + relu(c_i).
		out := m.out[i][:seq*C]
		m.relu.Backward(dC, dOut, m.c[i][:seq*C])
		m.Norm[i].Forward(n, out) // recomputed rather than kept
		m.Conv[i].Backward(dN, dC, n, batch, L)
		m.Norm[i].Backward(dC, dN, out) // dC is free again: reuse it for dL/d(out_i) through the norm
		addTo(dOut, dC)
	}
	m.relu.Backward(dC, dOut, m.pre0[:seq*C])
	m.In.Backward(nil, dC, m.x[:seq*K], batch, L)
}

// CrossEntropy returns the mean over the batch of -log softmax(logits)
// at each label (logits batch x classes) and sets dlogits to its
// gradient, (softmax - onehot)/batch. The softmax is computed in float64
// from the shifted logits, so large logits do not overflow.
func CrossEntropy[T Float](dlogits, logits []T, labels []int, classes int) float64 {
	batch := len(labels)
	if len(logits) != batch*classes || len(dlogits) != len(logits) {
		panic(fmt.Sprintf("nn.CrossEntropy: %d logits and %d gradients for %d labels of %d classes", len(logits), len(dlogits), batch, classes))
	}
	var loss float64
	for b, y := range labels {
		if y < 0 || y >= classes {
			panic(fmt.Sprintf("nn.CrossEntropy: label %d outside 0..%d", y, classes-1))
		}
		row, drow := logits[b*classes:(b+1)*classes], dlogits[b*classes:(b+1)*classes]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = max(mx, float64(v))
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v) - mx)
		}
		lse := mx + math.Log(s)
		loss += lse - float64(row[y])
		for j, v := range row {
			p := math.Exp(float64(v) - lse)
			if j == y {
				p--
			}
			drow[j] = T(p / float64(batch))
		}
	}
	return loss / float64(batch)
}
