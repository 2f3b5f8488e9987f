// Package nn holds the neural-network layers of fisherflow, written by hand
// in the style of llm.c: each layer is a forward/backward pair over
// row-major buffers that the caller plans once, so a training step
// allocates nothing. Matrix products go through kernels.Gemm. Every
// backward pass is checked against finite differences in float64.
//
// Conventions: a batch of B rows of width n is a []T of length B*n.
// Backward functions add parameter gradients into the layer's gradient
// buffers (so they accumulate until Params.ZeroGrad) and write (not add)
// input gradients.
//
// Where things are:
//
//   - nn.go: Float, Param and Params, Linear, the activations (LeakyReLU,
//     SiLU, GELU) and LayerNorm.
//   - mlp.go: the Network interface of the vector fields, and MLP (the
//     smiley network); bestmlp.go: BestMLP (the toy network).
//   - convnet.go: ConvNet, the promoter and enhancer networks
//     (PromoterConfig, EnhancerConfig), built of conv1d.go's Conv1d,
//     groupnorm.go's GroupNorm and fourier.go's GaussianFourier time
//     embedding.
//   - classifier.go: Classifier and CrossEntropy, the FBD classifier.
//   - optim.go: AdamW, ClipGradNorm, the Cosine and Plateau schedules, EMA.
package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"unsafe"

	"github.com/fisherflow/fisherflow/kernels"
)

// Float is the element type of the networks.
type Float interface{ ~float32 | ~float64 }

// Param is one named parameter tensor with its gradient. Name is the
// tensor's key in the state_dict of the PyTorch module of the same
// network (torch.go).
type Param[T Float] struct {
	Name  string
	Shape []int // the shape of W and G as nn lays them out
	W, G  []T
	// SwapLast says that PyTorch's tensor has the last two axes of Shape
	// exchanged (Conv1d's weight: Out x Kernel x In here, Out x In x
	// Kernel in PyTorch).
	SwapLast bool
}

// Params is the set of parameters of a network, in a fixed order.
type Params[T Float] []*Param[T]

// ZeroGrad clears every gradient.
func (ps Params[T]) ZeroGrad() {
	for _, p := range ps {
		clear(p.G)
	}
}

// Count returns the number of scalars.
func (ps Params[T]) Count() int {
	n := 0
	for _, p := range ps {
		n += len(p.W)
	}
	return n
}

// newParam allocates a parameter of the given shape.
func newParam[T Float](name string, shape ...int) *Param[T] {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return &Param[T]{Name: name, Shape: shape, W: make([]T, n), G: make([]T, n)}
}

// Linear is y = x W^T + b with W of shape Out x In (PyTorch's layout).
type Linear[T Float] struct {
	In, Out int
	Weight  *Param[T]
	Bias    *Param[T]
}

// NewLinear returns a Linear layer initialised as PyTorch does:
// U(-1/sqrt(In), 1/sqrt(In)) for weights and biases.
func NewLinear[T Float](name string, in, out int, r *rand.Rand) *Linear[T] {
	l := &Linear[T]{In: in, Out: out, Weight: newParam[T](name+".weight", out, in), Bias: newParam[T](name+".bias", out)}
	initUniform(1/math.Sqrt(float64(in)), r, l.Weight, l.Bias)
	return l
}

// initUniform fills the parameters, in order, with draws from
// U(-bound, bound): PyTorch's default initialisation of linear and
// convolution layers, with bound = 1/sqrt(fan in).
func initUniform[T Float](bound float64, r *rand.Rand, ps ...*Param[T]) {
	for _, p := range ps {
		for i := range p.W {
			p.W[i] = T((2*r.Float64() - 1) * bound)
		}
	}
}

// Params returns the weight and the bias.
func (l *Linear[T]) Params() Params[T] { return Params[T]{l.Weight, l.Bias} }

// Forward sets y (B x Out) = x (B x In) W^T + b.
func (l *Linear[T]) Forward(y, x []T, batch int) {
	l.check("Forward", len(y), len(x), batch)
	fillRows(y, l.Bias.W)
	kernels.Gemm(false, true, batch, l.Out, l.In, 1, x, l.In, l.Weight.W, l.In, 1, y, l.Out)
}

// fillRows sets every len(row)-long row of dst to row (a bias broadcast
// before a GEMM with beta = 1).
func fillRows[T Float](dst, row []T) {
	for r := 0; r < len(dst); r += len(row) {
		copy(dst[r:r+len(row)], row)
	}
}

