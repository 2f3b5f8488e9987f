package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// GaussianFourier is the Gaussian Fourier time embedding of score-based
// models (GaussianFourierProjection in the Fisher-Flow reference): fixed
// frequencies W ~ N(0, Scale^2), Dim/2 of them, and
//
//	y = [sin(2 pi t W), cos(2 pi t W)]
//
// per row. W is not trained (requires_grad=False in the reference), so the
// layer has no Params; a network that uses it must keep W with its
// weights (it is drawn from the network's seed).
type GaussianFourier[T Float] struct {
	Dim   int
	Scale float64
	W     []float64
}

// NewGaussianFourier draws the Dim/2 frequencies (Dim even) from r.
func NewGaussianFourier[T Float](dim int, scale float64, r *rand.Rand) *GaussianFourier[T] {
	if dim <= 0 || dim%2 != 0 {
		panic(fmt.Sprintf("nn.NewGaussianFourier: dimension %d is not a positive even number", dim))
	}
	g := &GaussianFourier[T]{Dim: dim, Scale: scale, W: make([]float64, dim/2)}
	for i := range g.W {
		g.W[i] = r.NormFloat64() * scale
	}
	return g
}

// Forward sets y (len(t) x Dim) from the times t. The phase 2 pi t W is
// formed in float64: with Scale 30 it reaches hundreds of radians, where
// float32 would lose three digits of the angle.
func (g *GaussianFourier[T]) Forward(y, t []T) {
	if len(y) != len(t)*g.Dim {
		panic(fmt.Sprintf("nn.GaussianFourier.Forward: len(y)=%d for %d times of dimension %d", len(y), len(t), g.Dim))
	}
	h := g.Dim / 2
	for r, tv := range t {
		row := y[r*g.Dim : (r+1)*g.Dim]
		for j, w := range g.W {
			s, c := math.Sincos(2 * math.Pi * float64(tv) * w)
			row[j], row[h+j] = T(s), T(c)
		}
	}
}

// Backward sets dt, the gradient with respect to the times, from dy:
// dt = sum_j 2 pi W_j (dy_sin_j cos - dy_cos_j sin).
func (g *GaussianFourier[T]) Backward(dt, dy, t []T) {
	if len(dy) != len(t)*g.Dim || len(dt) != len(t) {
		panic(fmt.Sprintf("nn.GaussianFourier.Backward: len(dy)=%d, len(dt)=%d for %d times of dimension %d", len(dy), len(dt), len(t), g.Dim))
	}
	h := g.Dim / 2
	for r, tv := range t {
		row := dy[r*g.Dim : (r+1)*g.Dim]
		var s float64
		for j, w := range g.W {
			f := 2 * math.Pi * w
			sn, cs := math.Sincos(f * float64(tv))
			s += f * (float64(row[j])*cs - float64(row[h+j])*sn)
		}
		dt[r] = T(s)
	}
}
