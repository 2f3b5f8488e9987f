package nn

import (
	"fmt"
	"math/rand/v2"
)

// Network is a time-dependent vector field: Forward maps batch rows of x
// (batch x In) at times t (batch) to an output of the same shape, owned by
// the network until the next Forward; Backward adds the parameter
// gradients of the last Forward for the output gradient dout.
type Network[T Float] interface {
	Forward(x, t []T, batch int) []T
	Backward(dout []T, batch int)
	Params() Params[T]
	Width() int
}

// Width returns the input and output width.
func (m *BestMLP[T]) Width() int { return m.In }

// MLP is the smiley network of Fisher-Flow's simplex experiment
// (ProductMLP): the time t is concatenated to the input once, then Depth
// Linear layers, LeakyReLU(0.01) after all but the last:
//
//	In+1 -> Hidden -> ... -> Hidden -> In.
type MLP[T Float] struct {
	In, Hidden int
	Layers     []*Linear[T]
	act        LeakyReLU[T]
	maxBatch   int
	t          []T
	in         [][]T // input of each layer (the first is [x, t])
	pre        [][]T // linear output of each layer
	dbuf, dpre []T
}

// NewMLP returns an MLP with depth >= 2 Linear layers and buffers for
// batches of up to maxBatch rows.
func NewMLP[T Float](in, hidden, depth, maxBatch int, r *rand.Rand) *MLP[T] {
	if depth < 2 {
		panic(fmt.Sprintf("nn.NewMLP: depth %d < 2", depth))
	}
	m := &MLP[T]{In: in, Hidden: hidden, act: LeakyReLU[T]{Slope: 0.01}, maxBatch: maxBatch}
	m.t = make([]T, maxBatch)
	widest := in + 1
	for i := 0; i < depth; i++ {
		a, b := hidden, hidden
		if i == 0 {
			a = in + 1
		}
		if i == depth-1 {
			b = in
		}
		m.Layers = append(m.Layers, NewLinear[T](fmt.Sprintf("layers.%d", i), a, b, r))
		m.in = append(m.in, make([]T, maxBatch*a))
		m.pre = append(m.pre, make([]T, maxBatch*b))
		widest = max(widest, a, b)
	}
	m.dbuf, m.dpre = make([]T, maxBatch*widest), make([]T, maxBatch*widest)
	return m
}

// Width returns the input and output width.
func (m *MLP[T]) Width() int { return m.In }

// Params returns the layers' weights and biases in order, named as the
// state_dict of ProductMLP in bench/peers/fisherflow_toy.py
// ("layers.0.weight", ...).
func (m *MLP[T]) Params() Params[T] {
	var ps Params[T]
	for _, l := range m.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Forward computes the network on batch rows of x at times t.
func (m *MLP[T]) Forward(x, t []T, batch int) []T {
	if batch > m.maxBatch || len(x) != batch*m.In || len(t) != batch {
		panic(fmt.Sprintf("nn.MLP.Forward: batch %d (max %d), len(x)=%d (want %d), len(t)=%d", batch, m.maxBatch, len(x), batch*m.In, len(t)))
	}
	w := m.In + 1
	in0 := m.in[0][:batch*w]
	for r := 0; r < batch; r++ {
		copy(in0[r*w:], x[r*m.In:(r+1)*m.In])
		in0[r*w+m.In] = t[r]
	}
	last := len(m.Layers) - 1
	for i, l := range m.Layers {
		pre := m.pre[i][:batch*l.Out]
		l.Forward(pre, m.in[i][:batch*l.In], batch)
		if i < last {
			m.act.Forward(m.in[i+1][:batch*l.Out], pre)
		}
	}
	return m.pre[last][:batch*m.In]
}

// Backward adds the parameter gradients for the output gradient dout.
func (m *MLP[T]) Backward(dout []T, batch int) {
	last := len(m.Layers) - 1
	dy := dout
	for i := last; i >= 0; i-- {
		l := m.Layers[i]
		if i < last {
			dp := m.dpre[:batch*l.Out]
			m.act.Backward(dp, dy, m.pre[i][:batch*l.Out])
			dy = dp
		}
		var dx []T
		if i > 0 {
			dx = m.dbuf[:batch*l.In]
		}
		l.Backward(dx, dy, m.in[i][:batch*l.In], batch)
		if i > 0 {
			// dx and dpre swap roles for the next layer down.
			m.dbuf, m.dpre = m.dpre, m.dbuf
			dy = m.dpre[:batch*l.In]
		}
	}
}
