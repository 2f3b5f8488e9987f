package molflow

import (
	"math"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/kernels"
)

// This file holds the per-part geometry: priors, interpolants with their
// closed-form targets, tangent projections and Euler steps. The
// categorical forms are those of fisherflow/flow.go (which keeps them
// unexported), written again here for rows of any length.

// removeMean3 moves the points of pos (rows of 3) so that their mean is at
// the origin.
func removeMean3(pos []float64) {
	n := len(pos) / 3
	if n == 0 {
		return
	}
	var c [3]float64
	for i := 0; i < 3*n; i += 3 {
		c[0] += pos[i]
		c[1] += pos[i+1]
		c[2] += pos[i+2]
	}
	for k := range 3 {
		c[k] /= float64(n)
	}
	for i := 0; i < 3*n; i += 3 {
		pos[i] -= c[0]
		pos[i+1] -= c[1]
		pos[i+2] -= c[2]
	}
}

// gaussianPrior fills pos (rows of 3) with standard normal draws and
// removes their mean: the isotropic Gaussian restricted to the subspace of
// zero centre of mass, where the data lives.
func gaussianPrior(r *rand.Rand, pos []float64) {
	for i := range pos {
		pos[i] = r.NormFloat64()
	}
	removeMean3(pos)
}

// categoricalPrior fills x (rows of d) with prior points of m: |N(0, I)|
// normalised (uniform on the positive orthant of the sphere) for
// FisherFlow, Dirichlet(1) (normalised Exp(1) draws) for Linear.
func categoricalPrior(m fisherflow.Method, r *rand.Rand, x []float64, d int) {
	for row := 0; row+d <= len(x); row += d {
		xr := x[row : row+d]
		switch m {
		case fisherflow.FisherFlow:
			s := 0.0
			for s == 0 { // an all-zero draw has no direction; draw again
				for i := range xr {
					xr[i] = math.Abs(r.NormFloat64())
					s += xr[i] * xr[i]
				}
			}
			kernels.Scale(1/math.Sqrt(s), xr)
		default:
			s := 0.0
			for i := range xr {
				xr[i] = r.ExpFloat64()
				s += xr[i]
			}
			kernels.Scale(1/s, xr)
		}
	}
}

// oneHotRows writes the data point of class c into row i of x (rows of
// d): the one-hot vector, which is the same point on the sphere (sqrt) and
// on the simplex.
func oneHotRows(x []float64, classes []int, d int) {
	clear(x[:len(classes)*d])
	for i, c := range classes {
		x[i*d+c] = 1
	}
}

// interpolateCategorical sets xt to the method's interpolant of x0 and x1
// (rows of d) at the per-row times t and u to its velocity: on the sphere
// x_t = slerp and u = d/dt x_t = cos(t th) L - th sin(t th) x0 with
// L = LogMap(x0, x1), the closed form of fisherflow/flow.go, which equals
// LogMap(x_t, x1)/(1-t) but has no division by 1-t and so needs no guard
// near t = 1; on the simplex the straight line and x1 - x0. theta and logm
// are scratch of a value per row and per component.
func interpolateCategorical(m fisherflow.Method, xt, u, x0, x1, t []float64, d int, theta, logm []float64) {
	rows := len(x0) / d
	if rows == 0 {
		return
	}
	switch m {
	case fisherflow.FisherFlow:
		theta, logm = theta[:rows], logm[:rows*d]
		kernels.Slerp(xt, x0, x1, t, d)
		kernels.LogMap(logm, x0, x1, d)
		kernels.SphereDist(theta, x0, x1, d)
		for i := 0; i < rows; i++ {
			th, tt := theta[i], t[i]
			c, s := math.Cos(tt*th), th*math.Sin(tt*th)
			for j := i * d; j < (i+1)*d; j++ {
				u[j] = c*logm[j] - s*x0[j]
			}
		}
	default:
		for i := 0; i < rows; i++ {
			tt := t[i]
			for j := i * d; j < (i+1)*d; j++ {
				xt[j] = (1-tt)*x0[j] + tt*x1[j]
				u[j] = x1[j] - x0[j]
			}
		}
	}
}

// projectCategorical makes v (rows of d) tangent at x: on the sphere
// v - <x^, v> x^ with x^ = x normalised (x itself is left alone; base is
// scratch for x^), on the simplex v minus its row mean. Both projections
// are orthogonal, hence symmetric, so the same call maps a gradient with
// respect to the projected field back to the raw one.
func projectCategorical(m fisherflow.Method, v, x []float64, d int, base []float64) {
	if len(v) == 0 {
		return
	}
	switch m {
	case fisherflow.FisherFlow:
		base = base[:len(x)]
		copy(base, x)
		normalizeRows(base, d)
		kernels.ProjectTangent(v, base, v, d)
	default:
		for row := 0; row < len(v); row += d {
			vr := v[row : row+d]
			mean := kernels.Sum(vr) / float64(d)
			for i := range vr {
				vr[i] -= mean
			}
		}
	}
}

// normalizeRows scales each row of x to unit Euclidean norm.
func normalizeRows(x []float64, d int) {
	for row := 0; row < len(x); row += d {
		kernels.Scale(1/kernels.Norm2(x[row:row+d]), x[row:row+d])
	}
}

// stepCategorical advances x (rows of d) by dt along the tangent field v
// (which it scales in place): on the sphere by the exponential map, then
// folded back to the positive orthant (abs) and renormalised, as
// fisherflow's sampler does; on the simplex by an Euler step clipped at 0
// and renormalised (a row clipped to all zeros restarts at the centre).
func stepCategorical(m fisherflow.Method, x, v []float64, dt float64, d int) {
	if len(x) == 0 {
		return
	}
	kernels.Scale(dt, v)
	switch m {
	case fisherflow.FisherFlow:
		kernels.ExpMap(x, x, v, d)
		for i := range x {
			x[i] = math.Abs(x[i])
		}
		normalizeRows(x, d)
	default:
		kernels.Axpy(1, v, x)
		for row := 0; row < len(x); row += d {
			xr := x[row : row+d]
			s := 0.0
			for i, w := range xr {
				xr[i] = max(w, 0)
				s += xr[i]
			}
			if s == 0 {
				for i := range xr {
					xr[i] = 1 / float64(d)
				}
				continue
			}
			kernels.Scale(1/s, xr)
		}
	}
}

// argmaxRows writes the index of the largest value of each row of x
// (rows of d) into classes: the most probable class, as x^2 on the sphere
// is monotone in x >= 0.
func argmaxRows(classes []int, x []float64, d int) {
	for i := range classes {
		row := x[i*d : (i+1)*d]
		best := 0
		for c, v := range row {
			if v > row[best] {
				best = c
			}
		}
		classes[i] = best
	}
}
