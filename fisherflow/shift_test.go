package fisherflow

import (
	"math/rand/v2"
	"testing"
)

// TestShifted checks the moving training windows: every draw is a
// window of its record (sequence and signal at the same offset, the
// record's label), every offset in [0, 2*Shift] occurs, and Crop(Shift,
// L) is the centred window.
func TestShifted(t *testing.T) {
	const shift, L, n, K = 3, 5, 4, 32
	full := L + 2*shift
	var seqs [][]int
	var sig []float64
	var labels []int
	for j := range n {
		s := make([]int, full)
		for p := range s {
			s[p] = p // the class at a position is its index in the record
			sig = append(sig, float64(1000*j+p))
		}
		seqs = append(seqs, s)
		labels = append(labels, j%2)
	}
	ls, err := NewLabelledSequences(seqs, K, sig, 1, labels, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewShifted(ls, (full+1)/2); err == nil {
		t.Error("a shift leaving no window was accepted")
	}
	d, err := NewShifted(ls, shift)
	if err != nil {
		t.Fatal(err)
	}
	cd, ok := d.(ConditionedData)
	if !ok || d.Positions() != L || cd.Signal() != 1 || cd.Classes() != 2 {
		t.Fatalf("Shifted: %T, %d positions", d, d.Positions())
	}
	r := rand.New(rand.NewPCG(1, 2))
	const draws = 200
	seq, sg, cls := make([]int, draws*L), make([]float64, draws*L), make([]int, draws)
	cd.DrawConditioned(r, seq, sg, cls)
	seen := map[int]bool{}
	for i := range draws {
		o := seq[i*L]
		j := int(sg[i*L]) / 1000
		seen[o] = true
		if o < 0 || o > 2*shift || cls[i] != labels[j] {
			t.Fatalf("draw %d: offset %d, record %d, class %d", i, o, j, cls[i])
		}
		for p := range L {
			if seq[i*L+p] != o+p || sg[i*L+p] != float64(1000*j+o+p) {
				t.Fatalf("draw %d position %d: class %d signal %v, want %d and %d", i, p, seq[i*L+p], sg[i*L+p], o+p, 1000*j+o+p)
			}
		}
	}
	if len(seen) != 2*shift+1 {
		t.Errorf("offsets seen: %v, want all of [0, %d]", seen, 2*shift)
	}
	c, err := ls.Crop(shift, L)
	if err != nil {
		t.Fatal(err)
	}
	for j := range n {
		for p := range L {
			if c.Seqs[j][p] != shift+p || c.Sig[j*L+p] != float64(1000*j+shift+p) {
				t.Fatalf("Crop: record %d position %d: %d, %v", j, p, c.Seqs[j][p], c.Sig[j*L+p])
			}
		}
	}
	// Without conditioning it is plain Data, as *Sequences is.
	plain, err := NewShifted(&LabelledSequences{Sequences: ls.Sequences}, shift)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.(ConditionedData); ok {
		t.Error("unconditioned Shifted is ConditionedData")
	}
	plain.Draw(r, seq[:L], nil)
	if o := seq[0]; o < 0 || o > 2*shift || seq[L-1] != o+L-1 {
		t.Errorf("plain draw %v", seq[:L])
	}
}
