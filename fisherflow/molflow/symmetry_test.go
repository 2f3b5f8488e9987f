package molflow

import (
	"math"
	"testing"
)

// pairField is a one-layer message-passing field of the EGNN kind over the
// fully connected molecule graph: each pair's message depends on its
// distance, its bond state and its atoms' types and the time, moves both
// atoms along their difference vector, and feeds the pair's and atoms'
// categorical outputs. It is equivariant by construction.
func pairField(out *Parts, in *Inputs) error {
	clear(out.Pos)
	clear(out.Types)
	clear(out.Charges)
	clear(out.Bonds)
	l, d, x := in.Layout, in.Dims, &in.X
	for k := range l.PairI {
		i, j := l.PairI[k], l.PairJ[k]
		var dv [3]float64
		r2 := 0.0
		for c := range 3 {
			dv[c] = x.Pos[3*i+c] - x.Pos[3*j+c]
			r2 += dv[c] * dv[c]
		}
		bond := x.Bonds[d.Bonds*k : d.Bonds*(k+1)]
		ti, tj := x.Types[d.Types*i:d.Types*(i+1)], x.Types[d.Types*j:d.Types*(j+1)]
		same := 0.0
		for c := range ti {
			same += ti[c] * tj[c]
		}
		w := math.Exp(-r2/4) * (1 + bond[1] + same + in.T[l.PairMol[k]])
		for c := range 3 {
			out.Pos[3*i+c] += w * dv[c]
			out.Pos[3*j+c] -= w * dv[c]
		}
		for c := range bond {
			out.Bonds[d.Bonds*k+c] = w * float64(c+1)
		}
		for c := range d.Types {
			out.Types[d.Types*i+c] += w * tj[c]
			out.Types[d.Types*j+c] += w * ti[c]
		}
		out.Charges[d.Charges*i] += r2
		out.Charges[d.Charges*j] += r2
	}
	return nil
}

func TestEquivarianceError(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	f := newTestFlow(t, v, gs, Config{})
	in, err := f.Draw(testRand(21), gs)
	if err != nil {
		t.Fatal(err)
	}
	before := append([]float64(nil), in.X.Pos...)
	R := randomRotation(testRand(22))
	shift := [3]float64{1.5, -7, 0.25}
	pos, cat, err := EquivarianceError(FieldFunc(pairField), in, R, shift)
	if err != nil {
		t.Fatal(err)
	}
	if pos > 1e-12 || cat > 1e-12 {
		t.Errorf("equivariant field: position error %g, categorical error %g", pos, cat)
	}
	if maxAbsDiff(before, in.X.Pos) != 0 {
		t.Error("EquivarianceError changed its inputs")
	}
	// A field that reads a coordinate axis is not equivariant, and one
	// that reads absolute positions does not ignore translations.
	axis := FieldFunc(func(out *Parts, in *Inputs) error {
		for i := range out.Pos {
			out.Pos[i] = 0
			if i%3 == 0 {
				out.Pos[i] = in.X.Pos[i] * in.X.Pos[i]
			}
		}
		return nil
	})
	if pos, _, _ := EquivarianceError(axis, in, R, [3]float64{}); pos < 1e-3 {
		t.Errorf("axis field: position error %g, want a large one", pos)
	}
	absolute := FieldFunc(func(out *Parts, in *Inputs) error {
		clear(out.Pos)
		for i := range out.Types {
			out.Types[i] = in.X.Pos[3*(i/in.Dims.Types)]
		}
		return nil
	})
	if _, cat, _ := EquivarianceError(absolute, in, Identity(), shift); cat < 1 {
		t.Errorf("absolute-position field: categorical error %g, want a large one", cat)
	}
	if _, _, err := EquivarianceError(nil, in, R, shift); err == nil {
		t.Error("nil field: want an error")
	}
}

// scaledField is the simplest Trainable: theta times pairField, whose
// Backward accumulates dL/dtheta = <dout, pairField> from the flow's
// gradient, as a network's Backward accumulates its parameters'.
type scaledField struct {
	theta, grad float64
	basis       Parts
}

func (s *scaledField) Forward(out *Parts, in *Inputs) error {
	s.basis = newOutputs(&in.X)
	if err := pairField(&s.basis, in); err != nil {
		return err
	}
	for k, src := range [][]float64{s.basis.Pos, s.basis.Types, s.basis.Charges, s.basis.Bonds} {
		dst := [][]float64{out.Pos, out.Types, out.Charges, out.Bonds}[k]
		for i, w := range src {
			dst[i] = s.theta * w
		}
	}
	return nil
}

func (s *scaledField) Backward(dout *Parts) error {
	for k, g := range [][]float64{dout.Pos, dout.Types, dout.Charges, dout.Bonds} {
		for i, w := range g {
			s.grad += w * [][]float64{s.basis.Pos, s.basis.Types, s.basis.Charges, s.basis.Bonds}[k][i]
		}
	}
	return nil
}

// TestTrainableChainRule runs a training step's calls (Draw, Forward,
// Loss, Backward) with a one-parameter Trainable and checks the
// parameter's gradient, assembled from Loss's dL/dout, against a central
// difference of the loss in the parameter.
func TestTrainableChainRule(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	for _, m := range methods {
		f := newTestFlow(t, v, gs, Config{Method: m, Permute: true, Align: true})
		in, err := f.Draw(testRand(23), gs)
		if err != nil {
			t.Fatal(err)
		}
		var net Trainable = &scaledField{theta: 0.3}
		loss := func(theta float64) float64 {
			net.(*scaledField).theta = theta
			if err := net.Forward(f.Output(), in); err != nil {
				t.Fatal(err)
			}
			ls, _, err := f.Loss(f.Output())
			if err != nil {
				t.Fatal(err)
			}
			return ls.Total
		}
		const h = 1e-6
		fd := (loss(0.3+h) - loss(0.3-h)) / (2 * h)
		loss(0.3)
		_, dout, _ := f.Loss(f.Output())
		if err := net.Backward(dout); err != nil {
			t.Fatal(err)
		}
		if g := net.(*scaledField).grad; math.Abs(g-fd) > 1e-7*max(1, math.Abs(fd)) {
			t.Fatalf("%s: dL/dtheta %v from Backward, %v by central differences", m, g, fd)
		}
	}
}
