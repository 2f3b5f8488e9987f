package nn

import (
	"runtime"

	"github.com/fisherflow/fisherflow/internal/par"
	"github.com/fisherflow/fisherflow/kernels"
)

// Phases of egnnPar.
const (
	egnnSiLU     = iota // dst = silu(src)
	egnnSiLUGrad        // dst = silu(src), fac = silu'(src)
	egnnMul             // dst *= fac
)

// egnnPar runs the elementwise passes of the EGNN over the cores
// (internal/par), in blocks of siluBlock values with a sigmoid buffer
// per thread: over the edges they touch as many values as the products
// write, so running them on one core would leave the other idle for a
// large part of a step.
type egnnPar[T Float] struct {
	phase         par.Phase
	dst, fac, src []T
	sig, tmp      [][]T // per thread: siluBlock values each
	zero          []T   // siluBlock zeros (the unused term of kernels.ScaleShift)
}

// newEgnnPar returns an egnnPar for the machine's threads.
func newEgnnPar[T Float]() *egnnPar[T] {
	t := runtime.GOMAXPROCS(0)
	p := &egnnPar[T]{sig: make([][]T, t), tmp: make([][]T, t), zero: make([]T, siluBlock)}
	for i := range p.sig {
		p.sig[i], p.tmp[i] = make([]T, siluBlock), make([]T, siluBlock)
	}
	return p
}

// run runs a phase over len(dst) values.
func (p *egnnPar[T]) run(phase int, dst, fac, src []T) {
	p.dst, p.fac, p.src = dst, fac, src
	blocks := (len(dst) + siluBlock - 1) / siluBlock
	par.For(len(p.sig), blocks, p, phase, &p.phase)
	p.dst, p.fac, p.src = nil, nil, nil
}

// silu sets dst = src*sigmoid(src), as SiLU.Forward.
func (p *egnnPar[T]) silu(dst, src []T) { p.run(egnnSiLU, dst, nil, src) }

// siluGrad sets dst = silu(src) and fac = silu'(src) = s + src*s*(1-s),
// s = sigmoid(src): the activation for a weight gradient and the factor
// for the input gradient from one sigmoid, as SiLU.Backward.
func (p *egnnPar[T]) siluGrad(dst, fac, src []T) { p.run(egnnSiLUGrad, dst, fac, src) }

// mul sets dst *= fac.
func (p *egnnPar[T]) mul(dst, fac []T) { p.run(egnnMul, dst, fac, nil) }

// Work does blocks lo..hi of a phase, through the vector
// kernels.ScaleShift (dst = a*s + b*t + c): products and the derivative
// s + x s (1-s) = s (x (1-s) + 1) as FMAs.
func (p *egnnPar[T]) Work(phase, id, lo, hi int) {
	for blk := lo; blk < hi; blk++ {
		a, b := blk*siluBlock, min((blk+1)*siluBlock, len(p.dst))
		dst, zero := p.dst[a:b], p.zero[:b-a]
		if phase == egnnMul {
			kernels.ScaleShift(dst, dst, p.fac[a:b], zero, 0, 0)
			continue
		}
		src, s := p.src[a:b], p.sig[id][:b-a]
		kernels.Sigmoid(s, src)
		if phase == egnnSiLUGrad {
			t, fac := p.tmp[id][:b-a], p.fac[a:b]
			kernels.ScaleShift(t, zero, zero, s, -1, 1) // 1 - s
			kernels.ScaleShift(t, src, t, zero, 0, 1)   // x (1-s) + 1
			kernels.ScaleShift(fac, s, t, zero, 0, 0)
		}
		kernels.ScaleShift(dst, src, s, zero, 0, 0)
	}
}
