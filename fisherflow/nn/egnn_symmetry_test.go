package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// egnnRun returns copies of the three outputs of m on in.
func egnnRun(m *EGNN[float64], in egnnInputs) (v, h, e []float64) {
	v, h, e = m.Forward(in.x, in.h, in.e, in.sizes)
	return slices.Clone(v), slices.Clone(h), slices.Clone(e)
}

// randomOrthogonal returns a random 3 x 3 orthogonal matrix (row-major)
// of determinant -1: a rotation composed with a reflection.
func randomOrthogonal(r *rand.Rand) [9]float64 {
	var q [9]float64
	for {
		for i := range q {
			q[i] = r.NormFloat64()
		}
		// Gram-Schmidt on the rows.
		ok := true
		for i := 0; i < 3; i++ {
			for j := 0; j < i; j++ {
				d := q[3*i]*q[3*j] + q[3*i+1]*q[3*j+1] + q[3*i+2]*q[3*j+2]
				for k := 0; k < 3; k++ {
					q[3*i+k] -= d * q[3*j+k]
				}
			}
			n := math.Sqrt(q[3*i]*q[3*i] + q[3*i+1]*q[3*i+1] + q[3*i+2]*q[3*i+2])
			ok = ok && n > 1e-3
			for k := 0; k < 3; k++ {
				q[3*i+k] /= n
			}
		}
		if !ok {
			continue
		}
		det := q[0]*(q[4]*q[8]-q[5]*q[7]) - q[1]*(q[3]*q[8]-q[5]*q[6]) + q[2]*(q[3]*q[7]-q[4]*q[6])
		if det > 0 {
			for k := 6; k < 9; k++ {
				q[k] = -q[k]
			}
		}
		return q
	}
}

// rotate returns the rows of x (N x 3) mapped by Q, plus shift[b] on
// the rows of molecule b.
func rotate(x []float64, q [9]float64, g *MolBatch, shift [][3]float64) []float64 {
	y := make([]float64, len(x))
	for b := range g.Sizes {
		for i := g.AtomOff[b]; i < g.AtomOff[b+1]; i++ {
			for k := 0; k < 3; k++ {
				y[3*i+k] = q[3*k]*x[3*i] + q[3*k+1]*x[3*i+1] + q[3*k+2]*x[3*i+2]
				if shift != nil {
					y[3*i+k] += shift[b][k]
				}
			}
		}
	}
	return y
}

// expectClose fails unless max |got - want| <= tol * max |want| (or tol,
// for want all zero).
func expectClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	if d, s := maxAbsDiff(got, want); d > tol*s || s == 0 && d > tol {
		t.Errorf("%s: off by %.3g (scale %.3g, tolerance %.3g)", what, d, s, tol)
	}
}

// Rotating (with a reflection) and translating each molecule's positions
// rotates the velocity and leaves node and pair outputs unchanged.
func TestEGNNEquivariance(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	m := newTestEGNN(testEGNNConfig, 53)
	in := newEGNNInputs(r, testEGNNConfig, 5, 7, 2)
	v, h, e := egnnRun(m, in)
	var g MolBatch
	g.Set(in.sizes)
	q := randomOrthogonal(r)
	shift := [][3]float64{{3, -1, 2}, {-5, 0.5, 1}, {0, 10, -4}}
	moved := in
	moved.x = rotate(in.x, q, &g, shift)
	v2, h2, e2 := egnnRun(m, moved)
	expectClose(t, "velocity", v2, rotate(v, q, &g, nil), 1e-6)
	expectClose(t, "node outputs", h2, h, 1e-6)
	expectClose(t, "pair outputs", e2, e, 1e-6)
	// The velocity has no mean per molecule (centre of mass removed).
	for b := range g.Sizes {
		var s [3]float64
		for i := g.AtomOff[b]; i < g.AtomOff[b+1]; i++ {
			for k := range s {
				s[k] += v[3*i+k]
			}
		}
		if math.Abs(s[0])+math.Abs(s[1])+math.Abs(s[2]) > 1e-12 {
			t.Errorf("molecule %d: velocity sums to %v", b, s)
		}
	}
}

// Permuting the atoms of a molecule permutes the velocities and node
// outputs, and re-indexes the pair outputs, to 1e-9.
func TestEGNNPermutation(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	c := testEGNNConfig
	m := newTestEGNN(c, 63)
	in := newEGNNInputs(r, c, 3, 6)
	v, h, e := egnnRun(m, in)
	// perm[a] is the old index of new atom a of the second molecule.
	perm := []int{4, 0, 5, 2, 1, 3}
	a0, p0, n := 3, 3, 6
	atom := func(a int) int { // new global row -> old global row
		if a < a0 {
			return a
		}
		return a0 + perm[a-a0]
	}
	pairOf := func(p int) int { // new pair row -> old pair row
		if p < p0 {
			return p
		}
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				if p0+pairIndex(i, j, n) == p {
					oi, oj := perm[i], perm[j]
					return p0 + pairIndex(min(oi, oj), max(oi, oj), n)
				}
			}
		}
		panic("no pair")
	}
	rows := func(x []float64, w, count int, old func(int) int) []float64 {
		y := make([]float64, len(x))
		for a := 0; a < count; a++ {
			copy(y[a*w:(a+1)*w], x[old(a)*w:(old(a)+1)*w])
		}
		return y
	}
	N, P := 9, 3+15
	pin := egnnInputs{sizes: in.sizes, x: rows(in.x, 3, N, atom), h: rows(in.h, c.NodeIn, N, atom), e: rows(in.e, c.EdgeIn, P, pairOf)}
	v2, h2, e2 := egnnRun(m, pin)
	expectClose(t, "velocity", v2, rows(v, 3, N, atom), 1e-9)
	expectClose(t, "node outputs", h2, rows(h, c.NodeOut, N, atom), 1e-9)
	expectClose(t, "pair outputs", e2, rows(e, c.EdgeOut, P, pairOf), 1e-9)
}

