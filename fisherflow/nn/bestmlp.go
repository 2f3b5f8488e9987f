package nn

import (
	"fmt"
	"math/rand/v2"
)

// BestMLP is the toy network of Fisher-Flow's reference code: the time t
// is embedded by Linear(1 -> TDim), and four blocks each apply
// Linear([h, temb]) to the previous output h concatenated with the
// embedding, LeakyReLU(0.01) on the first three, and a residual h + out
// wherever input and output widths agree:
//
//	In+TDim -> Hidden -> Hidden -> Hidden -> In.
type BestMLP[T Float] struct {
	In, Hidden, TDim int
	Time             *Linear[T]
	Blocks           [4]*Linear[T]
	act              LeakyReLU[T]
	maxBatch         int

	// Activations of the last Forward, planned for maxBatch rows.
	t    []T
	temb []T
	cat  [4][]T // block inputs [h, temb]
	pre  [4][]T // block linear outputs
	h    [4][]T // block outputs
	// Gradient scratch.
	dh, dprev, dtemb []T
}

// NewBestMLP returns a BestMLP for inputs of width in (positions x
// categories), with buffers for batches of up to maxBatch rows.
func NewBestMLP[T Float](in, hidden, tdim, maxBatch int, r *rand.Rand) *BestMLP[T] {
	m := &BestMLP[T]{In: in, Hidden: hidden, TDim: tdim, act: LeakyReLU[T]{Slope: 0.01}, maxBatch: maxBatch}
	m.Time = NewLinear[T]("time", 1, tdim, r)
	dims := [5]int{in, hidden, hidden, hidden, in}
	for i := range m.Blocks {
		m.Blocks[i] = NewLinear[T](fmt.Sprintf("blocks.%d", i), dims[i]+tdim, dims[i+1], r)
	}
	m.t = make([]T, maxBatch)
	m.temb = make([]T, maxBatch*tdim)
	maxOut := 0
	for i, b := range m.Blocks {
		m.cat[i] = make([]T, maxBatch*b.In)
		m.pre[i] = make([]T, maxBatch*b.Out)
		m.h[i] = make([]T, maxBatch*b.Out)
		maxOut = max(maxOut, b.Out, dims[i])
	}
	m.dh = make([]T, maxBatch*maxOut)
	m.dprev = make([]T, maxBatch*maxOut)
	m.dtemb = make([]T, maxBatch*tdim)
	return m
}

// Params returns every parameter: time embedding, then the blocks, named
// as the state_dict of BestMLP in bench/peers/fisherflow_toy.py
// ("time.weight", "blocks.0.weight", ...).
func (m *BestMLP[T]) Params() Params[T] {
	ps := m.Time.Params()
	for _, b := range m.Blocks {
		ps = append(ps, b.Params()...)
	}
	return ps
}

// Forward computes the network on batch rows of x (batch x In) at times t
// (batch) and returns the output (batch x In), a buffer owned by the
// network and valid until the next Forward.
func (m *BestMLP[T]) Forward(x, t []T, batch int) []T {
	if batch > m.maxBatch || len(x) != batch*m.In || len(t) != batch {
		panic(fmt.Sprintf("nn.BestMLP.Forward: batch %d (max %d), len(x)=%d (want %d), len(t)=%d", batch, m.maxBatch, len(x), batch*m.In, len(t)))
	}
	copy(m.t, t)
	temb := m.temb[:batch*m.TDim]
	m.Time.Forward(temb, t, batch)
	prev, pw := x, m.In
	for i, b := range m.Blocks {
		cat := m.cat[i][:batch*b.In]
		for r := 0; r < batch; r++ {
			copy(cat[r*b.In:], prev[r*pw:(r+1)*pw])
			copy(cat[r*b.In+pw:(r+1)*b.In], temb[r*m.TDim:(r+1)*m.TDim])
		}
		pre, h := m.pre[i][:batch*b.Out], m.h[i][:batch*b.Out]
		b.Forward(pre, cat, batch)
		if i < 3 {
			m.act.Forward(h, pre)
		} else {
			copy(h, pre)
		}
		if pw == b.Out {
			addTo(h, prev[:batch*pw])
		}
		prev, pw = h, b.Out
	}
	return prev
}

// Backward adds the parameter gradients of the last Forward for the
// output gradient dout (batch x In).
func (m *BestMLP[T]) Backward(dout []T, batch int) {
	// The output gradient dh lives in bufs[a]; the other buffer takes
	// the pre-activation gradient or the next dh, so that no product
	// writes what it reads.
	bufs := [2][]T{m.dh, m.dprev}
	a := 0
	dh := bufs[a][:batch*m.In]
	copy(dh, dout)
	dtemb := m.dtemb[:batch*m.TDim]
	clear(dtemb)
	for i := 3; i >= 0; i-- {
		b := m.Blocks[i]
		pw := b.In - m.TDim
		dpre := dh
		if i < 3 {
			dpre = bufs[1-a][:batch*b.Out]
			m.act.Backward(dpre, dh, m.pre[i][:batch*b.Out])
		}
		// The parameter gradients, then the input gradient in its two
		// parts: the time embedding's, added to dtemb, and (but for the
		// first block, whose input needs none) the previous output's,
		// plus dh where the residual adds the block's input to its
		// output.
		b.Backward(nil, dpre, m.cat[i][:batch*b.In], batch)
		b.InputGrad(dtemb, m.TDim, pw, b.In, dpre, batch, 1)
		if i == 0 {
			break
		}
		if i < 3 {
			// dh is read only as the residual's term: add to it in place.
			next, beta := bufs[a][:batch*pw], T(0)
			if pw == b.Out {
				beta = 1
			}
			b.InputGrad(next, pw, 0, pw, dpre, batch, beta)
			dh = next
			continue
		}
		next := bufs[1-a][:batch*pw] // dpre is dh itself
		b.InputGrad(next, pw, 0, pw, dpre, batch, 0)
		if pw == b.Out {
			addTo(next, dh)
		}
		dh, a = next, 1-a
	}
	m.Time.Backward(nil, dtemb, m.t[:batch], batch)
}
