package fisherflow

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"

	"github.com/fisherflow/fisherflow/internal/par"
	"github.com/fisherflow/fisherflow/kernels"
)

// OTMode selects the minibatch coupling of prior and data points.
type OTMode string

const (
	// NoOT pairs prior and data points as drawn.
	NoOT OTMode = "none"
	// ExactOT pairs them by an exact optimal transport plan (EMD).
	ExactOT OTMode = "exact"
	// SinkhornOT pairs them by an entropic plan (Sinkhorn, Reg 0.05 on
	// the unnormalised cost, as the reference code), over-relaxed
	// (kernels.OverrelaxAuto) to a marginal error of 1e-6 or 1000
	// iterations: over-relaxation converges in far fewer iterations than
	// plain Sinkhorn on the toy's costs, though not always within the
	// limit at small K.
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
	ang2                []float64   // one-hot path: squared angle of each x0 row to each corner, and a 0
	seqT                []int32     // one-hot path: the classes by position
	num                 [][]float64 // one-hot path: per-thread scratch of the angles
	x0                  []float64   // the cost in progress, shared by the threads of par.For
	phase               par.Phase
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
	c.ang2 = make([]float64, batch*positions*(d+1))
	c.seqT = make([]int32, positions*batch)
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
	threads := runtime.GOMAXPROCS(0)
	for len(c.num) < threads {
		c.num = append(c.num, make([]float64, 2*angleRows*d))
	}
	// seq by position, a masked position pointing at the zero after
	// each row's d squared angles.
	for j := 0; j < b; j++ {
		for p := 0; p < k; p++ {
			cl := seq[j*k+p]
			if cl == Masked {
				cl = d
			}
			c.seqT[p*b+j] = int32(cl)
		}
	}
	c.x0 = x0
	par.For(threads, (b*k+angleRows-1)/angleRows, c, phaseAngles, &c.phase)
	par.For(threads, b, c, phaseCost, &c.phase)
	c.x0 = nil
}

// The phases of costOneHot, and the x0 rows of one task of the first.
const (
	phaseAngles = iota
	phaseCost
	angleRows = 16
)

// Work runs blocks lo..hi of a phase of costOneHot (the par.Worker):
// the squared angles of blocks of angleRows rows of x0 to every corner,
// by the vector Sqrt and Atan2 (2 atan2(|x0 - e_c|, |x0 + e_c|)); or the
// rows lo..hi of the cost matrix, summed over the positions in order.
func (c *coupler) Work(phase, id, lo, hi int) {
	b, k, d := c.batch, c.positions, c.d
	if phase == phaseAngles {
		r0, r1 := lo*angleRows, min(hi*angleRows, b*k)
		for r := r0; r < r1; r += angleRows {
			rows := min(angleRows, r1-r)
			n := rows * d
			num, ang := c.num[id][:n], c.num[id][n:2*n]
			xs := c.x0[r*d : r*d+n]
			for row := 0; row < n; row += d {
				xr, nr, dr := xs[row:row+d], num[row:row+d], ang[row:row+d]
				n2 := kernels.Dot(xr, xr) + 1
				for j, x := range xr {
					v := n2 - 2*x
					if v < 0 { // rounding, at a corner
						v = 0
					}
					nr[j], dr[j] = v, n2+2*x
				}
			}
			kernels.Sqrt(num, num)
			kernels.Sqrt(ang, ang)
			kernels.Atan2(ang, num, ang)
			for i := 0; i < rows; i++ {
				a2 := c.ang2[(r+i)*(d+1) : (r+i+1)*(d+1)]
				for j, a := range ang[i*d : (i+1)*d] {
					a2[j] = 4 * a * a // (2 atan2)^2
				}
				a2[d] = 0
			}
		}
		return
	}
	for i := lo; i < hi; i++ {
		out := c.cost[i*b : (i+1)*b]
		for p := 0; p < k; p++ {
			tbl := c.ang2[(i*k+p)*(d+1) : (i*k+p+1)*(d+1)]
			cls := c.seqT[p*b : (p+1)*b]
			if p == 0 {
				for j, cl := range cls {
					out[j] = tbl[cl]
				}
				continue
			}
			for j, cl := range cls {
				out[j] += tbl[cl]
			}
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
		opts := kernels.SinkhornOptions{Reg: 0.05, Tol: 1e-6, MaxIter: 1000, Overrelax: kernels.OverrelaxAuto}
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
