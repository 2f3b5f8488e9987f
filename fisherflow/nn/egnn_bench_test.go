package nn

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkEGNN times the forward and backward pass (parameter and input
// gradients) of an EGNN of the molecule task's size, hidden 64 and 4
// layers, on a batch of 32 molecules of 18 atoms (QM9's mean) in float32,
// reporting molecules/s. The node features stand for 5 atom types, 3
// charges and the time; the pair features and outputs for 4 bond states.
func BenchmarkEGNN(b *testing.B) {
	const mols, atoms = 32, 18
	c := EGNNConfig{NodeIn: 9, EdgeIn: 4, Hidden: 64, Layers: 4, NodeOut: 8, EdgeOut: 4}
	r := rand.New(rand.NewPCG(1, 2))
	m := NewEGNN[float32](c, r)
	m.Plan(mols*atoms, atoms)
	sizes := make([]int, mols)
	for i := range sizes {
		sizes[i] = atoms
	}
	rnd := func(n int, scale float64) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(scale * r.NormFloat64())
		}
		return x
	}
	n, p := mols*atoms, mols*atoms*(atoms-1)/2
	x, h, e := rnd(3*n, 1.5), rnd(n*c.NodeIn, 1), rnd(p*c.EdgeIn, 1)
	dx, dh, de := make([]float32, len(x)), make([]float32, len(h)), make([]float32, len(e))
	for b.Loop() {
		v, ho, eo := m.Forward(x, h, e, sizes)
		m.Backward(dx, dh, de, v, ho, eo)
	}
	b.ReportMetric(mols*float64(b.N)/b.Elapsed().Seconds(), "mols/s")
}
