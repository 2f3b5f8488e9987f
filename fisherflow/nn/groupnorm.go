package nn

import (
	"fmt"
	"math"
)

// GroupNorm is torch.nn.GroupNorm(Groups, Channels) for inputs laid out
// channels-last, batch x length x channels (a 1-d sequence of Length
// positions per sample; length 1 for a plain batch of vectors): the
// channels split into Groups equal groups, each group of each sample is
// normalised over its positions and channels to zero mean and unit
// variance (biased, eps 1e-5), then each channel is scaled and shifted.
// GroupNorm(1, C) normalises a whole sample, as the promoter model does.
// Statistics are computed in float64.
type GroupNorm[T Float] struct {
	Groups, Channels int
	Eps              float64
	Gain, Shift      *Param[T]
	// mean and rstd of the last Forward, per (sample, group).
	mean, rstd []float64
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
// planned for them: calls on disjoint ranges may run concurrently.
func (g *GroupNorm[T]) forwardRange(y, x []T, lo, hi, length int) {
	c, cg := g.Channels, g.Channels/g.Groups
	n := float64(length * cg)
	for b := lo; b < hi; b++ {
		xs, ys := x[b*length*c:(b+1)*length*c], y[b*length*c:(b+1)*length*c]
		for gr := 0; gr < g.Groups; gr++ {
			lo := gr * cg
			var m float64
			for l := 0; l < length; l++ {
				for _, v := range xs[l*c+lo : l*c+lo+cg] {
					m += float64(v)
				}
			}
			m /= n
			var s float64
			for l := 0; l < length; l++ {
				for _, v := range xs[l*c+lo : l*c+lo+cg] {
					d := float64(v) - m
					s += d * d
				}
			}
			rs := 1 / math.Sqrt(s/n+g.Eps)
			g.mean[b*g.Groups+gr], g.rstd[b*g.Groups+gr] = m, rs
			gain, shift := g.Gain.W[lo:lo+cg], g.Shift.W[lo:lo+cg]
			for l := 0; l < length; l++ {
				xr, yr := xs[l*c+lo:l*c+lo+cg], ys[l*c+lo:l*c+lo+cg]
				for i, v := range xr {
					yr[i] = T((float64(v)-m)*rs*float64(gain[i]) + float64(shift[i]))
				}
			}
		}
	}
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
			var sg, sgx float64 // sums of dy*gain and of dy*gain*xhat
			for l := 0; l < length; l++ {
				xr, dyr := x[off+l*c+lo:off+l*c+lo+cg], dy[off+l*c+lo:off+l*c+lo+cg]
				for i, v := range xr {
					xh := (float64(v) - m) * rs
					d := float64(dyr[i])
					gi := d * float64(gain[i])
					sg += gi
					sgx += gi * xh
					gainG[i] += T(d * xh)
					shiftG[i] += dyr[i]
				}
			}
			for l := 0; l < length; l++ {
				xr := x[off+l*c+lo : off+l*c+lo+cg]
				dyr, dxr := dy[off+l*c+lo:off+l*c+lo+cg], dx[off+l*c+lo:off+l*c+lo+cg]
				for i, v := range xr {
					xh := (float64(v) - m) * rs
					gi := float64(dyr[i]) * float64(gain[i])
					dxr[i] = T(rs * (gi - sg/n - xh*sgx/n))
				}
			}
		}
	}
}
