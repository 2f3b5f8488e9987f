package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// refLinear is l applied to one input row, by the definition.
func refLinear(l *Linear[float64], in []float64) []float64 {
	out := make([]float64, l.Out)
	for o := range out {
		out[o] = l.Bias.W[o]
		for i, v := range in {
			out[o] += l.Weight.W[o*l.In+i] * v
		}
	}
	return out
}

func refSiLU(x []float64) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = v / (1 + math.Exp(-v))
	}
	return y
}

func concat(xs ...[]float64) []float64 {
	var y []float64
	for _, x := range xs {
		y = append(y, x...)
	}
	return y
}

// refMLP applies Linear a, SiLU, Linear b.
func refMLP(a, b *Linear[float64], in []float64) []float64 {
	return refLinear(b, refSiLU(refLinear(a, in)))
}

// egnnReference is the EGNN of one molecule of n atoms written from its
// definition (EGCL's and EGNN's doc comments) with loops, one atom and
// one ordered pair at a time, and edge_mlp.0 applied to the concatenated
// [h_i, h_j, d_ij, e_ij]: the form a PyTorch reference takes.
func egnnReference(m *EGNN[float64], x, h, e []float64, n int) (v, ho, eo []float64) {
	c := m.Config
	pos := func(x []float64, i int) []float64 { return x[3*i : 3*i+3] }
	d2 := func(a, b []float64) float64 {
		return (a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2])
	}
	hs := make([][]float64, n)
	for i := range hs {
		hs[i] = refLinear(m.Embedding, h[i*c.NodeIn:(i+1)*c.NodeIn])
	}
	xs := append([]float64(nil), x...)
	for _, l := range m.Layers {
		nx, nh := append([]float64(nil), xs...), make([][]float64, n)
		for i := 0; i < n; i++ {
			agg := make([]float64, c.Hidden)
			for j := 0; j < n; j++ {
				if j == i {
					continue
				}
				d := d2(pos(xs, i), pos(xs, j))
				p := pairIndex(min(i, j), max(i, j), n)
				in := concat(hs[i], hs[j], []float64{d}, e[p*c.EdgeIn:(p+1)*c.EdgeIn])
				msg := refSiLU(refMLP(l.Edge0, l.Edge2, in))
				phi := refMLP(l.Coord0, l.Coord2, msg)[0]
				for k := 0; k < 3; k++ {
					nx[3*i+k] += (xs[3*i+k] - xs[3*j+k]) / (math.Sqrt(d+1e-8) + 1) * phi / float64(n-1)
				}
				for k := range agg {
					agg[k] += msg[k]
				}
			}
			nh[i] = refMLP(l.Node0, l.Node2, concat(hs[i], agg))
			for k := range nh[i] {
				nh[i][k] += hs[i][k]
			}
		}
		xs, hs = nx, nh
	}
	v = make([]float64, 3*n)
	for i := range v {
		v[i] = xs[i] - x[i]
	}
	for k := 0; k < 3; k++ {
		var s float64
		for i := 0; i < n; i++ {
			s += v[3*i+k]
		}
		for i := 0; i < n; i++ {
			v[3*i+k] -= s / float64(n)
		}
	}
	for i := 0; i < n; i++ {
		ho = append(ho, refMLP(m.NodeHead[0], m.NodeHead[1], hs[i])...)
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			p := pairIndex(i, j, n)
			hij := make([]float64, c.Hidden)
			for k := range hij {
				hij[k] = hs[i][k] + hs[j][k]
			}
			in := concat(hij, []float64{d2(pos(xs, i), pos(xs, j))}, e[p*c.EdgeIn:(p+1)*c.EdgeIn])
			eo = append(eo, refMLP(m.EdgeHead[0], m.EdgeHead[1], in)...)
		}
	}
	return v, ho, eo
}

// The network's outputs on a batch equal the definition's, molecule by
// molecule (the factorised edge_mlp.0 and the batch layout included).
func TestEGNNDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(91, 92))
	c := testEGNNConfig
	m := newTestEGNN(c, 93)
	in := newEGNNInputs(r, c, 5, 1, 7)
	v, h, e := egnnRun(m, in)
	g := m.Batch()
	for b, n := range in.sizes {
		a0, a1, p0, p1 := g.AtomOff[b], g.AtomOff[b+1], g.PairOff[b], g.PairOff[b+1]
		rv, rh, re := egnnReference(m, in.x[3*a0:3*a1], in.h[a0*c.NodeIn:a1*c.NodeIn], in.e[p0*c.EdgeIn:p1*c.EdgeIn], n)
		expectClose(t, "velocity", v[3*a0:3*a1], rv, 1e-12)
		expectClose(t, "node outputs", h[a0*c.NodeOut:a1*c.NodeOut], rh, 1e-12)
		expectClose(t, "pair outputs", e[p0*c.EdgeOut:p1*c.EdgeOut], re, 1e-12)
	}
}
