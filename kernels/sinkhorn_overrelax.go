package kernels

import (
	"math"
)

// overrelaxer is the over-relaxation of Sinkhorn's updates
// (SinkhornOptions.Overrelax): the factor w of the next update, and what
// chooses and guards it.
//
// OverrelaxAuto starts from plain iterations, whose marginal error falls
// at a rate k; the linearised iteration's optimal factor is then
// 2/(1 + sqrt(1 - k)) (Thibault et al.; Young's theory of successive
// over-relaxation, which applies because the iteration alternates between
// u and v). But k grows as the plan forms, so a factor from the warm-up
// alone is too small. The controller therefore keeps measuring: over
// every window of overrelaxWindow over-relaxed iterations it takes the
// rate r of the error and, by Young's relation between the rates of plain
// and over-relaxed iterations, (r + w - 1)^2 = r w^2 k, the plain rate k
// it implies, and raises w to that k's optimal factor when it is larger.
// A window starts overrelaxSkip iterations after w changed, past the
// change's transient. Above the optimal factor the over-relaxed rate is
// w - 1, which implies the k of w itself, so w settles rather than climbs.
type overrelaxer struct {
	w     float64
	auto  bool
	ref   float64 // the error at the start of the window (auto)
	start int     // the observation that starts the window, which ends overrelaxWindow later (auto)
	seen  int     // errors observed
	best  float64 // the smallest error observed
}

// The controller's iteration counts and largest factor: the counts that
// took the fewest iterations over a sweep of transport problems (points of
// the unit square, uniform and random marginals, Reg 0.003 to 0.1), and a
// cap that matters only on the slowest problems, such as fisherflow's
// couplings, whose windows raise w to it. The figures are in the history:
// the sweep in commit 45eb313, the cap in b099c8c.
const (
	overrelaxWarm   = 8    // plain iterations; the rate of their second half sets w
	overrelaxWindow = 6    // over-relaxed iterations per measured rate
	overrelaxSkip   = 4    // iterations after a change of w before a window
	overrelaxMax    = 1.95 // the largest factor
)

// newOverrelaxer returns the overrelaxer of an Overrelax option.
func newOverrelaxer(opt float64) overrelaxer {
	r := overrelaxer{w: 1, best: math.Inf(1)}
	switch {
	case opt == OverrelaxAuto:
		r.auto = true
	case opt > 1:
		r.w = opt
	}
	return r
}

// optimalFactor is the optimal factor of iterations whose plain rate is k
// (0 < k < 1), at most overrelaxMax.
func optimalFactor(k float64) float64 {
	return min(2/(1+math.Sqrt(1-k)), overrelaxMax)
}

// observe takes the marginal error before the next update: it sets and
// raises w from the errors' rates (auto), and returns w to 1 for good
// when the error has risen above ten times the smallest.
func (r *overrelaxer) observe(e float64) {
	i := r.seen
	r.seen++
	r.best = min(r.best, e)
	if r.w != 1 && !(e <= 10*r.best) {
		r.w, r.auto = 1, false
		return
	}
	if !r.auto {
		return
	}
	switch {
	case i == overrelaxWarm/2:
		r.ref = e
	case i == overrelaxWarm:
		k := math.Pow(e/r.ref, 1/float64(overrelaxWarm-overrelaxWarm/2))
		if !(k > 0 && k < 1) {
			// Not converging: stay plain, and stop choosing.
			r.auto = false
			return
		}
		r.w = optimalFactor(k)
		r.start = i + overrelaxSkip
	case i < overrelaxWarm || i < r.start: // the warm-up, or w's transient
	case i == r.start:
		r.ref = e
	case i == r.start+overrelaxWindow:
		rate := math.Pow(e/r.ref, 1/float64(overrelaxWindow))
		r.ref, r.start = e, i // the next window, unless w changes
		if !(rate > 0 && rate < 1) {
			return
		}
		// Young: sqrt(k) = (rate + w - 1) / (w sqrt(rate)).
		mu := (rate + r.w - 1) / (r.w * math.Sqrt(rate))
		if w := optimalFactor(mu * mu); mu < 1 && w > r.w {
			r.w, r.start = w, i+overrelaxSkip
		}
	}
}

// overrelax over-relaxes the updates new of the scalings old in place
// with the factor w: new = old^(1-w) new^w = old exp(w log(new/old)), by
// o's relax kernel where it has one, else through the vector Log and Exp
// of o with tmp (len(new)) as scratch (the same bits either way). Where
// either is 0 (a row or column without mass keeps a zero scaling) new
// stays; w = 1 changes nothing.
func overrelax[T float32 | float64](o *ops[T], w float64, new, old, tmp []T) {
	if w == 1 {
		return
	}
	if o.relax != nil {
		o.relax(new, old, T(w))
		return
	}
	for j, v := range new {
		tmp[j] = 1
		if v != 0 && old[j] != 0 {
			tmp[j] = v / old[j]
		}
	}
	o.log(tmp, tmp)
	o.scale(T(w), tmp)
	o.exp(tmp, tmp)
	for j, v := range new {
		if v != 0 && old[j] != 0 {
			new[j] = old[j] * tmp[j]
		}
	}
}
