package fisherflow

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/fisherflow/fisherflow/fisherflow/nn"
	"github.com/fisherflow/fisherflow/fisherflow/seqio"
	"github.com/fisherflow/fisherflow/internal/par"
	"github.com/fisherflow/fisherflow/kernels"
)

// Method is a flow-matching geometry.
type Method string

const (
	// FisherFlow runs on the sphere: prior uniform on the positive
	// orthant, geodesic (slerp) interpolant, exp-map Euler sampling.
	FisherFlow Method = "fisherflow"
	// Linear is linear flow matching on the simplex: Dirichlet(1) prior,
	// x_t = (1-t) x0 + t x1, Euler steps projected back to the simplex.
	Linear Method = "linear"
)

// ParseMethod validates a method name.
func ParseMethod(s string) (Method, error) {
	switch m := Method(s); m {
	case FisherFlow, Linear:
		return m, nil
	}
	return "", fmt.Errorf("unknown method %q (choices: fisherflow, linear)", s)
}

// prior fills x (rows of d) with prior points of the method; scr is
// scratch of at least len(x) values.
func (m Method) prior(r *rand.Rand, x []float64, d int, scr []float64) {
	switch m {
	case FisherFlow:
		// |N(0, I)| normalised: uniform on the positive orthant.
		normals(r, x, scr)
		for i, v := range x {
			x[i] = math.Abs(v)
		}
		normalizeRows(x, d)
	case Linear:
		// Dirichlet(1): normalised Exp(1) draws, -log of uniforms on
		// (0, 1].
		for i := range x {
			x[i] = unitOpen(r)
		}
		kernels.Log(x, x)
		for row := 0; row < len(x); row += d {
			s := kernels.Sum(x[row : row+d])
			kernels.Scale(1/s, x[row:row+d]) // log u / sum log u
		}
	}
}

// unitOpen returns a uniform draw from (0, 1]: 53 random bits plus one
// unit of the last place.
func unitOpen(r *rand.Rand) float64 { return float64(r.Uint64()>>11+1) * 0x1p-53 }

// normals fills x with standard normal draws by the Box-Muller transform,
// sqrt(-2 ln u1) (cos, sin)(2 pi u2), on the vector kernels. One 64-bit
// draw gives both uniforms of a pair, 32 bits each (u1 in (0, 1], so
// |z| <= 6.66, which a normal exceeds with probability 3e-11), as the
// generator, not the transform, is most of the cost (and math/rand's
// NormFloat64 draws one at a time). scr is scratch of at least len(x)
// values.
func normals(r *rand.Rand, x, scr []float64) {
	n := len(x)
	h := (n + 1) / 2                        // pairs
	rad, th, sn := x[:h], scr[:h], scr[h:n] // sn: the n-h sines used
	for i := range rad {
		u := r.Uint64()
		// Through int64: the values fit, and Go converts a uint64 with
		// a branch.
		rad[i], th[i] = float64(int64(u>>32+1))*0x1p-32, float64(int64(u&(1<<32-1)))*0x1p-32
	}
	kernels.Log(rad, rad)
	kernels.Scale(-2, rad)
	kernels.Sqrt(rad, rad)
	kernels.Scale(2*math.Pi, th)
	kernels.Sin(sn, th[:n-h])
	kernels.Cos(th, th)
	// The second half first: it is written over nothing the first needs.
	for i := range x[h:] {
		x[h+i] = rad[i] * sn[i]
	}
	for i := range rad {
		rad[i] *= th[i]
	}
}

// priorDraw draws prior points on all cores: the rows are cut into
// blocks of priorRows, and block b draws from its own stream, a PCG
// seeded with (one draw of the caller's generator, b). So the points
// depend on the caller's generator and on the number of rows only, not
// on the number of threads or on which thread ran a block. The streams
// are kept, so that a draw allocates nothing once they exist.
type priorDraw struct {
	streams []priorStream // per block
	scr     [][]float64   // per thread

	// The draw in progress, shared by the threads of par.For.
	m     Method
	x     []float64
	d     int
	seed  uint64
	phase par.Phase
}

// priorStream is one block's generator and its source, which draw
// reseeds.
type priorStream struct {
	src *rand.PCG
	r   *rand.Rand
}

