package nn

import "fmt"

// This file is the exchange of weights with PyTorch: every parameter is
// named by its key in the state_dict of the matching PyTorch module of
// bench/peers ("blocks.0.weight", "convs.3.bias", ...), and TorchShape,
// ToTorch and FromTorch convert between nn's layout and PyTorch's where
// they differ (Conv1d's weight, whose last two axes the convolution
// kernels want exchanged).

// TorchShape returns the shape of p's tensor in PyTorch's layout.
func (p *Param[T]) TorchShape() []int { return torchShape(p.Shape, p.SwapLast) }

func torchShape(shape []int, swap bool) []int {
	s := append([]int(nil), shape...)
	if swap {
		n := len(s)
		s[n-2], s[n-1] = s[n-1], s[n-2]
	}
	return s
}

// ToTorch returns w, values laid out as p's weights (p.W, or a copy such
// as an optimizer moment), in PyTorch's layout: w itself where the two
// agree, else a transposed copy.
func ToTorch[T, E Float](p *Param[T], w []E) []E {
	if !p.SwapLast {
		return w
	}
	out := make([]E, len(w))
	SwapLastAxes(out, w, p.Shape)
	return out
}

// FromTorch sets dst, laid out as p's weights, from src in PyTorch's
// layout (p.TorchShape()).
func FromTorch[T, E Float](p *Param[T], dst, src []E) {
	if len(dst) != len(p.W) || len(src) != len(p.W) {
		panic(fmt.Sprintf("nn.FromTorch: %s: len(dst)=%d, len(src)=%d, want %d", p.Name, len(dst), len(src), len(p.W)))
	}
	if !p.SwapLast {
		copy(dst, src)
		return
	}
	SwapLastAxes(dst, src, p.TorchShape())
}

// SwapLastAxes sets dst to src, an array of the given shape (two axes or
// more), with its last two axes exchanged.
func SwapLastAxes[E Float](dst, src []E, shape []int) {
	n := len(shape)
	r, c := shape[n-2], shape[n-1]
	for o := 0; o < len(src); o += r * c {
		a, b := src[o:o+r*c], dst[o:o+r*c]
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				b[j*r+i] = a[i*c+j]
			}
		}
	}
}

// Buffer is a tensor of a network that is not trained but belongs to its
// PyTorch state_dict (a registered buffer), such as ConvNet's Fourier
// frequencies. W is float64 whatever the network's precision: it is the
// network's own slice, so setting it changes the network.
type Buffer struct {
	Name  string
	Shape []int
	W     []float64
}

// Buffered is a network with buffers.
type Buffered interface{ Buffers() []Buffer }
