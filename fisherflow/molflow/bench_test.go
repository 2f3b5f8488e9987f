package molflow

import (
	"testing"

	"github.com/fisherflow/fisherflow/fisherflow/mol"
)

// benchBatch returns a QM9-sized training batch: 128 molecules cycling
// through the test molecules.
func benchBatch(b *testing.B) (mol.Vocab, []*mol.Graph) {
	v, gs := testGraphs(b, testMolecules(b))
	batch := make([]*mol.Graph, 128)
	for i := range batch {
		batch[i] = gs[i%len(gs)]
	}
	return v, batch
}

// BenchmarkDrawLoss times the flow's share of a training step (the
// network's Forward and Backward excluded).
func BenchmarkDrawLoss(b *testing.B) {
	v, batch := benchBatch(b)
	for _, cfg := range []Config{{}, {Permute: true, Align: true}} {
		b.Run(map[bool]string{false: "plain", true: "permute+align"}[cfg.Align], func(b *testing.B) {
			f := newTestFlow(b, v, batch, cfg)
			r := testRand(1)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.Draw(r, batch); err != nil {
					b.Fatal(err)
				}
				if _, _, err := f.Loss(f.Output()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSampleStep times the sampler's share of an Euler step (the
// field is a no-op).
func BenchmarkSampleStep(b *testing.B) {
	v, batch := benchBatch(b)
	f := newTestFlow(b, v, batch, Config{})
	sizes := make([]int, len(batch))
	for i, g := range batch {
		sizes[i] = len(g.Types)
	}
	zero := FieldFunc(func(*Parts, *Inputs) error { return nil })
	r := testRand(1)
	const steps = 10
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Sample(zero, r, sizes, steps); err != nil {
			b.Fatal(err)
		}
	}
}