// priorRows is the rows of one block of priorDraw.
const priorRows = 64

// draw fills x (rows of d) with prior points of m, taking one value from
// r.
func (p *priorDraw) draw(m Method, r *rand.Rand, x []float64, d int) {
	rows := len(x) / d
	nb := (rows + priorRows - 1) / priorRows
	for len(p.streams) < nb {
		src := rand.NewPCG(0, 0)
		p.streams = append(p.streams, priorStream{src, rand.New(src)})
	}
	threads := runtime.GOMAXPROCS(0)
	if len(p.scr) < threads {
		p.scr = append(p.scr, make([][]float64, threads-len(p.scr))...)
	}
	for i := range p.scr {
		if len(p.scr[i]) < priorRows*d {
			p.scr[i] = make([]float64, priorRows*d)
		}
	}
	p.m, p.x, p.d, p.seed = m, x, d, r.Uint64()
	par.For(threads, nb, p, 0, &p.phase)
	p.x = nil
}

// Work draws blocks lo..hi (the par.Worker of draw).
func (p *priorDraw) Work(_, id, lo, hi int) {
	for b := lo; b < hi; b++ {
		st := p.streams[b]
		st.src.Seed(p.seed, uint64(b))
		x := p.x[b*priorRows*p.d : min((b+1)*priorRows*p.d, len(p.x))]
		p.m.prior(st.r, x, p.d, p.scr[id])
	}
}

// normalizeRows scales each row to unit Euclidean norm.
func normalizeRows(x []float64, d int) {
	for row := 0; row < len(x); row += d {
		kernels.Scale(1/kernels.Norm2(x[row:row+d]), x[row:row+d])
	}
}

// oneHot writes the one-hot rows of the categories seq into x1; a masked
// position (class Masked) gets the simplex's centre, 1/d everywhere. It
// reports whether seq has a masked position.
func oneHot[T nn.Float](x1 []T, seq []int, d int) bool {
	clear(x1)
	masked := false
	for i, c := range seq {
		if c == Masked {
			masked = true
			for j := range d {
				x1[i*d+j] = T(1 / float64(d))
			}
			continue
		}
		x1[i*d+c] = 1
	}
	return masked
}

// Masked is the class of a position whose category is unknown (an N in
// DNA read with seqio's Ambiguity "mask"): the position's data point is
// the simplex's centre, and the trainer leaves it out of the loss (and of
// the OT cost), so the network learns nothing about it from the data. It
// is the class seqio gives such positions.
const Masked = seqio.Masked

// geometry holds the float64 scratch of the interpolant.
type geometry struct {
	d            int
	theta, trows []float64 // per row
	logm         []float64 // LogMap(x0, x1)

	// The interpolation in progress, shared by the threads of par.For.
	m             Method
	xt, u, x0, x1 []float64
	phase         par.Phase
}

// geoChunk is the rows a thread takes at a time; below geoParallel
// values a batch is interpolated on one thread.
const geoChunk, geoParallel = 64, 1 << 14

func newGeometry(rows, d int) *geometry {
	return &geometry{d: d, theta: make([]float64, rows), trows: make([]float64, rows), logm: make([]float64, rows*d)}
}

// interpolate sets xt to the method's interpolant of x0 and x1 at the
// per-sequence times t (positions rows per sequence) and u to its
// velocity, the regression target. Chunks of rows run on all cores; each
// row's result does not depend on the chunking.
func (g *geometry) interpolate(m Method, xt, u, x0, x1, t []float64, positions int) {
	rows := len(x0) / g.d
	for i := 0; i < rows; i++ {
		g.trows[i] = t[i/positions]
	}
	g.m, g.xt, g.u, g.x0, g.x1 = m, xt, u, x0, x1
	threads := runtime.GOMAXPROCS(0)
	if len(x0) < geoParallel {
		threads = 1
	}
	par.For(threads, (rows+geoChunk-1)/geoChunk, g, 0, &g.phase)
	g.xt, g.u, g.x0, g.x1 = nil, nil, nil, nil
}

