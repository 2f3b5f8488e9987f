package molflow

// Inputs is what the network sees of a batch: the point x_t of every
// molecule on the flow's manifolds and its time.
//
// X.Pos holds the atoms' positions (3 an atom, zero mean per molecule);
// X.Types, X.Charges and X.Bonds the categorical parts as points of the
// positive orthant of the unit sphere (FisherFlow: sqrt of the
// probabilities) or of the simplex (Linear), Dims.Types and Dims.Charges
// an atom and Dims.Bonds a pair, pairs as Layout orders them. T holds one
// time in [0, 1] a molecule. An EGNN over the fully connected molecule
// graph takes its node features from X.Types, X.Charges and T (through
// Layout.AtomMol), its edge features from X.Bonds and the distances of
// X.Pos over Layout.PairI and Layout.PairJ, and its coordinates from
// X.Pos.
type Inputs struct {
	Layout *Layout
	Dims   Dims
	X      Parts
	T      []float64
}

// Field is the learned vector field of the molecule flow. Forward writes
// the field at in into out, whose slices the caller has cut to the
// batch's lengths (the same as in.X): a velocity per atom in out.Pos (it
// should rotate with the molecule and not move with a translation), and a
// raw vector per atom or pair in out.Types, out.Charges and out.Bonds.
// The flow itself makes the outputs tangent (zero mean positions per
// molecule, tangent to the sphere at x_t or to the simplex), so a network
// need not; it must not keep out or in past the call.
type Field interface {
	Forward(out *Parts, in *Inputs) error
}

// Trainable is a Field that learns: Backward takes the gradient of the
// loss with respect to the outputs of the last Forward (Flow.Loss's
// gradient, in the layout of out) and accumulates the gradients of the
// network's parameters, as nn.Network's Backward does, for the trainer's
// optimizer step.
type Trainable interface {
	Field
	Backward(dout *Parts) error
}

// FieldFunc adapts a function to a Field.
type FieldFunc func(out *Parts, in *Inputs) error

// Forward calls f.
func (f FieldFunc) Forward(out *Parts, in *Inputs) error { return f(out, in) }
