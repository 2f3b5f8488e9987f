package moltrain

import (
	"testing"

	"github.com/fisherflow/fisherflow/fisherflow/mol"
)

// BenchmarkTrainStep is one float32 training step of the default setting
// on QM7 (all sizes, up to 23 atoms).
func BenchmarkTrainStep(b *testing.B) {
	mols, err := mol.QM7()
	if err != nil {
		b.Fatal(err)
	}
	v := mol.NewVocab(mols)
	gs := make([]*mol.Graph, len(mols))
	for i, m := range mols {
		if gs[i], err = v.Encode(m); err != nil {
			b.Fatal(err)
		}
	}
	tr, err := NewTrainer[float32](DefaultConfig(), v, mol.NewSizeDist(mols), gs, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := tr.TrainStep(); err != nil {
			b.Fatal(err)
		}
	}
}
