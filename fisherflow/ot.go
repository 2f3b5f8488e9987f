package fisherflow

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/kernels"
)

// OTMode selects the minibatch coupling of prior and data points.
type OTMode string

const (
	// NoOT pairs prior and data points as drawn.
	NoOT OTMode = "none"
	// ExactOT pairs them by an exact optimal transport plan (EMD).
	ExactOT OTMode = "exact"
	// SinkhornOT pairs them by an entropic plan (Sinkhorn, Reg 0.05).
	SinkhornOT OTMode = "sinkhorn"
)

// Resampling says how pairs are drawn from the plan.
type Resampling string

const (
	// Permutation pairs each prior point with its partner in the optimal
	// permutation (exact plans only; Sinkhorn plans are sampled).
	Permutation Resampling = "permutation"
	// Replacement draws B pairs with replacement from the plan, as the
	// reference code does.
	Replacement Resampling = "replacement"
)

// ParseOT validates an OT mode name.
func ParseOT(s string) (OTMode, error) {
	switch m := OTMode(s); m {
	case NoOT, ExactOT, SinkhornOT:
		return m, nil
	}
	return "", fmt.Errorf("unknown OT mode %q (choices: none, exact, sinkhorn)", s)
}

// ParseResampling validates a resampling name.
func ParseResampling(s string) (Resampling, error) {
	switch r := Resampling(s); r {
	case Permutation, Replacement:
		return r, nil
	}
	return "", fmt.Errorf("unknown resampling %q (choices: permutation, replacement)", s)
}

// coupler re-pairs a batch of prior and data sequences by minibatch OT on
// the product of spheres, with cost C_ij = sum over positions of the
// squared geodesic angle between sequence i of x0 and sequence j of x1.
type coupler struct {
	mode                OTMode
	resample            Resampling
	batch, positions, d int
	cost, plan          []float64
	a                   []float64
	x0c, x1c            []float64
	seqc                []int
	pairI, pairJ        []int
	cum                 []float64
	ang                 []float64 // one-hot path: angle of each x0 row to each corner
	gx0, gx1, dist      []float64 // general path: one position of every sequence
	work                kernels.OTWork
}

func newCoupler(mode OTMode, resample Resampling, batch, positions, d int) *coupler {
	c := &coupler{mode: mode, resample: resample, batch: batch, positions: positions, d: d}
	if mode == NoOT {
		return c
	}
	c.cost, c.plan = make([]float64, batch*batch), make([]float64, batch*batch)
	c.a = make([]float64, batch)
	for i := range c.a {
		c.a[i] = 1 / float64(batch)
	}
	c.x0c, c.x1c = make([]float64, batch*positions*d), make([]float64, batch*positions*d)
	c.seqc = make([]int, batch*positions)
	c.pairI, c.pairJ = make([]int, batch), make([]int, batch)
	c.cum = make([]float64, batch*batch)
	c.ang = make([]float64, batch*positions*d)
	c.gx0, c.gx1, c.dist = make([]float64, batch*d), make([]float64, batch*d), make([]float64, batch*batch)
	return c
}

// costOneHot fills c.cost for one-hot data rows (the categories seq;
// masked positions cost nothing, the data saying nothing there):
// the angle between x0 and the corner e_c depends on x0 only through
// |x0|^2 and x0_c, |x0 -+ e_c|^2 = |x0|^2 -+ 2 x0_c + 1, so a table of
// batch x positions x d angles replaces batch^2 x positions angles of
// length-d rows of kernels.PairwiseSphereDist (the tests check that the
// two agree). (Near x0_c = 1 the difference loses relative accuracy, to
// about 1e-8 rad, which no coupling can notice.)
func (c *coupler) costOneHot(x0 []float64, seq []int) {
	b, k, d := c.batch, c.positions, c.d
	for row := 0; row < b*k; row++ {
		xr := x0[row*d : (row+1)*d]
		n2 := kernels.Dot(xr, xr)
		for j, x := range xr {
			c.ang[row*d+j] = 2 * math.Atan2(math.Sqrt(max(0, n2-2*x+1)), math.Sqrt(n2+2*x+1))
		}
	}
	for i := 0; i < b; i++ {
		out := c.cost[i*b : (i+1)*b]
		for j := range out {
			var s float64
			for p := 0; p < k; p++ {
				if cl := seq[j*k+p]; cl != Masked {
					a := c.ang[(i*k+p)*d+cl]
					s += a * a
				}
			}
			out[j] = s
		}
	}
}

