package fisherflow

import (
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow/nn"
)

func init() { RegisterNetwork(bestMLPNet{}) }

// bestMLPNet is "bestmlp", the toy benchmark's network (nn.BestMLP):
// Config.Hidden wide, with a time embedding of Config.TimeDim.
type bestMLPNet struct{}

func (bestMLPNet) Name() string        { return "bestmlp" }
func (bestMLPNet) Conditioned() bool   { return false }
func (bestMLPNet) Rows(cfg Config) int { return mlpRows(cfg) }

func (bestMLPNet) Size(cfg Config, positions, k, rows int, elem int64) (params, buffers int64) {
	n, h, t := int64(positions)*int64(k), int64(cfg.Hidden), int64(cfg.TimeDim)
	params = (n+t)*h + 2*(h+t)*h + (h+t)*n + 3*h + n + 2*t
	buffers = int64(rows) * (t + 3*(n+t) + 9*h + 3*n) * elem
	return params, buffers
}

func (bestMLPNet) Build32(cfg Config, positions, k, rows int, r *rand.Rand) nn.Network[float32] {
	return nn.NewBestMLP[float32](positions*k, cfg.Hidden, cfg.TimeDim, rows, r)
}

func (bestMLPNet) Build64(cfg Config, positions, k, rows int, r *rand.Rand) nn.Network[float64] {
	return nn.NewBestMLP[float64](positions*k, cfg.Hidden, cfg.TimeDim, rows, r)
}
