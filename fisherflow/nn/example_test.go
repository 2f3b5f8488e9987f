package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow/nn"
)

// Example fits y = 2x - 1 with one Linear layer: a forward pass, the
// squared error's gradient, the layer's hand-written backward pass and
// AdamW on a cosine schedule, over buffers allocated once.
func Example() {
	const batch = 32
	r := rand.New(rand.NewPCG(1, 2))
	l := nn.NewLinear[float64]("fit", 1, 1, r)
	ps := l.Params()
	opt := nn.NewAdamW(ps, 0)
	x, y, dy := make([]float64, batch), make([]float64, batch), make([]float64, batch)
	for step := 0; step < 2000; step++ {
		for i := range x {
			x[i] = 2*r.Float64() - 1
		}
		l.Forward(y, x, batch)
		for i := range y {
			dy[i] = 2 * (y[i] - (2*x[i] - 1)) / batch // d mean squared error / dy
		}
		ps.ZeroGrad()
		l.Backward(nil, dy, x, batch)
		opt.Update(ps, nn.Cosine(0.05, 0, step, 2000)) // to 0 by the end
	}
	fmt.Printf("w = %.2f, b = %.2f\n", l.Weight.W[0], l.Bias.W[0])
	// Output: w = 2.00, b = -1.00
}
