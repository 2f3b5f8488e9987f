package fisherflow

import (
	"math/rand/v2"

	"github.com/fisherflow/fisherflow/fisherflow/nn"
)

func init() {
	RegisterNetwork(convNet{name: "promoter"})
	RegisterNetwork(convNet{name: "enhancer"})
}

// convNet is "promoter" or "enhancer", the reference DNA networks
// (nn.ConvNet with nn.PromoterConfig or nn.EnhancerConfig), with
// Config.Channels and Config.Blocks where set. They take a signal and
// class labels from ConditionedData.
type convNet struct{ name string }

func (n convNet) Name() string    { return n.name }
func (convNet) Conditioned() bool { return true }

// Rows is the training batch: a ConvNet's buffers are per position, so
// it samples in batches of that size too.
func (convNet) Rows(cfg Config) int { return cfg.Batch }

// config is the ConvNet of cfg for sequences of positions x k.
func (n convNet) config(cfg Config, positions, k int) nn.ConvNetConfig {
	c := nn.PromoterConfig(positions)
	if n.name == "enhancer" {
		c = nn.EnhancerConfig(positions, cfg.Classes)
	}
	c.Categories, c.Signal, c.Classes = k, cfg.Signal, cfg.Classes
	if cfg.Channels > 0 {
		c.Channels = cfg.Channels
	}
	if cfg.Blocks > 0 {
		c.Blocks = cfg.Blocks
	}
	return c
}

func (n convNet) Size(cfg Config, positions, k, rows int, elem int64) (params, buffers int64) {
	cc := n.config(cfg, positions, k)
	c, l, kw, nb := int64(cc.Channels), int64(positions), int64(cc.Kernel), int64(cc.Blocks)
	var classes int64
	if cc.Classes > 0 {
		classes = int64(cc.Classes+1) * c // the class embedding
	}
	params = (c*c + c) + classes + (int64(k+cc.Signal)*c*kw + c) + // time, classes, input convolution
		nb*((c*c+c)+2*c+(c*c*kw+c)) + // blocks: dense, norm, convolution
		(c*c + c) + (c*int64(k) + int64(k)) // head
	// Two activations per block, a dozen more per position, and the
	// packing buffers of the convolutions' products (kernels.Conv1d: a
	// block of A of up to 2^20 values, a block of B per thread, the
	// weights rearranged for the input gradient).
	buffers = (int64(rows)*l*c*(2*nb+14) + 1<<20 + 1<<18 + c*c*kw) * elem
	return params, buffers
}

func (n convNet) Build32(cfg Config, positions, k, rows int, r *rand.Rand) nn.Network[float32] {
	return nn.NewConvNet[float32](n.config(cfg, positions, k), rows, r)
}

func (n convNet) Build64(cfg Config, positions, k, rows int, r *rand.Rand) nn.Network[float64] {
	return nn.NewConvNet[float64](n.config(cfg, positions, k), rows, r)
}
