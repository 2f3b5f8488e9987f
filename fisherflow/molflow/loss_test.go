package molflow

import (
	"math"
	"testing"

	"github.com/fisherflow/fisherflow/fisherflow"
)

// fillRandom sets every value of p to a standard normal draw.
func fillRandom(p *Parts, seed uint64) {
	r := testRand(seed)
	for _, s := range [][]float64{p.Pos, p.Types, p.Charges, p.Bonds} {
		for i := range s {
			s[i] = r.NormFloat64()
		}
	}
}

// TestLossGradient checks dL/dout against central differences of the
// loss in float64, for every output value of a batch of real molecules,
// under both methods and both parameterisations and with non-default
// weights.
func TestLossGradient(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	gs = gs[:3]
	for _, c := range []struct {
		m fisherflow.Method
		p Param
	}{{fisherflow.FisherFlow, ParamVelocity}, {fisherflow.Linear, ""}, {fisherflow.FisherFlow, ParamEndpoint}, {fisherflow.Linear, ParamEndpoint}} {
		m := c.m
		f := newTestFlow(t, v, gs, Config{Method: m, Param: c.p, Align: true, Weights: Weights{Pos: 3, Types: 0.4, Charges: 1.5, Bonds: 2}})
		if _, err := f.Draw(testRand(2), gs); err != nil {
			t.Fatal(err)
		}
		out := f.Output()
		fillRandom(out, 5)
		_, g, err := f.Loss(out)
		if err != nil {
			t.Fatal(err)
		}
		grad := clone(g)
		const h = 1e-6
		worst := 0.0
		for k, pr := range [][2][]float64{{out.Pos, grad.Pos}, {out.Types, grad.Types}, {out.Charges, grad.Charges}, {out.Bonds, grad.Bonds}} {
			for i := range pr[0] {
				x := pr[0][i]
				pr[0][i] = x + h
				lp, _, _ := f.Loss(out)
				pr[0][i] = x - h
				lm, _, _ := f.Loss(out)
				pr[0][i] = x
				fd := (lp.Total - lm.Total) / (2 * h)
				e := math.Abs(fd-pr[1][i]) / max(1, math.Abs(fd))
				if e > 1e-7 {
					t.Fatalf("%s %s part %d value %d: dL/dout %v, central difference %v", m, c.p, k, i, pr[1][i], fd)
				}
				worst = max(worst, e)
			}
		}
		t.Logf("%s %s: largest relative gradient error %.1e", m, c.p, worst)
	}
}

// TestLossParts checks that the loss is zero at the target, that each part
// is its own mean squared error and that the total weighs them by the
// configured weights.
func TestLossParts(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	for _, m := range methods {
		f := newTestFlow(t, v, gs, Config{Method: m})
		if _, err := f.Draw(testRand(4), gs); err != nil {
			t.Fatal(err)
		}
		out := f.Output()
		u := f.Target()
		copy(out.Pos, u.Pos)
		copy(out.Types, u.Types)
		copy(out.Charges, u.Charges)
		copy(out.Bonds, u.Bonds)
		ls, g, err := f.Loss(out)
		if err != nil {
			t.Fatal(err)
		}
		if ls.Total > 1e-28 {
			t.Errorf("%s: loss %v at the target, want 0", m, ls)
		}
		for _, s := range [][]float64{g.Pos, g.Types, g.Charges, g.Bonds} {
			for _, w := range s {
				if math.Abs(w) > 1e-14 {
					t.Fatalf("%s: gradient %v at the target", m, w)
				}
			}
		}
		// A translation (the same velocity for every atom) moves no
		// centred molecule, so the projection takes it out at no cost.
		for i := range out.Pos {
			out.Pos[i] += float64(1 + i%3)
		}
		// On the positions only, the error is a known constant.
		out.Pos[0] += 1
		ls, _, _ = f.Loss(out)
		n := float64(len(out.Pos))
		atoms := f.Layout().Sizes[0]
		// A unit kick on one atom's x leaves 1 - 1/N on it and -1/N on
		// the molecule's other atoms after the centre is removed.
		want := ((1-1/float64(atoms))*(1-1/float64(atoms)) + float64(atoms-1)/float64(atoms*atoms)) / n
		if math.Abs(ls.Pos-want) > 1e-14 || math.Abs(ls.Total-3*want) > 1e-14 {
			t.Errorf("%s: position loss %v total %v, want %v and %v", m, ls.Pos, ls.Total, want, 3*want)
		}
	}
}

