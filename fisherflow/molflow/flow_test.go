package molflow

import (
	"errors"
	"math"
	"testing"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/mol"
	"github.com/fisherflow/fisherflow/kernels"
)

func TestLayout(t *testing.T) {
	l, err := NewLayout(Capacity{Molecules: 3, MaxAtoms: 5})
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{2, 5, 3}
	if err := l.Set(sizes); err != nil {
		t.Fatal(err)
	}
	if l.Molecules() != 3 || l.Atoms() != 10 || l.Pairs() != 1+10+3 {
		t.Fatalf("molecules %d atoms %d pairs %d", l.Molecules(), l.Atoms(), l.Pairs())
	}
	for b, n := range sizes {
		a0, p0 := l.AtomOff[b], l.PairOff[b]
		for i := range n {
			if l.AtomMol[a0+i] != b {
				t.Fatalf("atom %d of molecule %d has molecule %d", i, b, l.AtomMol[a0+i])
			}
			for j := i + 1; j < n; j++ {
				k := p0 + mol.PairIndex(i, j, n)
				if l.PairI[k] != a0+i || l.PairJ[k] != a0+j || l.PairMol[k] != b {
					t.Fatalf("pair (%d,%d) of molecule %d: got atoms %d, %d of molecule %d", i, j, b, l.PairI[k], l.PairJ[k], l.PairMol[k])
				}
			}
		}
	}
	for name, s := range map[string][]int{"one atom": {2, 1}, "too big": {6}, "too many": {2, 2, 2, 2}} {
		if err := l.Set(s); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	if err := l.Set(nil); !errors.Is(err, ErrEmptyBatch) {
		t.Errorf("empty batch: got %v", err)
	}
	if _, err := NewLayout(Capacity{Molecules: 1, MaxAtoms: 1}); err == nil {
		t.Error("capacity of 1 atom: want an error")
	}
}

func TestNewAndLoadErrors(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	if _, err := New(v, Config{Method: "nope"}, Capacity{Molecules: 1, MaxAtoms: 4}); err == nil {
		t.Error("unknown method: want an error")
	}
	if _, err := New(v, Config{Weights: Weights{Pos: -1}}, Capacity{Molecules: 1, MaxAtoms: 4}); err == nil {
		t.Error("negative weight: want an error")
	}
	if _, err := New(mol.Vocab{}, Config{}, Capacity{Molecules: 1, MaxAtoms: 4}); err == nil {
		t.Error("empty vocabulary: want an error")
	}
	f := newTestFlow(t, v, gs, Config{})
	one := &mol.Graph{Types: []int{0}, Charges: []int{0}, Bonds: []int{}, Pos: [][3]float64{{0, 0, 0}}}
	badType := &mol.Graph{Types: []int{0, 99}, Charges: []int{0, 0}, Bonds: []int{0}, Pos: make([][3]float64, 2)}
	badBond := &mol.Graph{Types: []int{0, 0}, Charges: []int{0, 0}, Bonds: []int{4}, Pos: make([][3]float64, 2)}
	short := &mol.Graph{Types: []int{0, 0}, Charges: []int{0}, Bonds: []int{0}, Pos: make([][3]float64, 2)}
	nan := &mol.Graph{Types: []int{0, 0}, Charges: []int{0, 0}, Bonds: []int{0}, Pos: [][3]float64{{math.NaN(), 0, 0}, {}}}
	for name, batch := range map[string][]*mol.Graph{
		"empty": nil, "one atom": {gs[0], one}, "bad type": {badType}, "bad bond": {badBond},
		"short": {short}, "nil": {nil}, "nan": {nan}, "too many": append(append([]*mol.Graph{}, gs...), gs[0]),
	} {
		if err := f.Load(batch); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	// A failed Load leaves no batch behind.
	if _, err := f.Interpolate(nil); !errors.Is(err, ErrEmptyBatch) {
		t.Errorf("Interpolate after a failed Load: got %v", err)
	}
	if _, _, err := f.Loss(f.Output()); !errors.Is(err, ErrEmptyBatch) {
		t.Errorf("Loss after a failed Load: got %v", err)
	}
	if err := f.Load(gs[:2]); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Interpolate([]float64{0.5}); err == nil {
		t.Error("one time for two molecules: want an error")
	}
	if _, err := f.Interpolate([]float64{0.5, 1.5}); err == nil {
		t.Error("time 1.5: want an error")
	}
}

// TestPriorAndInterpolant checks the priors and interpolants of both
// methods on real molecules: centred positions, points on their manifold
// (the sphere's positive orthant to 1e-12, or the simplex), the ends of
// the path, and the target as the derivative of the interpolant.
func TestPriorAndInterpolant(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	for _, c := range []struct {
		m  fisherflow.Method
		nu float64
	}{{fisherflow.FisherFlow, 0}, {fisherflow.Linear, 0}, {fisherflow.FisherFlow, 2}, {fisherflow.Linear, 1.5}} {
		m := c.m
		f := newTestFlow(t, v, gs, Config{Method: m, Align: true, CatCosine: c.nu})
		r := testRand(1)
		in, err := f.Draw(r, gs)
		if err != nil {
			t.Fatal(err)
		}
		l, d := f.Layout(), f.Dims()
		for _, p := range []*Parts{f.Prior(), f.Data(), &in.X} {
			for b := range l.Sizes {
				checkCentred(t, p.Pos[3*l.AtomOff[b]:3*l.AtomOff[b+1]])
			}
			for _, c := range categorical(p, d) {
				checkOnManifold(t, m, c)
			}
		}
		checkTargetIsDerivative(t, f, in.T)
		// The ends of the path: x0 at t = 0, x1 at t = 1.
		for _, end := range []float64{0, 1} {
			ts := make([]float64, len(gs))
			for i := range ts {
				ts[i] = end
			}
			in, _ := f.Interpolate(ts)
			want := f.Prior()
			if end == 1 {
				want = f.Data()
			}
			for k, pair := range [][2][]float64{{in.X.Pos, want.Pos}, {in.X.Types, want.Types}, {in.X.Charges, want.Charges}, {in.X.Bonds, want.Bonds}} {
				if e := maxAbsDiff(pair[0], pair[1]); e > 1e-14 {
					t.Errorf("%s t=%v part %d: off the end point by %g", m, end, k, e)
				}
			}
		}
	}
}

func checkCentred(t *testing.T, pos []float64) {
	t.Helper()
	var c [3]float64
	for i := 0; i < len(pos); i += 3 {
		for k := range 3 {
			c[k] += pos[i+k]
		}
	}
	for k := range 3 {
		if math.Abs(c[k]) > 1e-12*float64(len(pos)) {
			t.Fatalf("centre %v, want 0", c)
		}
	}
}

func checkOnManifold(t *testing.T, m fisherflow.Method, c catPart) {
	t.Helper()
	for row := 0; row < len(c.x); row += c.d {
		xr := c.x[row : row+c.d]
		s, s2 := 0.0, 0.0
		for _, w := range xr {
			if w < 0 || math.IsNaN(w) {
				t.Fatalf("%s %s row %d: %v has a negative entry", m, c.name, row/c.d, xr)
			}
			s += w
			s2 += w * w
		}
		if m == fisherflow.FisherFlow && math.Abs(s2-1) > 1e-12 {
			t.Fatalf("%s row %d: norm^2 %v", c.name, row/c.d, s2)
		}
		if m == fisherflow.Linear && math.Abs(s-1) > 1e-12 {
			t.Fatalf("%s row %d: sum %v", c.name, row/c.d, s)
		}
	}
}

// checkTargetIsDerivative compares the target with central differences of
// the interpolant in t, and on the sphere with LogMap(x_t, x1)/(1-t)
// (kappa'(t) LogMap(x_t, x1)/(1-kappa(t)) under a categorical schedule)
// and with tangency at x_t.
func checkTargetIsDerivative(t *testing.T, f *Flow, ts []float64) {
	t.Helper()
	m, d := f.Config().Method, f.Dims()
	t0 := append([]float64(nil), ts...)
	for i := range t0 {
		t0[i] = 0.1 + 0.8*t0[i] // inside (0, 1) for the differences and 1-t
	}
	in, _ := f.Interpolate(t0)
	xt, u := clone(&in.X), clone(f.Target())
	const h = 1e-5
	lo, hi := append([]float64(nil), t0...), append([]float64(nil), t0...)
	for i := range lo {
		lo[i] -= h
		hi[i] += h
	}
	a, _ := f.Interpolate(lo)
	xa := clone(&a.X)
	bb, _ := f.Interpolate(hi)
	xb := clone(&bb.X)
	fd := func(x, y []float64) []float64 {
		out := make([]float64, len(x))
		for i := range x {
			out[i] = (y[i] - x[i]) / (2 * h)
		}
		return out
	}
	for k, pr := range [][3][]float64{{xa.Pos, xb.Pos, u.Pos}, {xa.Types, xb.Types, u.Types}, {xa.Charges, xb.Charges, u.Charges}, {xa.Bonds, xb.Bonds, u.Bonds}} {
		if e := maxAbsDiff(fd(pr[0], pr[1]), pr[2]); e > 1e-8 {
			t.Errorf("%s (schedule %v) part %d: target differs from d/dt x_t by %g", m, f.Config().CatCosine, k, e)
		}
	}
	if m != fisherflow.FisherFlow {
		return
	}
	f.Interpolate(t0)
	l := f.Layout()
	for _, c := range []struct {
		x, x1, u []float64
		d        int
		rows     []int
	}{{xt.Types, f.Data().Types, u.Types, d.Types, l.AtomMol}, {xt.Charges, f.Data().Charges, u.Charges, d.Charges, l.AtomMol}, {xt.Bonds, f.Data().Bonds, u.Bonds, d.Bonds, l.PairMol}} {
		lg := make([]float64, len(c.x))
		kernels.LogMap(lg, c.x, c.x1, c.d)
		for row, b := range c.rows {
			dot := 0.0
			for j := row * c.d; j < (row+1)*c.d; j++ {
				dot += c.x[j] * c.u[j]
				k, dk := f.Config().catTime(t0[b])
				if e := math.Abs(lg[j]*dk/(1-k) - c.u[j]); e > 1e-12 {
					t.Fatalf("row %d: target differs from LogMap(x_t, x1)/(1-t) by %g", row, e)
				}
			}
			if math.Abs(dot) > 1e-12 {
				t.Fatalf("row %d: <x_t, u> = %g, want 0", row, dot)
			}
		}
	}
}

// clone returns a deep copy of p.
func clone(p *Parts) Parts {
	return Parts{
		Pos:     append([]float64(nil), p.Pos...),
		Types:   append([]float64(nil), p.Types...),
		Charges: append([]float64(nil), p.Charges...),
		Bonds:   append([]float64(nil), p.Bonds...),
	}
}

// TestInvariance checks that rotating and translating the data rotates
// the position targets and leaves the categorical ones unchanged: with
// alignment for the same prior (Kabsch follows the rotation), and without
// it, with or without the atom assignment, for the prior rotated alike
// (the prior is isotropic, and the assignment's distances do not change
// under a rotation of both).
func TestInvariance(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	R := randomRotation(testRand(7))
	moved := make([]*mol.Graph, len(gs))
	for i, g := range gs {
		moved[i] = transformed(g, R, [3]float64{3, -1, 12})
	}
	for _, m := range methods {
		for _, cfg := range []Config{{Method: m, Align: true}, {Method: m}, {Method: m, Permute: true}} {
			align := cfg.Align
			f := newTestFlow(t, v, gs, cfg)
			r := testRand(8)
			if _, err := f.Draw(r, gs); err != nil {
				t.Fatal(err)
			}
			ts := append([]float64(nil), f.in.T...)
			x0 := clone(f.Prior())
			u := clone(f.Target())
			if err := f.Load(moved); err != nil {
				t.Fatal(err)
			}
			p := f.Prior()
			copy(p.Pos, x0.Pos)
			copy(p.Types, x0.Types)
			copy(p.Charges, x0.Charges)
			copy(p.Bonds, x0.Bonds)
			if align {
				f.Align()
			} else {
				R.Apply(p.Pos)
			}
			if cfg.Permute {
				if err := f.Permute(); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.Interpolate(ts); err != nil {
				t.Fatal(err)
			}
			want := append([]float64(nil), u.Pos...)
			R.Apply(want)
			got := f.Target()
			l := f.Layout()
			for b := range l.Sizes {
				lo, hi := 3*l.AtomOff[b], 3*l.AtomOff[b+1]
				if align && collinear(f.Data().Pos[lo:hi]) {
					continue // every rotation about the axis is optimal: no unique target
				}
				if e := maxAbsDiff(got.Pos[lo:hi], want[lo:hi]); e > 1e-9 {
					t.Errorf("%s %+v molecule %d: position targets off the rotated ones by %g", m, cfg, b, e)
				}
			}
			for k, pr := range [][2][]float64{{got.Types, u.Types}, {got.Charges, u.Charges}, {got.Bonds, u.Bonds}} {
				if e := maxAbsDiff(pr[0], pr[1]); e != 0 {
					t.Errorf("%s %+v: categorical part %d changed by %g", m, cfg, k, e)
				}
			}
		}
	}
}

// TestAlignShortensPaths checks that alignment never lengthens a
// molecule's straight position path.
func TestAlignShortensPaths(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	f := newTestFlow(t, v, gs, Config{})
	if err := f.Load(gs); err != nil {
		t.Fatal(err)
	}
	f.DrawPrior(testRand(3))
	before := sqDist(f.Prior().Pos, f.Data().Pos)
	f.Align()
	after := sqDist(f.Prior().Pos, f.Data().Pos)
	if after > before {
		t.Fatalf("aligned paths %v longer than unaligned %v", after, before)
	}
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return s
}

// collinear tells whether the centred points pos lie on a line through
// the origin.
func collinear(pos []float64) bool {
	var a [3]float64 // the point farthest from the origin gives the line
	for i := 0; i < len(pos); i += 3 {
		if pos[i]*pos[i]+pos[i+1]*pos[i+1]+pos[i+2]*pos[i+2] > a[0]*a[0]+a[1]*a[1]+a[2]*a[2] {
			a = [3]float64{pos[i], pos[i+1], pos[i+2]}
		}
	}
	for i := 0; i < len(pos); i += 3 {
		p := pos[i : i+3]
		c := [3]float64{a[1]*p[2] - a[2]*p[1], a[2]*p[0] - a[0]*p[2], a[0]*p[1] - a[1]*p[0]}
		if c[0]*c[0]+c[1]*c[1]+c[2]*c[2] > 1e-12 {
			return false
		}
	}
	return true
}

// TestOneClassParts runs a batch whose vocabulary has a single charge (QM7
// is neutral): a part of one class is a single point of its sphere or
// simplex, with targets zero up to rounding, and must not give NaN
// anywhere.
func TestOneClassParts(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t)[2:])
	if len(v.Charges) != 1 {
		t.Fatalf("charges %v, want one class", v.Charges)
	}
	for _, m := range methods {
		f := newTestFlow(t, v, gs, Config{Method: m, Permute: true, Align: true})
		in, err := f.Draw(testRand(31), gs)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range in.X.Charges {
			if math.Abs(w-1) > 1e-15 || math.Abs(f.Target().Charges[i]) > 1e-15 {
				t.Fatalf("%s: charge point %v target %v, want 1 and 0", m, w, f.Target().Charges[i])
			}
		}
		fillRandom(f.Output(), 3)
		if ls, _, err := f.Loss(f.Output()); err != nil || math.IsNaN(ls.Total) || ls.Charges > 1e-30 {
			t.Fatalf("%s: losses %+v, %v", m, ls, err)
		}
		if _, err := f.Sample(FieldFunc(pairField), testRand(32), []int{5, 3}, 10); err != nil {
			t.Fatalf("%s: %v", m, err)
		}
	}
}

// TestCatTime checks the categorical schedule: its ends, that it rises,
// and its derivative against central differences.
func TestCatTime(t *testing.T) {
	for _, nu := range []float64{0, 1, 1.5, 2, 3} {
		c := Config{CatCosine: nu}
		if k, _ := c.catTime(0); k != 0 {
			t.Errorf("nu %v: kappa(0) = %v", nu, k)
		}
		if k, _ := c.catTime(1); math.Abs(k-1) > 1e-15 {
			t.Errorf("nu %v: kappa(1) = %v", nu, k)
		}
		prev := -1.0
		for i := 1; i < 100; i++ {
			tt := float64(i) / 100
			k, dk := c.catTime(tt)
			kp, _ := c.catTime(tt + 1e-6)
			km, _ := c.catTime(tt - 1e-6)
			if e := math.Abs((kp-km)/2e-6 - dk); e > 1e-7 {
				t.Fatalf("nu %v t %v: kappa' %v, central difference %v", nu, tt, dk, (kp-km)/2e-6)
			}
			if k <= prev {
				t.Fatalf("nu %v: kappa does not rise at t %v", nu, tt)
			}
			prev = k
		}
	}
	if _, err := New(mol.Vocab{Elements: []string{"C", "H"}, Charges: []int{0}}, Config{CatCosine: 0.5}, Capacity{Molecules: 1, MaxAtoms: 3}); err == nil {
		t.Error("schedule exponent 0.5: want an error")
	}
}
