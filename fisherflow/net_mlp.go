package fisherflow

import (
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow/nn"
)

func init() { RegisterNetwork(mlpNet{}) }

// mlpNet is "mlp", the smiley experiment's network (nn.MLP): Config.Depth
// Linear layers Config.Hidden wide.
type mlpNet struct{}

func (mlpNet) Name() string        { return "mlp" }
func (mlpNet) Conditioned() bool   { return false }
func (mlpNet) Rows(cfg Config) int { return mlpRows(cfg) }

func (mlpNet) Size(cfg Config, positions, k, rows int, elem int64) (params, buffers int64) {
	n, h, depth := int64(positions)*int64(k), int64(cfg.Hidden), int64(cfg.Depth)
	params = ((n+1)*h + h) + (depth-2)*(h*h+h) + (h*n + n)
	buffers = int64(rows) * (depth*2*h + 4*n) * elem
	return params, buffers
}

func (mlpNet) Build32(cfg Config, positions, k, rows int, r *rand.Rand) nn.Network[float32] {
	return nn.NewMLP[float32](positions*k, cfg.Hidden, cfg.Depth, rows, r)
}

func (mlpNet) Build64(cfg Config, positions, k, rows int, r *rand.Rand) nn.Network[float64] {
	return nn.NewMLP[float64](positions*k, cfg.Hidden, cfg.Depth, rows, r)
}
