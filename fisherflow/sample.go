package fisherflow

import (
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/kernels"
)

// sampleBatch is the number of sequences integrated together.
const sampleBatch = 2048

// Sample generates n sequences with the current weights by integrating
// the learned field over steps Euler steps from the prior (exp-map steps
// on the sphere), decoding each position by argmax, and returns them as
// n x Positions categories. probs, if not nil (n x Positions x K), receives
// the final probability vectors.
func (tr *Trainer) Sample(n, steps int, seed uint64, probs []float64) []int {
	cfg := tr.Cfg
	d, k := cfg.K, cfg.Positions
	r := rand.New(rand.NewPCG(seed, 4))
	out := make([]int, n*k)
	rows := sampleBatch * k
	x := make([]float64, rows*d)
	v := make([]float64, rows*d)
	xin := make([]float32, rows*d)
	scr := make([]float32, rows*d)
	tin := make([]float32, sampleBatch)
	dt := 1 / float64(steps)
	for start := 0; start < n; start += sampleBatch {
		b := min(sampleBatch, n-start)
		xb, vb, xinb, scrb := x[:b*k*d], v[:b*k*d], xin[:b*k*d], scr[:b*k*d]
		cfg.Method.prior(r, xb, d)
		for s := 0; s < steps; s++ {
			for i, w := range xb {
				xinb[i] = float32(w)
			}
			for i := range tin[:b] {
				tin[i] = float32(float64(s) * dt)
			}
			o := tr.Net.Forward(xinb, tin[:b], b)
			cfg.Method.projectOutput(o, xinb, d, scrb)
			for i, w := range o {
				vb[i] = float64(w)
			}
			cfg.Method.step(xb, vb, dt, d)
		}
		for row := 0; row < b*k; row++ {
			xr := xb[row*d : (row+1)*d]
			out[start*k+row] = argmax(xr)
			if probs != nil {
				p := probs[(start*k+row)*d : (start*k+row+1)*d]
				if cfg.Method == FisherFlow {
					kernels.ToSimplex(p, xr, d)
				} else {
					copy(p, xr)
				}
			}
		}
	}
	return out
}

// EvalKL samples n sequences and returns the KL of their empirical
// per-position distribution to the target, with the counts.
func (tr *Trainer) EvalKL(n, steps int, seed uint64) (float64, [][]int) {
	counts := tr.Toy.Counts(tr.Sample(n, steps, seed, nil))
	return tr.Toy.KL(counts), counts
}
