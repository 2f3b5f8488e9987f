package nn

import (
	"fmt"
	"math"

	"github.com/fisherflow/fisherflow/kernels"
)

// GroupNorm is torch.nn.GroupNorm(Groups, Channels) for inputs laid out
// channels-last, batch x length x channels (a 1-d sequence of Length
// positions per sample; length 1 for a plain batch of vectors): the
// channels split into Groups equal groups, each group of each sample is
// normalised over its positions and channels to zero mean and unit
// variance (biased, eps 1e-5), then each channel is scaled and shifted.
// GroupNorm(1, C) normalises a whole sample, as the promoter model does.
// Statistics are computed in float64; the normalisation and the input
// gradient run in T as a per-channel scale and offset (as PyTorch's
// CPU GroupNorm does).
type GroupNorm[T Float] struct {
	Groups, Channels int
	Eps              float64
	Gain, Shift      *Param[T]
	// mean and rstd of the last Forward, per (sample, group).
	mean, rstd []float64
	// scale and offset: per (sample, channel), rstd*gain and
	// shift - mean*rstd*gain (Backward refills scale from the current
	// gain, as it reads the gain itself).
	scale, offset []T
	// acc is Backward's per-channel sums, 2*Channels per sample.
	acc []float64
}

// NewGroupNorm returns a GroupNorm with gain 1 and shift 0. It panics
// unless groups divides channels.
func NewGroupNorm[T Float](name string, groups, channels int) *GroupNorm[T] {
	if groups <= 0 || channels%groups != 0 {
		panic(fmt.Sprintf("nn.NewGroupNorm: %d groups do not divide %d channels", groups, channels))
	}
	g := &GroupNorm[T]{Groups: groups, Channels: channels, Eps: 1e-5,
		Gain: newParam[T](name+".weight", channels), Shift: newParam[T](name+".bias", channels)}
	for i := range g.Gain.W {
		g.Gain.W[i] = 1
	}
	return g
}

// Params returns the gain and the shift.
func (g *GroupNorm[T]) Params() Params[T] { return Params[T]{g.Gain, g.Shift} }

// Plan sizes the statistics for batches up to batch samples.
func (g *GroupNorm[T]) Plan(batch int) {
	g.mean, g.rstd = make([]float64, batch*g.Groups), make([]float64, batch*g.Groups)
	g.scale, g.offset = make([]T, batch*g.Channels), make([]T, batch*g.Channels)
	g.acc = make([]float64, 2*batch*g.Channels)
}

func (g *GroupNorm[T]) check(fn string, n, batch, length int) {
	if batch < 0 || length <= 0 || n != batch*length*g.Channels {
		panic(fmt.Sprintf("nn.GroupNorm.%s: len %d for batch %d x length %d x %d channels", fn, n, batch, length, g.Channels))
	}
}

// Forward normalises x (batch x length x Channels) into y; y may alias x.
func (g *GroupNorm[T]) Forward(y, x []T, batch, length int) {
	g.check("Forward", len(x), batch, length)
	if len(g.mean) < batch*g.Groups {
		g.Plan(batch)
	}
	g.forwardRange(y, x, 0, batch, length)
}

// forwardRange is Forward for samples lo..hi of batch buffers y and x,
// planned for them: calls on disjoint ranges may run concurrently. The
// moments take one pass in float64 (kernels.Moments, shifted by the
// group's first value), and the normalisation runs in T
// (kernels.ScaleShift, row by row).
func (g *GroupNorm[T]) forwardRange(y, x []T, lo, hi, length int) {
	c, cg := g.Channels, g.Channels/g.Groups
	n := float64(length * cg)
	for b := lo; b < hi; b++ {
		xs, ys := x[b*length*c:(b+1)*length*c], y[b*length*c:(b+1)*length*c]
		for gr := 0; gr < g.Groups; gr++ {
			lo := gr * cg
			// One pass for both moments, of x - x0 with x0 the group's
			// first value (float64: no cancellation worth the name).
			x0 := float64(xs[lo])
			var s1, s2 float64
			if cg == c { // one group: the sample is contiguous
				s1, s2 = kernels.Moments(xs, x0)
			} else {
				for l := 0; l < length; l++ {
					a, b := kernels.Moments(xs[l*c+lo:l*c+lo+cg], x0)
					s1, s2 = s1+a, s2+b
				}
			}
			m, rs := meanRstd(x0, s1, s2, n, g.Eps)
			g.mean[b*g.Groups+gr], g.rstd[b*g.Groups+gr] = m, rs
			// y = x*scale + offset per channel, in T (as PyTorch's
			// GroupNorm): scale = rstd*gain, offset = shift - mean*scale.
			gain, shift := g.Gain.W[lo:lo+cg], g.Shift.W[lo:lo+cg]
			sc, of := g.scale[b*c+lo:b*c+lo+cg], g.offset[b*c+lo:b*c+lo+cg]
			for i := range sc {
				a := rs * float64(gain[i])
				sc[i], of[i] = T(a), T(float64(shift[i])-m*a)
			}
			for l := 0; l < length; l++ {
				kernels.ScaleShift(ys[l*c+lo:l*c+lo+cg], xs[l*c+lo:l*c+lo+cg], sc, of, 1, 0)
			}
		}
	}
}

