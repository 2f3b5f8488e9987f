package nn

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkConv1d times one forward and backward pass of the promoter
// model's convolution (256 -> 256 channels, kernel 9, length 1024) on a
// batch of 2 in float32, reporting GFLOP/s (2 * length * 9 * 256 * 256
// per sample for the forward pass, twice that for the backward pass).
func BenchmarkConv1d(b *testing.B) {
	const in, out, kernel, length, batch = 256, 256, 9, 1024, 2
	r := rand.New(rand.NewPCG(1, 2))
	for _, dil := range []int{1, 64} {
		b.Run(map[int]string{1: "dilation=1", 64: "dilation=64"}[dil], func(b *testing.B) {
			c := NewConv1d[float32]("conv", in, out, kernel, dil, r)
			x := make([]float32, batch*length*in)
			for i := range x {
				x[i] = float32(r.NormFloat64())
			}
			y := make([]float32, batch*length*out)
			dx := make([]float32, len(x))
			for b.Loop() {
				c.Forward(y, x, batch, length)
				c.Backward(dx, y, x, batch, length)
			}
			flops := 3 * 2.0 * batch * length * kernel * in * out
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
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