func TestLossErrors(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	f := newTestFlow(t, v, gs, Config{})
	if _, err := f.Draw(testRand(1), gs); err != nil {
		t.Fatal(err)
	}
	bad := clone(f.Output())
	bad.Bonds = bad.Bonds[1:]
	if _, _, err := f.Loss(&bad); err == nil {
		t.Error("short output: want an error")
	}
}

// TestNoAllocs checks that a training step's flow work (Draw and Loss)
// allocates nothing once the flow is planned.
func TestNoAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts under -race are not meaningful")
	}
	v, gs := testGraphs(t, testMolecules(t))
	f := newTestFlow(t, v, gs, Config{Permute: true, Align: true})
	r := testRand(1)
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := f.Draw(r, gs[:len(gs)-1]); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.Loss(f.Output()); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations a step", allocs)
	}
}

// TestEndpointLossParts checks the endpoint loss against its definition:
// the mean squared error of the centred displacement against x1 - x_t,
// and for each categorical part the mean over rows of -log softmax(z)
// at the data's class, computed here from scratch; and that the total
// weighs the parts.
func TestEndpointLossParts(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	for _, m := range methods {
		w := Weights{Pos: 2, Types: 0.5, Charges: 3, Bonds: 1.5}
		f := newTestFlow(t, v, gs, Config{Method: m, Param: ParamEndpoint, Weights: w})
		if _, err := f.Draw(testRand(6), gs); err != nil {
			t.Fatal(err)
		}
		out := f.Output()
		fillRandom(out, 8)
		ls, _, err := f.Loss(out)
		if err != nil {
			t.Fatal(err)
		}
		l, x0, x1, d := f.Layout(), f.Prior(), f.Data(), f.Dims()
		pos := 0.0
		for b := range l.Sizes {
			lo, hi := l.AtomOff[b], l.AtomOff[b+1]
			var mean [3]float64
			for i := lo; i < hi; i++ {
				for k := range 3 {
					mean[k] += out.Pos[3*i+k] / float64(hi-lo)
				}
			}
			tt := f.t[b]
			for i := lo; i < hi; i++ {
				for k := range 3 {
					xt := (1-tt)*x0.Pos[3*i+k] + tt*x1.Pos[3*i+k]
					e := out.Pos[3*i+k] - mean[k] - (x1.Pos[3*i+k] - xt)
					pos += e * e
				}
			}
		}
		pos /= float64(len(out.Pos))
		ce := func(z, x []float64, d int) float64 {
			s := 0.0
			for r := 0; r < len(z)/d; r++ {
				den, at := 0.0, 0.0
				for c := range d {
					den += math.Exp(z[r*d+c])
					if x[r*d+c] == 1 {
						at = z[r*d+c]
					}
				}
				s += math.Log(den) - at
			}
			return s / float64(len(z)/d)
		}
		want := Losses{Pos: pos, Types: ce(out.Types, x1.Types, d.Types), Charges: ce(out.Charges, x1.Charges, d.Charges), Bonds: ce(out.Bonds, x1.Bonds, d.Bonds)}
		want.Total = w.Pos*want.Pos + w.Types*want.Types + w.Charges*want.Charges + w.Bonds*want.Bonds
		for _, p := range [][2]float64{{ls.Pos, want.Pos}, {ls.Types, want.Types}, {ls.Charges, want.Charges}, {ls.Bonds, want.Bonds}, {ls.Total, want.Total}} {
			if math.Abs(p[0]-p[1]) > 1e-12*max(1, p[1]) {
				t.Fatalf("%s: losses %+v, want %+v", m, ls, want)
			}
		}
	}
}
