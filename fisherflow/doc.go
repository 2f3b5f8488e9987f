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
// The geometry runs in float64 and the network in float32.
package fisherflow
