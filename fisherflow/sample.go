package fisherflow

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Sample generates n points with the current weights by integrating the
// learned field over steps Euler steps from the prior (exp-map steps on
// the sphere). It returns the argmax class of every position (n x
// Positions) and, if probs is not nil (n x Positions x K), writes the final
// probability vectors there.
func (tr *Trainer[T]) Sample(n, steps int, seed uint64, probs []float64) []int {
	return tr.sample(n, steps, seed, nil, nil, 1, probs)
}

// SampleConditioned is Sample for a network trained on ConditionedData:
// sequence i is generated under signal[i*Positions*Signal:] (nil: zeros)
// and class[i] (nil, or Classes for "no class"). With class labels and
// guidance w != 1 the field is classifier-free guidance's u + w (c - u),
// c the conditional and u the unconditional ("no class") field, taken to
// the tangent space as every field is.
func (tr *Trainer[T]) SampleConditioned(n, steps int, seed uint64, signal []float64, class []int, guidance float64, probs []float64) ([]int, error) {
	k, S, C := tr.Positions, tr.Cfg.Signal, tr.Cfg.Classes
	switch {
	case signal != nil && len(signal) != n*k*S:
		return nil, fmt.Errorf("fisherflow.SampleConditioned: %d signal values for %d sequences of %d positions x %d channels", len(signal), n, k, S)
	case class != nil && (len(class) != n || C == 0):
		return nil, fmt.Errorf("fisherflow.SampleConditioned: %d class labels for %d sequences of a model with %d classes", len(class), n, C)
	case !(guidance >= 0) || math.IsInf(guidance, 0):
		return nil, fmt.Errorf("fisherflow.SampleConditioned: guidance %v must be finite and non-negative", guidance)
	}
	for i, c := range class {
		if c < 0 || c > C {
			return nil, fmt.Errorf("fisherflow.SampleConditioned: class %d of sequence %d outside 0..%d", c, i, C)
		}
	}
	return tr.sample(n, steps, seed, signal, class, guidance, probs), nil
}

// sample is Sample and SampleConditioned.
func (tr *Trainer[T]) sample(n, steps int, seed uint64, signal []float64, class []int, guidance float64, probs []float64) []int {
	m := tr.Cfg.Method
	d, k, S := tr.K, tr.Positions, tr.Cfg.Signal
	r := rand.New(rand.NewPCG(seed, 4))
	out := make([]int, n*k)
	sb := tr.rows
	rows := sb * k
	x := make([]float64, rows*d)
	v := make([]float64, rows*d)
	xin := make([]T, rows*d)
	scr := make([]T, rows*d)
	tin := make([]T, sb)
	var sig, cond []T
	var cls, none []int
	if S > 0 {
		sig = make([]T, rows*S)
	}
	guided := class != nil && guidance != 1
	if class != nil {
		cls, none = make([]int, sb), make([]int, sb)
		for i := range none {
			none[i] = tr.Cfg.Classes
		}
	}
	if guided {
		cond = make([]T, rows*d)
	}
	dt := 1 / float64(steps)
	for start := 0; start < n; start += sb {
		b := min(sb, n-start)
		xb, vb, xinb, scrb := x[:b*k*d], v[:b*k*d], xin[:b*k*d], scr[:b*k*d]
		var sigb []T
		if sig != nil {
			sigb = sig[:b*k*S]
			clear(sigb)
			if signal != nil {
				for i, w := range signal[start*k*S : (start+b)*k*S] {
					sigb[i] = T(w)
				}
			}
		}
		var clsb []int
		if cls != nil {
			clsb = cls[:b]
			copy(clsb, class[start:start+b])
		}
		tr.prior.draw(m, r, xb, d)
		for s := 0; s < steps; s++ {
			for i, w := range xb {
				xinb[i] = T(w)
			}
			for i := range tin[:b] {
				tin[i] = T(float64(s) * dt)
			}
			tr.condition(sigb, clsb, b)
			o := tr.Net.Forward(xinb, tin[:b], b)
			if guided {
				c := cond[:len(o)]
				copy(c, o)
				tr.condition(sigb, none[:b], b)
				o = tr.Net.Forward(xinb, tin[:b], b)
				w := T(guidance)
				for i, u := range o {
					o[i] = u + w*(c[i]-u)
				}
			}
			projectOutput(m, o, xinb, d, scrb)
			for i, w := range o {
				vb[i] = float64(w)
			}
			m.step(xb, vb, dt, d)
		}
		for row := 0; row < b*k; row++ {
			out[start*k+row] = argmax(xb[row*d : (row+1)*d])
		}
		if probs != nil {
			m.toSimplex(probs[start*k*d:(start+b)*k*d], xb, d)
		}
	}
	return out
}

// EvalKL samples n sequences and returns the KL of their empirical
// per-position distribution to the toy target, with the counts.
func EvalKL[T interface{ ~float32 | ~float64 }](tr *Trainer[T], toy *Toy, n, steps int, seed uint64) (float64, [][]int) {
	counts := toy.Counts(tr.Sample(n, steps, seed, nil))
	return toy.KL(counts), counts
}
