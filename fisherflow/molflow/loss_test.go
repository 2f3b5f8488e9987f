package molflow

import (
	"math"
	"testing"
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
// under both methods and with non-default weights.
func TestLossGradient(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	gs = gs[:3]
	for _, m := range methods {
		f := newTestFlow(t, v, gs, Config{Method: m, Align: true, Weights: Weights{Pos: 3, Types: 0.4, Charges: 1.5, Bonds: 2}})
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
					t.Fatalf("%s part %d value %d: dL/dout %v, central difference %v", m, k, i, pr[1][i], fd)
				}
				worst = max(worst, e)
			}
		}
		t.Logf("%s: largest relative gradient error %.1e", m, worst)
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
