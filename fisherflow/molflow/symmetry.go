package molflow

import (
	"fmt"
	"math"
)

// EquivarianceError measures how far field is from the symmetries the
// flow assumes, at the inputs in: it evaluates field at in and again with
// every position rotated by R and moved by shift, and returns the largest
// difference between the rotated position output of the first and the
// position output of the second (each with its molecule's mean removed,
// as the flow removes it), and the largest change of a categorical output
// (which should not change at all). A network such as an EGNN should
// give both at rounding level; its tests can call this on a batch from
// Flow.Draw. in is not changed; the two outputs are allocated here.
func EquivarianceError(field Field, in *Inputs, R Rotation, shift [3]float64) (pos, cat float64, err error) {
	if field == nil || in == nil || in.Layout == nil {
		return 0, 0, fmt.Errorf("molflow.EquivarianceError: need a field and inputs with a layout")
	}
	if err := in.X.check(in.Layout, in.Dims, "inputs"); err != nil {
		return 0, 0, err
	}
	a := newOutputs(&in.X)
	if err := field.Forward(&a, in); err != nil {
		return 0, 0, err
	}
	moved := *in
	moved.X.Pos = append([]float64(nil), in.X.Pos...)
	R.Apply(moved.X.Pos)
	for i := range moved.X.Pos {
		moved.X.Pos[i] += shift[i%3]
	}
	b := newOutputs(&in.X)
	if err := field.Forward(&b, &moved); err != nil {
		return 0, 0, err
	}
	l := in.Layout
	for m := range l.Sizes {
		lo, hi := 3*l.AtomOff[m], 3*l.AtomOff[m+1]
		removeMean3(a.Pos[lo:hi])
		removeMean3(b.Pos[lo:hi])
	}
	R.Apply(a.Pos)
	pos = maxDiff(a.Pos, b.Pos)
	cat = max(maxDiff(a.Types, b.Types), maxDiff(a.Charges, b.Charges), maxDiff(a.Bonds, b.Bonds))
	return pos, cat, nil
}

// newOutputs returns Parts of the lengths of x.
func newOutputs(x *Parts) Parts {
	return Parts{
		Pos:     make([]float64, len(x.Pos)),
		Types:   make([]float64, len(x.Types)),
		Charges: make([]float64, len(x.Charges)),
		Bonds:   make([]float64, len(x.Bonds)),
	}
}

// maxDiff returns the largest |a_i - b_i|, or +Inf if one is not finite.
func maxDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		d := math.Abs(a[i] - b[i])
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		m = max(m, d)
	}
	return m
}
