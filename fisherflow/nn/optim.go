package nn

import (
	"math"
	"runtime"

	"github.com/fisherflow/fisherflow/internal/par"
	"github.com/fisherflow/fisherflow/kernels"
)

// AdamW is Adam with decoupled weight decay, as torch.optim.AdamW:
//
//	w *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
//	w -= (lr/(1-b1^t)) * m / (sqrt(v)/sqrt(1-b2^t) + eps),
//
// the last with one division (kernels.AdamW).
// Moments are kept in float64. Update runs on all cores (GOMAXPROCS):
// one step touches every parameter, gradient and moment, tens of
// megabytes for the toy network at K=160, and on one core it was a sixth
// of a training step.
type AdamW[T Float] struct {
	Beta1, Beta2, Eps, WeightDecay float64
	// Step is the number of updates done.
	Step int
	M, V [][]float64

	// The Update in progress, shared by its threads, and the segments of
	// the parameters that the threads take in turn.
	ps     Params[T]
	coeffs kernels.AdamWCoeffs
	segs   []adamSeg
	phase  par.Phase
}

// adamSeg is a range of one parameter's elements.
type adamSeg struct{ k, lo, hi int }

// adamSegLen is the length of a segment: large enough that taking one
// costs nothing, small enough that two threads share even a small network.
const adamSegLen = 1 << 14

// NewAdamW returns AdamW with PyTorch's defaults (0.9, 0.999, 1e-8) and
// the given weight decay, with moments for ps.
func NewAdamW[T Float](ps Params[T], weightDecay float64) *AdamW[T] {
	o := &AdamW[T]{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: weightDecay}
	for k, p := range ps {
		o.M = append(o.M, make([]float64, len(p.W)))
		o.V = append(o.V, make([]float64, len(p.W)))
		for lo := 0; lo < len(p.W); lo += adamSegLen {
			o.segs = append(o.segs, adamSeg{k, lo, min(lo+adamSegLen, len(p.W))})
		}
	}
	return o
}

// Update applies one step with learning rate lr to ps, the parameters the
// optimizer was made for.
func (o *AdamW[T]) Update(ps Params[T], lr float64) {
	o.Step++
	c1 := 1 - math.Pow(o.Beta1, float64(o.Step))
	c2 := 1 - math.Pow(o.Beta2, float64(o.Step))
	o.ps = ps
	o.coeffs = kernels.AdamWCoeffs{Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps,
		Decay: 1 - lr*o.WeightDecay, Step: lr / c1, BiasCorr2: math.Sqrt(c2)}
	par.For(runtime.GOMAXPROCS(0), len(o.segs), o, 0, &o.phase)
	o.ps = nil
}

// Work updates segments lo..hi (the par.Worker of Update).
func (o *AdamW[T]) Work(_, _, lo, hi int) {
	for _, sg := range o.segs[lo:hi] {
		p := o.ps[sg.k]
		kernels.AdamW(p.W[sg.lo:sg.hi], p.G[sg.lo:sg.hi], o.M[sg.k][sg.lo:sg.hi], o.V[sg.k][sg.lo:sg.hi], o.coeffs)
	}
}

// ClipGradNorm scales all gradients so that their global Euclidean norm is
// at most maxNorm (as torch.nn.utils.clip_grad_norm_) and returns the norm
// before clipping. Each parameter's norm comes from kernels.Norm2 (SIMD,
// no overflow; relative error below (n/2+2)u for n elements), and the
// per-parameter norms are combined in float64.
func ClipGradNorm[T Float](ps Params[T], maxNorm float64) float64 {
	var s float64
	for _, p := range ps {
		n := float64(kernels.Norm2(p.G))
		s += n * n
	}
	norm := math.Sqrt(s)
	if maxNorm > 0 && norm > maxNorm {
		f := T(maxNorm / (norm + 1e-6))
		for _, p := range ps {
			kernels.Scale(f, p.G)
		}
	}
	return norm
}

// Cosine is torch's CosineAnnealingLR: lr = min + (base-min)(1+cos(pi t/T))/2.
func Cosine(base, minLR float64, t, period int) float64 {
	if period <= 0 {
		return base
	}
	return minLR + (base-minLR)*(1+math.Cos(math.Pi*float64(t)/float64(period)))/2
}

// Plateau is torch's ReduceLROnPlateau in mode "min" with a relative
// threshold: after more than Patience evaluations without a relative
// improvement of Threshold, the rate is multiplied by Factor.
type Plateau struct {
	Factor, Threshold float64
	Patience          int
	LR, MinLR         float64
	// Best is the lowest loss seen, Bad the evaluations since it improved,
	// Started whether any loss was seen (the state a checkpoint keeps).
	Best    float64
	Bad     int
	Started bool
}

// NewPlateau returns a Plateau at rate lr with torch's defaults
// (threshold 1e-4) and the given factor and patience.
func NewPlateau(lr, factor float64, patience int) *Plateau {
	return &Plateau{Factor: factor, Threshold: 1e-4, Patience: patience, LR: lr}
}

// Observe records a validation loss and returns the learning rate to use.
func (p *Plateau) Observe(loss float64) float64 {
	if !p.Started || loss < p.Best*(1-p.Threshold) {
		p.Best, p.Bad, p.Started = loss, 0, true
		return p.LR
	}
	p.Bad++
	if p.Bad > p.Patience {
		p.LR = max(p.LR*p.Factor, p.MinLR)
		p.Bad = 0
	}
	return p.LR
}

// EMA keeps an exponential moving average of parameters:
// avg = decay*avg + (1-decay)*w.
type EMA[T Float] struct {
	Decay float64
	Avg   [][]T
}

// NewEMA starts an average at the current parameters.
func NewEMA[T Float](ps Params[T], decay float64) *EMA[T] {
	e := &EMA[T]{Decay: decay}
	for _, p := range ps {
		e.Avg = append(e.Avg, append([]T(nil), p.W...))
	}
	return e
}

// Update moves the average towards the parameters.
func (e *EMA[T]) Update(ps Params[T]) {
	for k, p := range ps {
		a := e.Avg[k]
		for i, w := range p.W {
			a[i] = T(e.Decay*float64(a[i]) + (1-e.Decay)*float64(w))
		}
	}
}

// Swap exchanges the averaged and the current parameters (call twice to
// restore).
func (e *EMA[T]) Swap(ps Params[T]) {
	for k, p := range ps {
		for i := range p.W {
			p.W[i], e.Avg[k][i] = e.Avg[k][i], p.W[i]
		}
	}
}
