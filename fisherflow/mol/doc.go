// Package mol is the data and metrics foundation of Fisher-Flow on 3D
// molecular graphs: molecules, their SDF files, the QM7 data set, the
// chemistry checks and distribution metrics of generated molecules, the
// featurisation the model needs, and reproducible splits.
package mol