// Backward adds dL/dW = dy^T x and dL/db = sum of dy rows to the gradients
// and, if dx is not nil, sets dx = dy W.
func (l *Linear[T]) Backward(dx, dy, x []T, batch int) {
	l.check("Backward", len(dy), len(x), batch)
	kernels.Gemm(true, false, l.Out, l.In, batch, 1, dy, l.Out, x, l.In, 1, l.Weight.G, l.In)
	kernels.ColumnSums(l.Bias.G, dy, 1)
	if dx != nil {
		kernels.Gemm(false, false, batch, l.In, l.Out, 1, dy, l.Out, l.Weight.W, l.In, 0, dx, l.In)
	}
}

// InputGrad sets dx = dy W[:, lo:hi] + beta*dx, for dx of batch rows of
// hi-lo values at a row stride of ldx: the columns lo..hi of Backward's
// dx, without the others (the gradient of one part of a concatenated
// input, such as a time embedding, when the rest is not needed).
func (l *Linear[T]) InputGrad(dx []T, ldx, lo, hi int, dy []T, batch int, beta T) {
	if lo < 0 || hi > l.In || lo >= hi || len(dy) != batch*l.Out {
		panic(fmt.Sprintf("nn.Linear.InputGrad: columns [%d, %d) of %d, len(dy)=%d for batch %d x %d", lo, hi, l.In, len(dy), batch, l.Out))
	}
	kernels.Gemm(false, false, batch, hi-lo, l.Out, 1, dy, l.Out, l.Weight.W[lo:], l.In, beta, dx, ldx)
}

func (l *Linear[T]) check(fn string, ny, nx, batch int) {
	if ny != batch*l.Out || nx != batch*l.In {
		panic(fmt.Sprintf("nn.Linear.%s: %d x %d layer, batch %d: got len(y or dy)=%d, len(x)=%d", fn, l.In, l.Out, batch, ny, nx))
	}
}

// LeakyReLU is x for x >= 0 and slope*x for x < 0.
type LeakyReLU[T Float] struct{ Slope T }

// Forward sets y = leaky(x); y may alias x.
func (a LeakyReLU[T]) Forward(y, x []T) { kernels.ScaleNeg(y, x, x, a.Slope) }

// Backward sets dx = dy * leaky'(x) from the layer's input x; dx may alias
// dy.
func (a LeakyReLU[T]) Backward(dx, dy, x []T) { kernels.ScaleNeg(dx, dy, x, a.Slope) }

// SiLU is x * sigmoid(x) (swish). It keeps a small scratch buffer for
// the sigmoids, allocated at first use: use one SiLU per goroutine.
type SiLU[T Float] struct{ e []T }

// siluBlock is how many values SiLU takes the sigmoid of at a time
// (through the vector kernels.Sigmoid).
const siluBlock = 512

func (s *SiLU[T]) scratch() []T {
	if s.e == nil {
		s.e = make([]T, siluBlock)
	}
	return s.e
}

// Forward sets y = x*sigmoid(x); y may alias x. The sigmoid is
// kernels.Sigmoid in T (below 3 ULP), so y is within 4 ULP of T of the
// exact value wherever the sigmoid is a normal number (x > -87 in
// float32, TestSiLUFloat32); for large |x| it is x or tends to -0, never
// NaN. The vector sigmoid replaces an exponential and a scalar division
// per value, which cost twice as much.
func (s *SiLU[T]) Forward(y, x []T) {
	e := s.scratch()
	for lo := 0; lo < len(x); lo += siluBlock {
		xs := x[lo:min(lo+siluBlock, len(x))]
		ys, es := y[lo:lo+len(xs)], e[:len(xs)]
		kernels.Sigmoid(es, xs)
		for i, v := range xs {
			ys[i] = v * es[i]
		}
	}
}

// Backward sets dx = dy * (s + x s (1-s)), s = sigmoid(x) (kernels.Sigmoid
// in T, as Forward).
func (s *SiLU[T]) Backward(dx, dy, x []T) {
	e := s.scratch()
	for lo := 0; lo < len(x); lo += siluBlock {
		xs := x[lo:min(lo+siluBlock, len(x))]
		dxs, dys, es := dx[lo:lo+len(xs)], dy[lo:lo+len(xs)], e[:len(xs)]
		kernels.Sigmoid(es, xs)
		for i, v := range xs {
			s := es[i]
			dxs[i] = dys[i] * (s + v*s*(1-s))
		}
	}
}

// GELU is the exact x * Phi(x) (PyTorch's default), Phi the standard
// normal distribution function, Phi(x) = erfc(-x/sqrt2)/2 (not (1 +
// erf(x/sqrt2))/2, which cancels to 0 below x = -6). In float64 it uses
// math.Erfc; in float32 it evaluates Phi in float64 by Numerical Recipes'
// erfc (Press et al., 2nd ed., section 6.2: erfc(z) = t exp(-z^2 + P(t)),
// t = 1/(1 + z/2), relative error below 1.2e-7 for every z >= 0), with
// the exponentials from the vector kernels.Exp, geluBlock values at a
// time: y is within 3 float32 ULP of the exact value (TestGELUFloat32),
// and a few times faster than through math.Erf, which showed in the
// promoter model's training step. It keeps a small scratch buffer,
// allocated at first use: use one GELU per goroutine.
type GELU[T Float] struct{ s []float64 }

