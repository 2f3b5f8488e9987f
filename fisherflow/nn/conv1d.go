package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/fisherflow/fisherflow/internal/par"
	"github.com/fisherflow/fisherflow/kernels"
)

// Conv1d is a 1-d convolution with "same" padding over sequences laid out
// channels-last (batch x length x channels, as GroupNorm), as
// torch.nn.Conv1d(In, Out, Kernel, dilation=Dilation,
// padding=Dilation*(Kernel-1)/2) computes it on the transposed layout:
//
//	y[b, l, o] = bias[o] + sum_{k, c} W[o, k, c] * x[b, l + (k - (Kernel-1)/2)*Dilation, c],
//
// with x = 0 outside 0..length-1. Kernel is odd. The weight is stored
// Out x Kernel x In (PyTorch stores Out x In x Kernel; transpose the last
// two axes to exchange weights with it).
//
// Backward, and Forward on small layers, run chunks of samples through an
// im2col buffer (samples x length x Kernel*In) and one kernels.Gemm per
// chunk. A chunk holds as many samples as fit in colBudget values, and at
// least one: a single sample for the promoter model (1024 x 9 x 256
// values, 9.4 MB in float32), the whole batch for small models, whose
// per-sample products would be too small to keep the GEMM's threads busy.
// Forward on large layers (see tapsMin) skips the im2col copy: it adds
// one product per tap and sample, straight from the rows of x.
type Conv1d[T Float] struct {
	In, Out, Kernel, Dilation int
	Weight, Bias              *Param[T]
	// col is the im2col buffer of one chunk, grown on demand; the
	// convolutions of a network share one (ShareScratch).
	col *[]T

	// The im2col or col2im phase in progress, which the threads share:
	// the chunk's columns, its input (im2col) or input gradient
	// (col2im) and the length of its samples.
	pc     []T
	px     []T
	plen   int
	pphase par.Phase

	// forward is how Forward computes (tests force each way).
	forward int
}

// The ways of Forward.
const (
	forwardAuto   = iota // by tapsMin
	forwardIm2col        // im2col and one product per chunk
	forwardTaps          // one product per tap and sample
)

// tapsMin is the size of a tap's product per sample (length x In x Out
// multiply-adds) from which Forward multiplies each tap's rows of x in
// place (forwardTaps) rather than copying them into the im2col buffer:
// the copy, 9.4 MB per sample of the promoter model, costs more than the
// products of one Kernel*In-deep GEMM save over Kernel In-deep ones. On
// Zen 5, two threads, float32, batch 8, the promoter's 1024 x 256 x 256
// (2^26) took 33 ms by taps against 38-40 by im2col (dilation 1) and 30
// against 36-37 (dilation 16); the enhancer's 500 x 128 x 128 (2^23, batch
// 32) 24-29 against 20-22.
const tapsMin = 1 << 25

// The phases of Work.
const (
	phaseIm2col = iota
	phaseCol2im
)

// Work runs rows lo..hi (positions of the chunk's samples, one after
// another) of an im2col or col2im phase (the par.Worker of Forward and
// Backward).
func (c *Conv1d[T]) Work(phase, _, lo, hi int) {
	kin, half, length := c.Kernel*c.In, (c.Kernel-1)/2, c.plen
	for r := lo; r < hi; r++ {
		b, l := r/length, r%length
		xs := c.px[b*length*c.In : (b+1)*length*c.In]
		row := c.pc[r*kin : (r+1)*kin]
		switch phase {
		case phaseIm2col:
			// Row l holds, for each tap k, the In channels at position
			// l + (k - half)*Dilation, or zeros outside the sequence.
			for k := 0; k < c.Kernel; k++ {
				dst := row[k*c.In : (k+1)*c.In]
				if p := l + (k-half)*c.Dilation; p >= 0 && p < length {
					copy(dst, xs[p*c.In:(p+1)*c.In])
				} else {
					clear(dst)
				}
			}
		case phaseCol2im:
			// dx at position l sums, over the taps k, the column rows
			// p = l - (k - half)*Dilation; k runs down so that the terms
			// come in the order of p, as a scatter over p would add them.
			dst := xs[l*c.In : (l+1)*c.In]
			clear(dst)
			for k := c.Kernel - 1; k >= 0; k-- {
				if p := l - (k-half)*c.Dilation; p >= 0 && p < length {
					src := c.pc[(b*length+p)*kin+k*c.In:][:c.In]
					kernels.Axpy(1, src, dst)
				}
			}
		}
	}
}

// rows runs phase over the rows of nb samples of length positions, with
// the columns col and the samples' input or input gradient x, on all
// cores.
func (c *Conv1d[T]) rows(phase int, col, x []T, nb, length int) {
	c.pc, c.px, c.plen = col, x, length
	par.For(runtime.GOMAXPROCS(0), nb*length, c, phase, &c.pphase)
	c.pc, c.px = nil, nil
}

// ShareScratch makes c use the im2col buffer of other, so that the
// convolutions of a network, which run one after another, hold one
// buffer between them. c and other must not run concurrently.
func (c *Conv1d[T]) ShareScratch(other *Conv1d[T]) { c.col = other.col }

// colBudget is the im2col buffer's size, in values, beyond which a chunk
// holds a single sample.
const colBudget = 1 << 21

// chunk returns how many samples of length positions go through the
// im2col buffer together, for a batch of batch samples.
func (c *Conv1d[T]) chunk(batch, length int) int {
	return max(1, min(batch, colBudget/(length*c.Kernel*c.In)))
}