// Work interpolates chunks lo..hi of rows (the par.Worker of interpolate).
func (g *geometry) Work(_, _, lo, hi int) {
	d := g.d
	r0, r1 := lo*geoChunk, min(hi*geoChunk, len(g.x0)/d)
	xt, u, x0, x1 := g.xt[r0*d:r1*d], g.u[r0*d:r1*d], g.x0[r0*d:r1*d], g.x1[r0*d:r1*d]
	trows, theta, logm := g.trows[r0:r1], g.theta[r0:r1], g.logm[r0*d:r1*d]
	rows := r1 - r0
	switch g.m {
	case FisherFlow:
		// x_t = slerp; u_t = d/dt x_t = cos(t th) L - th sin(t th) x0
		// with L = LogMap(x0, x1) = th e (|e| = 1): no division by sin.
		kernels.Slerp(xt, x0, x1, trows, d)
		kernels.LogMap(logm, x0, x1, d)
		kernels.SphereDist(theta, x0, x1, d)
		for i := 0; i < rows; i++ {
			th, tt := theta[i], trows[i]
			c, s := math.Cos(tt*th), th*math.Sin(tt*th)
			for j := i * d; j < (i+1)*d; j++ {
				u[j] = c*logm[j] - s*x0[j]
			}
		}
	case Linear:
		for i := 0; i < rows; i++ {
			tt := trows[i]
			for j := i * d; j < (i+1)*d; j++ {
				xt[j] = (1-tt)*x0[j] + tt*x1[j]
				u[j] = x1[j] - x0[j]
			}
		}
	}
}

// projectOutput makes the network output v tangent at x: on the sphere
// v - <x,v>x (x normalised first), on the simplex v - mean(v) per row. The
// projection is symmetric, so the same call maps output gradients back.
func projectOutput[T nn.Float](m Method, v, x []T, d int, scratch []T) {
	projectAt(m, v, projectBase(m, x, d, scratch), d)
}

// projectBase returns the points at which projectOutput projects: on the
// sphere the rows of x normalised, in scratch; x itself on the simplex.
// Several projections at the same x (an output and its gradient) share
// it.
func projectBase[T nn.Float](m Method, x []T, d int, scratch []T) []T {
	if m != FisherFlow {
		return x
	}
	base := scratch[:len(x)]
	copy(base, x)
	for row := 0; row < len(x); row += d {
		xr := base[row : row+d]
		kernels.Scale(1/kernels.Norm2(xr), xr)
	}
	return base
}

// projectAt is projectOutput at the points base of projectBase.
func projectAt[T nn.Float](m Method, v, base []T, d int) {
	switch m {
	case FisherFlow:
		kernels.ProjectTangent(v, base, v, d)
	case Linear:
		for row := 0; row < len(v); row += d {
			vr := v[row : row+d]
			mean := kernels.Sum(vr) / T(d)
			for i := range vr {
				vr[i] -= mean
			}
		}
	}
}

// fromSimplex maps probability rows of d onto the method's manifold in
// place: sqrt on the sphere, the identity on the simplex.
func (m Method) fromSimplex(x []float64, d int) {
	if m == FisherFlow {
		kernels.ToSphere(x, x, d)
	}
}

// toSimplex maps rows of the method's manifold to probabilities.
func (m Method) toSimplex(dst, x []float64, d int) {
	if m == FisherFlow {
		kernels.ToSimplex(dst, x, d)
		return
	}
	copy(dst, x)
}

// step advances x (float64 rows of d) by dt along the tangent field v: on
// the sphere by the exponential map, then renormalised and folded back to
// the positive orthant (abs), as the reference does; on the simplex by an
// Euler step clipped at 0 and renormalised.
func (m Method) step(x, v []float64, dt float64, d int) {
	kernels.Scale(dt, v)
	switch m {
	case FisherFlow:
		kernels.ExpMap(x, x, v, d)
		for i := range x {
			x[i] = math.Abs(x[i])
		}
		normalizeRows(x, d)
	case Linear:
		kernels.Axpy(1, v, x)
		for row := 0; row < len(x); row += d {
			xr := x[row : row+d]
			var s float64
			for i, w := range xr {
				if w < 0 {
					w = 0
				}
				xr[i] = w
				s += w
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

// argmax returns the index of the largest of x (the largest probability:
// x^2 on the sphere is monotone in x there, as x >= 0).
func argmax(x []float64) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}
