// Package fisherflow implements Fisher Flow Matching (Davis et al. 2024)
// for sequences of categorical data, on top of package kernels.
//
// A sequence of k positions over d categories is a point of a product of
// probability simplices; the map p -> sqrt(p) sends each simplex onto the
// positive orthant of the unit sphere S^{d-1}, where the Fisher-Rao
// geodesics are great circles with closed forms. Training draws a prior
// point x0 (uniform on the orthant) and a data point x1 (one-hot), a time t,
// and regresses a network's tangent-projected output at the geodesic point
// x_t onto the geodesic's velocity u_t; sampling integrates the learned
// field with exponential-map Euler steps. Linear flow matching on the
// simplex is implemented beside it as the baseline.
//
// The geometry runs in float64 and the network in float32 (or float64).
//
// Where things are:
//
//   - config.go: Config, its defaults and validation (FieldError and the
//     Err... values name the settings at fault).
//   - trainer.go: Trainer, NewTrainer, TrainStep, Validate; sample.go:
//     Sample and SampleConditioned; checkpoint.go: Checkpoint, Restore,
//     NewSampler; memory.go: EstimateBytes.
//   - flow.go: the geometry of each Method (prior, interpolant, tangent
//     projection, Euler step); ot.go: the minibatch OT coupling (OTMode).
//   - network.go: the Network interface and its registry; one file per
//     network: net_bestmlp.go, net_mlp.go, net_convnet.go (promoter and
//     enhancer). The layers themselves are in package nn.
//   - data.go: Data and ConditionedData, with Sequences, Points (and
//     Smiley), LabelledSequences and Shifted; toy.go: the synthetic Toy
//     benchmark; motifs.go: the synthetic Motifs task.
//   - metrics.go: energy distance, Jensen-Shannon and k-mer divergences,
//     Frechet distance, SP-MSE; fbd.go: the FBD classifier (FBDModel).
//
// A new network is one file: a type implementing Network, registered by
// RegisterNetwork in an init function; Config.Net then names it.
package fisherflow