// meanRstd returns the mean and 1/sqrt(variance + eps) of n values from
// the sums s1 of their differences from x0 and s2 of those differences'
// squares (kernels.Moments).
func meanRstd(x0, s1, s2, n, eps float64) (mean, rstd float64) {
	d := s1 / n
	return x0 + d, 1 / math.Sqrt(max(s2/n-d*d, 0)+eps)
}

// Backward adds the gain and shift gradients and sets dx from dy and the
// x of the last Forward (dx may alias dy):
//
//	dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  g = dy * gain,
//
// with the means over the group.
func (g *GroupNorm[T]) Backward(dx, dy, x []T, batch, length int) {
	g.check("Backward", len(x), batch, length)
	g.check("Backward", len(dy), batch, length)
	g.check("Backward", len(dx), batch, length)
	g.backwardRange(dx, dy, x, 0, batch, length, g.Gain.G, g.Shift.G)
}

// backwardRange is Backward for samples lo..hi, adding the gain and shift
// gradients into gainGrad and shiftGrad (Channels each): calls on
// disjoint ranges with their own gradient buffers may run concurrently.
func (g *GroupNorm[T]) backwardRange(dx, dy, x []T, from, to, length int, gainGrad, shiftGrad []T) {
	c, cg := g.Channels, g.Channels/g.Groups
	n := float64(length * cg)
	for b := from; b < to; b++ {
		off := b * length * c
		for gr := 0; gr < g.Groups; gr++ {
			lo := gr * cg
			m, rs := g.mean[b*g.Groups+gr], g.rstd[b*g.Groups+gr]
			gain := g.Gain.W[lo : lo+cg]
			gainG, shiftG := gainGrad[lo:lo+cg], shiftGrad[lo:lo+cg]
			// Per channel, in float64: q = sum of dy, p = sum of
			// dy*(x - mean) over the positions (kernels.AddColumnMoments,
			// a row at a time). Then the gain and shift gradients
			// (rstd*p and q, rounded once), and the sums of g = dy*gain
			// and of g*xhat.
			p, q := g.acc[2*(b*c+lo):2*(b*c+lo)+cg], g.acc[2*(b*c+lo)+cg:2*(b*c+lo+cg)]
			clear(p)
			clear(q)
			for l := 0; l < length; l++ {
				o := off + l*c + lo
				kernels.AddColumnMoments(q, p, dy[o:o+cg], x[o:o+cg], m)
			}
			var sg, sgx float64
			for i, gi := range gain {
				dxh := rs * p[i] // sum of dy*xhat
				gainG[i] += T(dxh)
				shiftG[i] += T(q[i])
				sg += float64(gi) * q[i]
				sgx += float64(gi) * dxh
			}
			// dx = rstd*(g - mean(g) - xhat*mean(g*xhat)) is dy*scale +
			// x*kx + k0, in T (as PyTorch's): scale = rstd*gain, kx =
			// -rstd^2 mean(g*xhat), k0 = -kx*mean - rstd*mean(g).
			mg, mgx := sg/n, sgx/n
			sc := g.scale[b*c+lo : b*c+lo+cg]
			for i := range sc {
				sc[i] = T(rs * float64(gain[i]))
			}
			kx := -rs * rs * mgx
			tx, t0 := T(kx), T(-kx*m-rs*mg)
			for l := 0; l < length; l++ {
				o := off + l*c + lo
				kernels.ScaleShift(dx[o:o+cg], dy[o:o+cg], sc, x[o:o+cg], tx, t0)
			}
		}
	}
}