// geluBlock is how many values the float32 GELU exponentiates at a time.
const geluBlock = 256

// phi returns Phi(x[i]) and, with density, phi(x[i]) (the normal
// density), for len(x) <= geluBlock values, in the scratch buffer.
func (g *GELU[T]) phi(x []T, density bool) (cdf, pdf []float64) {
	if g.s == nil {
		g.s = make([]float64, 4*geluBlock)
	}
	n := len(x)
	t, e := g.s[:n], g.s[geluBlock:][:2*n]
	cdf, pdf = g.s[3*geluBlock:][:n], e[n:]
	for i, v := range x {
		z := math.Abs(float64(v)) * (1 / math.Sqrt2)
		ti := 1 / (1 + 0.5*z)
		// P(t) by Estrin's scheme: a shorter dependency chain than
		// Horner's, which left the loop waiting on latency.
		t2 := ti * ti
		t4 := t2 * t2
		p := (-1.26551223 + 1.00002368*ti) + t2*(0.37409196+0.09678418*ti) +
			t4*((-0.18628806+0.27886807*ti)+t2*(-1.13520398+1.48851587*ti)) +
			t4*t4*(-0.82215223+0.17087277*ti)
		t[i] = ti
		zz := z * z
		e[i] = p - zz
		if density {
			e[n+i] = -zz // -x^2/2, for the density
		}
	}
	if !density {
		e = e[:n]
	}
	kernels.Exp(e, e)
	for i, v := range x {
		c := 0.5 * t[i] * e[i] // erfc(|x|/sqrt2) / 2
		if v >= 0 {
			c = 1 - c
		}
		cdf[i] = c
	}
	if density {
		for i := range pdf {
			pdf[i] /= math.Sqrt(2 * math.Pi)
		}
	}
	return cdf, pdf
}

// Forward sets y = x Phi(x); y may alias x.
func (g *GELU[T]) Forward(y, x []T) {
	if !is32[T]() {
		for i, v := range x {
			f := float64(v)
			y[i] = T(0.5 * f * math.Erfc(-f/math.Sqrt2))
		}
		return
	}
	for lo := 0; lo < len(x); lo += geluBlock {
		xs := x[lo:min(lo+geluBlock, len(x))]
		cdf, _ := g.phi(xs, false)
		for i, v := range xs {
			y[lo+i] = T(float64(v) * cdf[i])
		}
	}
}

// Backward sets dx = dy * (Phi(x) + x phi(x)).
func (g *GELU[T]) Backward(dx, dy, x []T) {
	if !is32[T]() {
		for i, v := range x {
			f := float64(v)
			cdf := 0.5 * math.Erfc(-f/math.Sqrt2)
			pdf := math.Exp(-0.5*f*f) / math.Sqrt(2*math.Pi)
			dx[i] = T(float64(dy[i]) * (cdf + f*pdf))
		}
		return
	}
	for lo := 0; lo < len(x); lo += geluBlock {
		xs := x[lo:min(lo+geluBlock, len(x))]
		cdf, pdf := g.phi(xs, true)
		for i, v := range xs {
			dx[lo+i] = T(float64(dy[lo+i]) * (cdf[i] + float64(v)*pdf[i]))
		}
	}
}

// is32 reports whether T is a float32 type.
func is32[T Float]() bool {
	var z T
	return unsafe.Sizeof(z) == 4
}

// LayerNorm normalises each row of width N to zero mean and unit variance
// (biased, eps 1e-5 as in PyTorch), then scales and shifts per column.
type LayerNorm[T Float] struct {
	N           int
	Eps         float64
	Gain, Shift *Param[T]
	// mean and rstd of the last Forward, per row (planned by Plan).
	mean, rstd []float64
	zero       []T // N zeros (the unused product of kernels.ScaleShift)
	// scratch holds the backward pass's rows (*lnScratch[T]), one per
	// concurrent call.
	scratch sync.Pool
}

// NewLayerNorm returns a LayerNorm with gain 1 and shift 0.
func NewLayerNorm[T Float](name string, n int) *LayerNorm[T] {
	l := &LayerNorm[T]{N: n, Eps: 1e-5, Gain: newParam[T](name+".weight", n), Shift: newParam[T](name+".bias", n)}
	for i := range l.Gain.W {
		l.Gain.W[i] = 1
	}
	return l
}

// Params returns the gain and the shift.
func (l *LayerNorm[T]) Params() Params[T] { return Params[T]{l.Gain, l.Shift} }

