package fisherflow

import (
	"math/rand/v2"
)

// sampleBatch is the number of sequences integrated together.
const sampleBatch = 2048

// Sample generates n points with the current weights by integrating the
// learned field over steps Euler steps from the prior (exp-map steps on
// the sphere). It returns the argmax class of every position (n x
// Positions) and, if probs is not nil (n x Positions x K), writes the final
// probability vectors there.
func (tr *Trainer[T]) Sample(n, steps int, seed uint64, probs []float64) []int {
	m := tr.Cfg.Method
	d, k := tr.K, tr.Positions
	r := rand.New(rand.NewPCG(seed, 4))
	out := make([]int, n*k)
	rows := sampleBatch * k
	x := make([]float64, rows*d)
	v := make([]float64, rows*d)
	xin := make([]T, rows*d)
	scr := make([]T, rows*d)
	tin := make([]T, sampleBatch)
	dt := 1 / float64(steps)
	for start := 0; start < n; start += sampleBatch {
		b := min(sampleBatch, n-start)
		xb, vb, xinb, scrb := x[:b*k*d], v[:b*k*d], xin[:b*k*d], scr[:b*k*d]
		m.prior(r, xb, d)
		for s := 0; s < steps; s++ {
			for i, w := range xb {
				xinb[i] = T(w)
			}
			for i := range tin[:b] {
				tin[i] = T(float64(s) * dt)
			}
			o := tr.Net.Forward(xinb, tin[:b], b)
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
