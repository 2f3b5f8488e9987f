package fisherflow

import (
	"math/rand/v2"
	"testing"

	"github.com/fisherflow/fisherflow/fisherflow/nn"
)

// plantedClasses draws n random DNA sequences of length L, each with the
// motif of its class planted at a random offset.
func plantedClasses(r *rand.Rand, n, L int, motifs []string) ([][]int, []int) {
	seqs, labels := make([][]int, n), make([]int, n)
	for i := range seqs {
		s := make([]int, L)
		for p := range s {
			s[p] = r.IntN(4)
		}
		c := r.IntN(len(motifs))
		off := r.IntN(L - len(motifs[c]) + 1)
		for j, b := range motifs[c] {
			s[off+j] = map[rune]int{'A': 0, 'C': 1, 'G': 2, 'T': 3}[b]
		}
		seqs[i], labels[i] = s, c
	}
	return seqs, labels
}

// A small classifier learns planted-motif classes, and FBD ranks sets as
// it should: two held-out halves of the data are close, random sequences
// and a single class are far.
func TestFBDModel(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a classifier")
	}
	r := rand.New(rand.NewPCG(3, 5))
	motifs := []string{"TATAAT", "GCGCGC", "ACCGGT"}
	const L = 24
	train, ytrain := plantedClasses(r, 3000, L, motifs)
	held, yheld := plantedClasses(r, 1200, L, motifs)
	cfg := nn.ClassifierConfig{Length: L, Categories: 4, Classes: 3, Channels: 16, Blocks: 2, Kernel: 5, Dilations: []int{1, 2}}
	m, loss, err := TrainFBDModel(train, ytrain, cfg, FBDTraining{Steps: 400, Batch: 32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := m.Accuracy(held, yheld)
	if err != nil || acc < 0.9 {
		t.Fatalf("held-out accuracy %.3f (%v), final loss %.3f", acc, err, loss)
	}
	random := make([][]int, 600)
	for i := range random {
		random[i] = make([]int, L)
		for p := range random[i] {
			random[i][p] = r.IntN(4)
		}
	}
	var class0 [][]int
	for i, s := range held[600:] {
		if yheld[600+i] == 0 {
			class0 = append(class0, s)
		}
	}
	same, err1 := m.FBD(held[:600], held[600:])
	rnd, err2 := m.FBD(random, held[600:])
	one, err3 := m.FBD(class0, held[600:])
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatal(err1, err2, err3)
	}
	t.Logf("accuracy %.3f, loss %.3f; FBD: held-out halves %.3g, random %.3g, one class %.3g", acc, loss, same, rnd, one)
	if !(same < rnd/5 && same < one/5) {
		t.Errorf("FBD does not separate: same distribution %.3g, random %.3g, one class %.3g", same, rnd, one)
	}
	// The classifier survives a round trip through its file bit for bit.
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalFBDModel(b)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := back.FBD(held[:600], held[600:]); err != nil || again != same {
		t.Fatalf("restored classifier: FBD %v (%v), want %v", again, err, same)
	}
	if _, err := UnmarshalFBDModel(b[:len(b)-4]); err == nil {
		t.Error("a truncated classifier file accepted")
	}
	if _, err := m.FBD(held[:1], held); err == nil {
		t.Error("a one-sequence set accepted")
	}
	if _, _, err := TrainFBDModel(train[:2], []int{0, 3}, cfg, FBDTraining{}); err == nil {
		t.Error("a label outside the classes accepted")
	}
}