// A batch of two molecules gives each the outputs and input gradients it
// has alone, and the sum of their parameter gradients.
func TestEGNNBatch(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	c := testEGNNConfig
	m := newTestEGNN(c, 73)
	a, b := newEGNNInputs(r, c, 4), newEGNNInputs(r, c, 7)
	both := egnnInputs{sizes: []int{4, 7}, x: slices.Concat(a.x, b.x), h: slices.Concat(a.h, b.h), e: slices.Concat(a.e, b.e)}
	type result struct{ v, h, e, dx, dh, de, grad []float64 }
	run := func(in egnnInputs) result {
		m.Params().ZeroGrad()
		var res result
		res.v, res.h, res.e = egnnRun(m, in)
		res.dx, res.dh, res.de = make([]float64, len(in.x)), make([]float64, len(in.h)), make([]float64, len(in.e))
		// Output gradients: the outputs themselves (L = |outputs|^2 / 2).
		m.Backward(res.dx, res.dh, res.de, res.v, res.h, res.e)
		for _, p := range m.Params() {
			res.grad = append(res.grad, p.G...)
		}
		return res
	}
	ra, rb, rab := run(a), run(b), run(both)
	cat := func(f func(result) []float64) []float64 { return slices.Concat(f(ra), f(rb)) }
	expectClose(t, "velocity", rab.v, cat(func(r result) []float64 { return r.v }), 1e-12)
	expectClose(t, "node outputs", rab.h, cat(func(r result) []float64 { return r.h }), 1e-12)
	expectClose(t, "pair outputs", rab.e, cat(func(r result) []float64 { return r.e }), 1e-12)
	expectClose(t, "dx", rab.dx, cat(func(r result) []float64 { return r.dx }), 1e-12)
	expectClose(t, "dh", rab.dh, cat(func(r result) []float64 { return r.dh }), 1e-12)
	expectClose(t, "de", rab.de, cat(func(r result) []float64 { return r.de }), 1e-12)
	sum := slices.Clone(ra.grad)
	for i, v := range rb.grad {
		sum[i] += v
	}
	expectClose(t, "parameter gradients", rab.grad, sum, 1e-12)
}

// The network in float32 matches float64 with the same parameters: each
// output and gradient within 3e-5 of its largest magnitude (float32's
// unit roundoff is 6e-8; the error grows through the sums over edges and
// the layers).
func TestEGNNFloat32(t *testing.T) {
	r := rand.New(rand.NewPCG(81, 82))
	c := EGNNConfig{NodeIn: 6, EdgeIn: 4, Hidden: 16, Layers: 3, NodeOut: 6, EdgeOut: 4}
	m64 := newTestEGNN(c, 83)
	m32 := NewEGNN[float32](c, r)
	for i, p := range m32.Params() {
		for k, w := range m64.Params()[i].W {
			p.W[k] = float32(w)
		}
	}
	m32.Plan(32, 8)
	in := newEGNNInputs(r, c, 8, 5, 6)
	to32 := func(x []float64) []float32 {
		y := make([]float32, len(x))
		for i, v := range x {
			y[i] = float32(v)
		}
		return y
	}
	to64 := func(x []float32) []float64 {
		y := make([]float64, len(x))
		for i, v := range x {
			y[i] = float64(v)
		}
		return y
	}
	// Exactly representable inputs, so that only the arithmetic differs.
	in.x, in.h, in.e = to64(to32(in.x)), to64(to32(in.h)), to64(to32(in.e))
	v, h, e := m64.Forward(in.x, in.h, in.e, in.sizes)
	v32, h32, e32 := m32.Forward(to32(in.x), to32(in.h), to32(in.e), in.sizes)
	expectClose(t, "velocity", to64(v32), v, 3e-5)
	expectClose(t, "node outputs", to64(h32), h, 3e-5)
	expectClose(t, "pair outputs", to64(e32), e, 3e-5)
	dx, dh, de := make([]float64, len(in.x)), make([]float64, len(in.h)), make([]float64, len(in.e))
	dx32, dh32, de32 := make([]float32, len(in.x)), make([]float32, len(in.h)), make([]float32, len(in.e))
	m64.Backward(dx, dh, de, slices.Clone(v), slices.Clone(h), slices.Clone(e))
	m32.Backward(dx32, dh32, de32, to32(v), to32(h), to32(e))
	expectClose(t, "dx", to64(dx32), dx, 3e-5)
	expectClose(t, "dh", to64(dh32), dh, 3e-5)
	expectClose(t, "de", to64(de32), de, 3e-5)
	for i, p := range m32.Params() {
		expectClose(t, p.Name+" gradient", to64(p.G), m64.Params()[i].G, 3e-5)
	}
}