// NewConv1d returns a Conv1d initialised as PyTorch does:
// U(-1/sqrt(In*Kernel), 1/sqrt(In*Kernel)) for weights and biases. It
// panics if kernel is even or a size is not positive.
func NewConv1d[T Float](name string, in, out, kernel, dilation int, r *rand.Rand) *Conv1d[T] {
	if in <= 0 || out <= 0 || kernel <= 0 || kernel%2 == 0 || dilation <= 0 {
		panic(fmt.Sprintf("nn.NewConv1d: in %d, out %d, kernel %d (must be odd), dilation %d", in, out, kernel, dilation))
	}
	c := &Conv1d[T]{In: in, Out: out, Kernel: kernel, Dilation: dilation,
		Weight: newParam[T](name+".weight", out, kernel, in), Bias: newParam[T](name+".bias", out), col: new([]T)}
	initUniform(1/math.Sqrt(float64(in*kernel)), r, c.Weight, c.Bias)
	return c
}

// Params returns the weight and the bias.
func (c *Conv1d[T]) Params() Params[T] { return Params[T]{c.Weight, c.Bias} }

// Plan sizes the im2col buffer for batches of up to batch sequences of up
// to length positions.
func (c *Conv1d[T]) Plan(batch, length int) {
	if n := c.chunk(batch, length) * length * c.Kernel * c.In; len(*c.col) < n {
		*c.col = make([]T, n)
	}
}

func (c *Conv1d[T]) check(fn string, ny, nx, batch, length int) {
	if batch < 0 || length <= 0 || nx != batch*length*c.In || ny != batch*length*c.Out {
		panic(fmt.Sprintf("nn.Conv1d.%s: %d -> %d channels, batch %d x length %d: got len(x)=%d, len(y or dy)=%d",
			fn, c.In, c.Out, batch, length, nx, ny))
	}
}

// Forward sets y (batch x length x Out) from x (batch x length x In).
func (c *Conv1d[T]) Forward(y, x []T, batch, length int) {
	c.check("Forward", len(y), len(x), batch, length)
	if c.forward == forwardTaps || (c.forward == forwardAuto && length*c.In*c.Out >= tapsMin) {
		c.forwardTaps(y, x, batch, length)
		return
	}
	c.Plan(batch, length)
	kin, per := c.Kernel*c.In, c.chunk(batch, length)
	for b0 := 0; b0 < batch; b0 += per {
		nb := min(per, batch-b0)
		rows := nb * length
		col := (*c.col)[:rows*kin]
		c.rows(phaseIm2col, col, x[b0*length*c.In:(b0+nb)*length*c.In], nb, length)
		ys := y[b0*length*c.Out : (b0+nb)*length*c.Out]
		fillRows(ys, c.Bias.W)
		kernels.Gemm(false, true, rows, c.Out, kin, 1, col, kin, c.Weight.W, kin, 1, ys, c.Out)
	}
}

// forwardTaps is Forward as a sum of products, one per tap k and sample:
//
//	y[l] += x[l + off_k] W_k^T,  off_k = (k - (Kernel-1)/2)*Dilation,
//
// over the rows l with l + off_k inside the sample, W_k the Out x In
// slice of the weight for tap k.
func (c *Conv1d[T]) forwardTaps(y, x []T, batch, length int) {
	kin := c.Kernel * c.In
	for b := 0; b < batch; b++ {
		xs := x[b*length*c.In : (b+1)*length*c.In]
		ys := y[b*length*c.Out : (b+1)*length*c.Out]
		fillRows(ys, c.Bias.W)
		for k := 0; k < c.Kernel; k++ {
			off := (k - (c.Kernel-1)/2) * c.Dilation
			lo, hi := max(0, -off), min(length, length-off)
			if lo >= hi {
				continue // the tap reads only padding
			}
			kernels.Gemm(false, true, hi-lo, c.Out, c.In, 1, xs[(lo+off)*c.In:], c.In,
				c.Weight.W[k*c.In:], kin, 1, ys[lo*c.Out:], c.Out)
		}
	}
}

// Backward adds the weight and bias gradients for the output gradient dy
// and the input x of the forward pass and, if dx is not nil, sets dx:
//
//	dW += dy^T col, db += sum of dy rows, dcol = dy W, dx = col2im(dcol).
//
// dx must not alias x or dy.
func (c *Conv1d[T]) Backward(dx, dy, x []T, batch, length int) {
	c.check("Backward", len(dy), len(x), batch, length)
	if dx != nil && len(dx) != len(x) {
		panic(fmt.Sprintf("nn.Conv1d.Backward: len(dx)=%d, len(x)=%d", len(dx), len(x)))
	}
	c.Plan(batch, length)
	kin, per := c.Kernel*c.In, c.chunk(batch, length)
	for b0 := 0; b0 < batch; b0 += per {
		nb := min(per, batch-b0)
		rows := nb * length
		col := (*c.col)[:rows*kin]
		dys := dy[b0*length*c.Out : (b0+nb)*length*c.Out]
		c.rows(phaseIm2col, col, x[b0*length*c.In:(b0+nb)*length*c.In], nb, length)
		kernels.Gemm(true, false, c.Out, kin, rows, 1, dys, c.Out, col, kin, 1, c.Weight.G, kin)
		for l := 0; l < rows; l++ {
			kernels.Axpy(1, dys[l*c.Out:(l+1)*c.Out], c.Bias.G)
		}
		if dx == nil {
			continue
		}
		// dcol reuses the col buffer: x's columns are not needed again.
		kernels.Gemm(false, false, rows, kin, c.Out, 1, dys, c.Out, c.Weight.W, kin, 0, col, kin)
		c.rows(phaseCol2im, col, dx[b0*length*c.In:(b0+nb)*length*c.In], nb, length)
	}
}
