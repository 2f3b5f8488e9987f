package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkConv1d times the forward and the backward pass (weight, bias
// and input gradients) of the promoter model's convolution (256 -> 256
// channels, kernel 9, length 1024) on a batch of 8 in float32, at
// dilations 1 and 64, reporting GFLOP/s (2 * length * 9 * 256 * 256 per
// sample forward, twice that backward, padding included).
func BenchmarkConv1d(b *testing.B) {
	const in, out, kernel, length, batch = 256, 256, 9, 1024, 8
	r := rand.New(rand.NewPCG(1, 2))
	for _, dil := range []int{1, 64} {
		c := NewConv1d[float32]("conv", in, out, kernel, dil, r)
		x := make([]float32, batch*length*in)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		y := make([]float32, batch*length*out)
		dx := make([]float32, len(x))
		flops := 2.0 * batch * length * kernel * in * out
		b.Run(fmt.Sprintf("forward/dilation=%d", dil), func(b *testing.B) {
			for b.Loop() {
				c.Forward(y, x, batch, length)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("backward/dilation=%d", dil), func(b *testing.B) {
			for b.Loop() {
				c.Backward(dx, y, x, batch, length)
			}
			b.ReportMetric(2*flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkPromoter times the forward and backward pass of the reference
// promoter ConvNet (length 1024, 256 channels, 20 blocks) on a batch of 2
// in float32, reporting sequences/s (issue 10's speed protocol, without
// the optimizer step).
func BenchmarkPromoter(b *testing.B) {
	const batch = 2
	r := rand.New(rand.NewPCG(3, 4))
	m := NewConvNet[float32](PromoterConfig(1024), batch, r)
	x := make([]float32, batch*m.Width())
	for i := range x {
		x[i] = float32(r.Float64())
	}
	t := []float32{0.3, 0.7}
	for b.Loop() {
		y := m.Forward(x, t, batch)
		m.Backward(y, batch)
	}
	b.ReportMetric(batch*float64(b.N)/b.Elapsed().Seconds(), "seqs/s")
}

// BenchmarkLayerNorm times the enhancer's LayerNorm (128 channels) over a
// batch of 32 sequences of 500 positions in float32, forward and backward,
// reporting GB/s of x read.
func BenchmarkLayerNorm(b *testing.B) {
	const c, rows = 128, 32 * 500
	l := NewLayerNorm[float32]("norm", c)
	l.Plan(rows)
	r := rand.New(rand.NewPCG(5, 6))
	x, y, dx := make([]float32, rows*c), make([]float32, rows*c), make([]float32, rows*c)
	for i := range x {
		x[i] = float32(r.NormFloat64()) + 3
	}
	b.Run("forward", func(b *testing.B) {
		b.SetBytes(rows * c * 4)
		for b.Loop() {
			l.Forward(y, x)
		}
	})
	b.Run("backward", func(b *testing.B) {
		b.SetBytes(rows * c * 4)
		for b.Loop() {
			l.Backward(dx, y, x)
		}
	})
}
