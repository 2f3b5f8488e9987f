package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow/nn"
)

// An EGNN on a batch of two molecules, of 3 and 2 atoms: positions and
// node features per atom, pair features per pair i < j of each molecule
// (3 + 1 pairs), all concatenated without padding.
func ExampleEGNN() {
	c := nn.EGNNConfig{NodeIn: 4, EdgeIn: 2, Hidden: 8, Layers: 2, NodeOut: 3, EdgeOut: 2}
	m := nn.NewEGNN[float32](c, rand.New(rand.NewPCG(1, 2)))
	m.Plan(16, 8) // up to 16 atoms a batch, 8 a molecule
	sizes := []int{3, 2}
	x := []float32{0, 0, 0, 1.1, 0, 0, 0, 1.4, 0, 5, 5, 5, 5, 5, 6.2}
	h := make([]float32, 5*c.NodeIn)
	e := make([]float32, 4*c.EdgeIn)
	v, hout, eout := m.Forward(x, h, e, sizes)
	fmt.Println(len(v), len(hout), len(eout), m.Batch().PairOff)
	// Gradients of a loss with respect to v, hout and eout go back
	// through Backward, which adds the parameter gradients.
	dx := make([]float32, len(x))
	m.Backward(dx, nil, nil, v, hout, eout)
	fmt.Println(m.Params().Count() == c.NumParams())
	// Output:
	// 15 15 8 [0 3 4]
	// true
}