// costGeneral fills c.cost for any data rows: per position,
// kernels.PairwiseSphereDist between the batch's prior and data rows,
// squared and summed.
func (c *coupler) costGeneral(x0, x1 []float64) {
	b, k, d := c.batch, c.positions, c.d
	clear(c.cost)
	for p := 0; p < k; p++ {
		for i := 0; i < b; i++ {
			copy(c.gx0[i*d:(i+1)*d], x0[(i*k+p)*d:(i*k+p+1)*d])
			copy(c.gx1[i*d:(i+1)*d], x1[(i*k+p)*d:(i*k+p+1)*d])
		}
		kernels.PairwiseSphereDist(c.dist, c.gx0, c.gx1, d)
		for i, th := range c.dist {
			c.cost[i] += th * th
		}
	}
}

// couple reorders x0, x1 and seq (batch sequences of positions rows of d)
// into the pairs of the coupling. seq is nil when the data rows are not
// one-hot.
func (c *coupler) couple(r *rand.Rand, x0, x1 []float64, seq []int) error {
	if c.mode == NoOT {
		return nil
	}
	b, k, d := c.batch, c.positions, c.d
	if seq != nil {
		// The data rows are the one-hot rows of seq.
		c.costOneHot(x0, seq)
	} else {
		c.costGeneral(x0, x1)
	}
	switch c.mode {
	case ExactOT:
		if _, err := kernels.EMDWith(&c.work, c.plan, c.cost, c.a, c.a); err != nil {
			return fmt.Errorf("exact OT coupling: %w", err)
		}
	case SinkhornOT:
		// The scaling form (vectorised matrix-vector products) unless
		// cost/Reg leaves the range of exp; then the log domain.
		opts := kernels.SinkhornOptions{Reg: 0.05, Tol: 1e-6, MaxIter: 1000}
		_, err := kernels.SinkhornWith(&c.work, c.plan, c.cost, c.a, c.a, opts)
		if errors.Is(err, kernels.ErrNumerical) {
			opts.LogDomain = true
			_, err = kernels.SinkhornWith(&c.work, c.plan, c.cost, c.a, c.a, opts)
		}
		if err != nil {
			return fmt.Errorf("Sinkhorn OT coupling: %w", err)
		}
	}
	if c.mode == ExactOT && c.resample == Permutation {
		for i := 0; i < b; i++ {
			c.pairI[i], c.pairJ[i] = i, argmax(c.plan[i*b:(i+1)*b])
		}
	} else {
		// Draw b pairs with replacement from the plan.
		var s float64
		for i, v := range c.plan {
			s += v
			c.cum[i] = s
		}
		for n := 0; n < b; n++ {
			u := r.Float64() * s
			lo, hi := 0, len(c.cum)-1
			for lo < hi {
				mid := (lo + hi) / 2
				if c.cum[mid] <= u {
					lo = mid + 1
				} else {
					hi = mid
				}
			}
			c.pairI[n], c.pairJ[n] = lo/b, lo%b
		}
	}
	copy(c.x0c, x0)
	copy(c.x1c, x1)
	copy(c.seqc, seq)
	row := k * d
	hasSeq := seq != nil
	for n := 0; n < b; n++ {
		i, j := c.pairI[n], c.pairJ[n]
		copy(x0[n*row:(n+1)*row], c.x0c[i*row:(i+1)*row])
		copy(x1[n*row:(n+1)*row], c.x1c[j*row:(j+1)*row])
		if hasSeq {
			copy(seq[n*k:(n+1)*k], c.seqc[j*k:(j+1)*k])
		}
	}
	return nil
}
