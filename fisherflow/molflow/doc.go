// Package molflow is the molecule flow of Fisher Flow Matching: FlowMol's
// recipe for 3D molecular graphs with the categorical parts as Fisher
// flows. A molecule of N atoms is N positions in R^3 (centre of mass
// removed), an atom type and a formal charge per atom (classes of a
// mol.Vocab), and a bond class (none, single, double, triple) per pair
// i < j. Positions flow by Euclidean flow matching from an isotropic
// Gaussian with zero centre of mass; each categorical part flows on the
// positive orthant of its unit sphere (the sqrt map of the simplex) from
// the uniform prior along great circles, as package fisherflow's sequence
// flow does, or, for the linear baseline, on the simplex from
// Dirichlet(1) along straight lines. The geometry runs in float64.
//
// Where things are:
//
//   - layout.go: Capacity (the largest batch, planned once), Layout (where
//     each molecule's atoms and pairs sit in a batch's concatenated arrays,
//     pairs in mol.PairIndex order, with the gather indices a network over
//     the fully connected graph needs), Dims and Parts (one buffer per
//     part: positions, types, charges, bonds).
//   - flow.go: Config (Method, loss Weights, Permute, Align, Param, the
//     categorical schedule CatCosine) and Flow: Load
//     a batch of mol.Graph values, DrawPrior, Permute and Align the prior
//     positions, Interpolate at per-molecule times (x_t and the
//     closed-form targets), or all of it at once with Draw.
//   - permute.go: Flow.Permute, the per-molecule assignment of prior atoms
//     to data atoms (exact OT on squared distances, kernels.EMD).
//   - kabsch.go: Kabsch, the rotation that best aligns two point sets
//     (Horn's quaternion form, a Jacobi eigen solve), and Rotation.
//   - geometry.go: the per-part priors, interpolants, tangent projections
//     and Euler steps (the categorical ones as in fisherflow/flow.go).
//   - field.go: Inputs, Field, Trainable and FieldFunc: what a network such
//     as an EGNN implements to be trained and sampled.
//   - symmetry.go: EquivarianceError, which measures how far a Field is
//     from rotating its position output with the molecule and ignoring
//     translations, for a network's tests.
//   - loss.go: Losses and Flow.Loss, the weighted mean squared errors of
//     the tangent-projected outputs (ParamVelocity), or of the predicted
//     displacements and the cross-entropies of the predicted classes
//     (ParamEndpoint), and their gradient for Backward.
//   - sample.go: Flow.Sample and Flow.SampleMolecules, the Euler sampler
//     from the prior (sizes from a mol.SizeDist) to decoded molecules.
//
// A training step is
//
//	in, err := flow.Draw(rng, graphs)  // prior, data, t, x_t, targets
//	net.Forward(flow.Output(), in)     // the network's raw field
//	losses, dout, err := flow.Loss(flow.Output())
//	net.Backward(dout)                 // then the optimizer step
//
// and generation is flow.SampleMolecules(net, rng, sizes, n, steps,
// name). A Flow allocates nothing per step once planned; it is not safe
// for concurrent use.
package molflow
