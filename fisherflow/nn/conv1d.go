package nn

import (
	"fmt"
	"math"
	"math/rand/v2"

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
// two axes to exchange weights with it: Param.SwapLast, ToTorch).
//
// Forward and Backward are kernels.Conv1d and its two gradients: each a
// single blocked product over the whole batch whose packing gathers the
// taps from the sequences (no im2col buffer is made).
type Conv1d[T Float] struct {
	In, Out, Kernel, Dilation int
	Weight, Bias              *Param[T]
}

// NewConv1d returns a Conv1d initialised as PyTorch does:
// U(-1/sqrt(In*Kernel), 1/sqrt(In*Kernel)) for weights and biases. It
// panics if kernel is even or a size is not positive.
func NewConv1d[T Float](name string, in, out, kernel, dilation int, r *rand.Rand) *Conv1d[T] {
	if in <= 0 || out <= 0 || kernel <= 0 || kernel%2 == 0 || dilation <= 0 {
		panic(fmt.Sprintf("nn.NewConv1d: in %d, out %d, kernel %d (must be odd), dilation %d", in, out, kernel, dilation))
	}
	c := &Conv1d[T]{In: in, Out: out, Kernel: kernel, Dilation: dilation,
		Weight: newParam[T](name+".weight", out, kernel, in), Bias: newParam[T](name+".bias", out)}
	c.Weight.SwapLast = true
	initUniform(1/math.Sqrt(float64(in*kernel)), r, c.Weight, c.Bias)
	return c
}

// Params returns the weight and the bias.
func (c *Conv1d[T]) Params() Params[T] { return Params[T]{c.Weight, c.Bias} }

func (c *Conv1d[T]) check(fn string, ny, nx, batch, length int) {
	if batch < 0 || length <= 0 || nx != batch*length*c.In || ny != batch*length*c.Out {
		panic(fmt.Sprintf("nn.Conv1d.%s: %d -> %d channels, batch %d x length %d: got len(x)=%d, len(y or dy)=%d",
			fn, c.In, c.Out, batch, length, nx, ny))
	}
}

func (c *Conv1d[T]) shape(batch, length int) kernels.ConvShape {
	return kernels.ConvShape{Batch: batch, Length: length, In: c.In, Out: c.Out, Kernel: c.Kernel, Dilation: c.Dilation}
}

// Forward sets y (batch x length x Out) from x (batch x length x In).
func (c *Conv1d[T]) Forward(y, x []T, batch, length int) {
	c.check("Forward", len(y), len(x), batch, length)
	kernels.Conv1d(c.shape(batch, length), x, c.Weight.W, c.Bias.W, 0, y)
}

// Backward adds the weight and bias gradients for the output gradient dy
// and the input x of the forward pass and, if dx is not nil, sets dx
// (kernels.Conv1dBackwardFilter and Conv1dBackwardData). dx must not
// alias x or dy.
func (c *Conv1d[T]) Backward(dx, dy, x []T, batch, length int) {
	c.check("Backward", len(dy), len(x), batch, length)
	if dx != nil && len(dx) != len(x) {
		panic(fmt.Sprintf("nn.Conv1d.Backward: len(dx)=%d, len(x)=%d", len(dx), len(x)))
	}
	s := c.shape(batch, length)
	kernels.Conv1dBackwardFilter(s, x, dy, 1, c.Weight.G)
	kernels.ColumnSums(c.Bias.G, dy, 1)
	if dx != nil {
		kernels.Conv1dBackwardData(s, dy, c.Weight.W, 0, dx)
	}
}