// Plan sizes the per-row statistics for batches up to rows.
func (l *LayerNorm[T]) Plan(rows int) {
	l.mean, l.rstd, l.zero = make([]float64, rows), make([]float64, rows), make([]T, l.N)
}

// Forward normalises each row of x into y (y may alias x).
func (l *LayerNorm[T]) Forward(y, x []T) {
	rows := len(x) / l.N
	if len(l.mean) < rows {
		l.Plan(rows)
	}
	l.forwardRows(y, x, 0, rows)
}

// forwardRows is Forward for rows lo..hi of y and x, planned for them:
// calls on disjoint rows may run concurrently. The moments take one pass
// in float64 around the row's first value (kernels.Moments); the
// normalisation runs in T as two FMAs a value (kernels.ScaleShift):
// xhat = x*rstd + (-mean*rstd), then y = xhat*gain + shift, as GroupNorm
// and PyTorch's CPU kernels normalise in the data's precision.
func (l *LayerNorm[T]) forwardRows(y, x []T, lo, hi int) {
	n := float64(l.N)
	for r := lo; r < hi; r++ {
		xr, yr := x[r*l.N:(r+1)*l.N], y[r*l.N:(r+1)*l.N]
		x0 := float64(xr[0])
		s1, s2 := kernels.Moments(xr, x0)
		m, rs := meanRstd(x0, s1, s2, n, l.Eps)
		l.mean[r], l.rstd[r] = m, rs
		kernels.ScaleShift(yr, l.zero, l.zero, xr, T(rs), T(-m*rs))
		kernels.ScaleShift(yr, yr, l.Gain.W, l.Shift.W, 1, 0)
	}
}

// Backward adds the gain and shift gradients and sets dx from dy and the
// x of the last Forward (dx may alias dy).
func (l *LayerNorm[T]) Backward(dx, dy, x []T) {
	l.backwardRows(dx, dy, x, 0, len(x)/l.N, l.Gain.G, l.Shift.G)
}

// backwardRows is Backward for rows lo..hi, adding the gain and shift
// gradients into gainGrad and shiftGrad (N each): calls on disjoint rows
// with their own gradient buffers may run concurrently. A row takes the
// vector kernels, in T as the forward pass: xhat = x*rstd - mean*rstd,
// g = dy*gain, their sums sum(g) and sum(g*xhat), then
//
//	dx = rstd*(g - mean(g) - xhat*mean(g*xhat))
//	   = (dy*rstd)*gain + (xhat*(-rstd*mean(g*xhat)) - rstd*mean(g)),
//
// two FMAs a value (kernels.ScaleShift); the gain and shift gradients,
// sums over the rows of dy*xhat and dy, accumulate in float64
// (kernels.AddColumnMoments) and are added once.
func (l *LayerNorm[T]) backwardRows(dx, dy, x []T, lo, hi int, gainGrad, shiftGrad []T) {
	n := float64(l.N)
	sc, _ := l.scratch.Get().(*lnScratch[T])
	if sc == nil {
		sc = new(lnScratch[T])
	}
	defer l.scratch.Put(sc)
	sc.size(l.N)
	xh, g, t, zero := sc.xh, sc.g, sc.t, l.zero[:l.N]
	clear(sc.shift)
	clear(sc.gain)
	for r := lo; r < hi; r++ {
		xr, dyr, dxr := x[r*l.N:(r+1)*l.N], dy[r*l.N:(r+1)*l.N], dx[r*l.N:(r+1)*l.N]
		m, rs := l.mean[r], l.rstd[r]
		kernels.ScaleShift(xh, zero, zero, xr, T(rs), T(-m*rs))
		kernels.ScaleShift(g, dyr, l.Gain.W, zero, 0, 0)
		kernels.ScaleShift(t, zero, zero, dyr, T(rs), 0)
		kernels.AddColumnMoments(sc.shift, sc.gain, dyr, xh, 0)
		mg, mgx := float64(kernels.Sum(g))/n, float64(kernels.Dot(g, xh))/n
		kernels.ScaleShift(dxr, t, l.Gain.W, xh, T(-rs*mgx), T(-rs*mg))
	}
	for i := range gainGrad {
		gainGrad[i] += T(sc.gain[i])
		shiftGrad[i] += T(sc.shift[i])
	}
}

// lnScratch is the per-call scratch of LayerNorm.backwardRows: three rows
// of T and two float64 column sums.
type lnScratch[T Float] struct {
	xh, g, t    []T
	gain, shift []float64
}

// size makes the rows n long.
func (s *lnScratch[T]) size(n int) {
	if len(s.xh) != n {
		s.xh, s.g, s.t = make([]T, n), make([]T, n), make([]T, n)
		s.gain, s.shift = make([]float64, n), make([]float64, n)
	}
}

// addTo adds x to y.
func addTo[T Float](y, x []T) { kernels.Axpy(1, x, y) }
