// Package molflow is the molecule flow of Fisher Flow Matching: FlowMol's
// recipe for 3D molecular graphs with its categorical parts (atom types,
// formal charges, bond classes of every atom pair) as Fisher flows on the
// positive orthant of the sphere, and positions as Euclidean flow
// matching with zero centre of mass.
package molflow
