package fisherflow

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestMotifs(t *testing.T) {
	for _, motif := range []string{"TATAAT", "TTGACA", "GCG", "A"} {
		m, err := NewMotifs(40, motif)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		const n = 500
		seq, sig := make([]int, n*40), make([]float64, n*40)
		offs := m.Draw(r, seq, sig)
		// The data itself recalls its motif everywhere.
		if got := m.MotifRecall(seq, sig, 0); got != 1 {
			t.Fatalf("%s: recall of the data %v, want 1", motif, got)
		}
		for _, off := range offs {
			if off < 0 || off+len(motif) > 40 {
				t.Fatalf("%s: offset %d out of range", motif, off)
			}
		}
		// Shuffled signals: recall falls to chance (motif somewhere else
		// by accident), far below 1.
		perm := r.Perm(n)
		shuf := make([]float64, len(sig))
		for i, p := range perm {
			copy(shuf[i*40:(i+1)*40], sig[p*40:(p+1)*40])
		}
		chance := math.Pow(0.25, float64(len(motif)))
		if got := m.MotifRecall(seq, shuf, 0); got > chance+0.1 {
			t.Fatalf("%s: recall with shuffled signals %v, chance %v", motif, got, chance)
		}
	}
	if _, err := NewMotifs(40, "TAXA"); err == nil {
		t.Error("a motif with X was accepted")
	}
	if _, err := NewMotifs(3, "TATAAT"); err == nil {
		t.Error("a motif longer than the sequence was accepted")
	}
}

func TestKmerJS(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	draw := func(n int, p []float64) []int {
		s := make([]int, n*50)
		for i := range s {
			u, c := r.Float64(), 0
			for c < 3 && u > p[c] {
				u -= p[c]
				c++
			}
			s[i] = c
		}
		return s
	}
	uniform := []float64{0.25, 0.25, 0.25, 0.25}
	a, b := draw(400, uniform), draw(400, uniform)
	skew := draw(400, []float64{0.7, 0.1, 0.1, 0.1})
	for k := 3; k <= 6; k++ {
		same, diff := KmerJS(a, b, 50, 4, k), KmerJS(a, skew, 50, 4, k)
		if !(same >= 0 && same < diff && diff <= math.Ln2) {
			t.Fatalf("k=%d: same-distribution %v, skewed %v (want 0 <= same < skewed <= ln 2)", k, same, diff)
		}
	}
	if js := KmerJS(a, a, 50, 4, 4); js != 0 {
		t.Fatalf("identical sets: %v", js)
	}
	// A single sequence ACGT against its mirror TGCA: disjoint 4-mers.
	if js := KmerJS([]int{0, 1, 2, 3}, []int{3, 2, 1, 0}, 4, 4, 4); math.Abs(js-math.Ln2) > 1e-15 {
		t.Fatalf("disjoint spectra: %v, want ln 2", js)
	}
	// Windows with a symbol outside the alphabet (4 = N) are skipped.
	// Both sets hold only the 2-mer AC once the N windows are skipped.
	if js := KmerJS([]int{0, 1, 4, 0, 1}, []int{0, 1, 4, 4, 4}, 5, 4, 2); js != 0 {
		t.Fatalf("N windows counted: %v", js)
	}
}

// The Fréchet distance of Gaussians has a closed form in one dimension
// and for commuting (diagonal) covariances; it is 0 for a set against
// itself and grows with a shift of the mean.
func TestFrechetDistance(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	const n, dim = 4000, 3
	x, y := make([]float64, n*dim), make([]float64, n*dim)
	for i := 0; i < n; i++ {
		for j := 0; j < dim; j++ {
			x[i*dim+j] = r.NormFloat64() * float64(j+1)
			y[i*dim+j] = r.NormFloat64()*2*float64(j+1) + 1
		}
	}
	if d, err := FrechetDistance(x, x, dim); err != nil || math.Abs(d) > 1e-9 {
		t.Errorf("FD(x, x) = %v, %v; want 0", d, err)
	}
	// Diagonal covariances s_j^2 and 4 s_j^2, mean shift 1 per dimension:
	// FD = dim + sum_j (s_j - 2 s_j)^2 = 3 + 1 + 4 + 9.
	d, err := FrechetDistance(x, y, dim)
	if err != nil || math.Abs(d-17) > 0.1*17 {
		t.Errorf("FD = %v, %v; want about 17", d, err)
	}
	if _, err := FrechetDistance(x[:dim], y, dim); err == nil {
		t.Error("one point accepted")
	}
}

// gcContent is a stand-in predictor: the fraction of C and G (classes 1
// and 2 of ACGT).
type gcContent struct{}

func (gcContent) Predict(seqs [][]int) ([]float64, error) {
	out := make([]float64, len(seqs))
	for i, s := range seqs {
		for _, c := range s {
			if c == 1 || c == 2 {
				out[i]++
			}
		}
		out[i] /= float64(len(s))
	}
	return out, nil
}

func TestSPMSE(t *testing.T) {
	truth := [][]int{{0, 1, 2, 3}, {1, 1, 1, 1}}
	gen := [][]int{{0, 0, 0, 0}, {1, 1, 1, 1}}
	// GC 0.5 vs 0, and 1 vs 1: (0.25 + 0) / 2.
	if v, err := SPMSE(gcContent{}, gen, truth); err != nil || v != 0.125 {
		t.Errorf("SPMSE = %v, %v; want 0.125", v, err)
	}
	if _, err := SPMSE(gcContent{}, gen[:1], truth); err == nil {
		t.Error("unpaired sets accepted")
	}
}

// A small ConvNet trained on the planted-motif data, conditioned on the
// signal, writes the motif where the signal peaks far more often than
// the untrained network does.
func TestConditionedTraining(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a ConvNet")
	}
	mo, err := NewMotifs(16, "TATA")
	if err != nil {
		t.Fatal(err)
	}
	data := MotifData{mo}
	cfg := Config{Net: "promoter", Channels: 16, Blocks: 2, Batch: 64, Steps: 300, OT: NoOT, EvalEvery: 100, ValBatches: 1, Schedule: "constant", LR: 2e-3, Seed: 7}
	tr, err := NewTrainer[float32](cfg, data)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Cfg.Signal != 1 || tr.Cfg.Classes != 0 {
		t.Fatalf("conditioning from the data: signal %d, classes %d", tr.Cfg.Signal, tr.Cfg.Classes)
	}
	const n = 256
	seq, signal := make([]int, n*16), make([]float64, n*16)
	mo.Draw(rand.New(rand.NewPCG(99, 1)), seq, signal)
	recall := func() float64 {
		gen, err := tr.SampleConditioned(n, 50, 3, signal, nil, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		return mo.MotifRecall(gen, signal, 1)
	}
	before := recall()
	for i := 0; i < cfg.Steps; i++ {
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	after := recall()
	t.Logf("motif recall (1 mismatch) at the signal's peak: untrained %.3f, after %d steps %.3f", before, cfg.Steps, after)
	if !(after > 0.5 && after > 4*before) {
		t.Errorf("conditioning not learned: recall %.3f before, %.3f after", before, after)
	}
	if _, err := tr.SampleConditioned(n, 50, 3, signal[:10], nil, 1, nil); err == nil {
		t.Error("a short signal accepted")
	}
	bad := cfg
	bad.OT = ExactOT
	if _, err := NewTrainer[float32](bad, data); err == nil {
		t.Error("OT with conditioned data accepted")
	}
}

// classMotifs is class-labelled ConditionedData: each sequence carries
// the motif of its class (of three) at a random offset.
type classMotifs struct{ length int }

var classMotifSet = [][]int{{3, 0, 3, 0}, {2, 1, 2, 1}, {0, 1, 1, 2}} // TATA, GCGC, ACCG

func (d classMotifs) Positions() int    { return d.length }
func (d classMotifs) Categories() int   { return 4 }
func (d classMotifs) Categorical() bool { return true }
func (d classMotifs) Signal() int       { return 0 }
func (d classMotifs) Classes() int      { return 3 }
func (d classMotifs) Draw(r *rand.Rand, seq []int, _ []float64) {
	d.DrawConditioned(r, seq, nil, make([]int, len(seq)/d.length))
}
func (d classMotifs) DrawConditioned(r *rand.Rand, seq []int, _ []float64, class []int) {
	for i := range class {
		row := seq[i*d.length : (i+1)*d.length]
		for p := range row {
			row[p] = r.IntN(4)
		}
		class[i] = r.IntN(3)
		copy(row[r.IntN(d.length-3):], classMotifSet[class[i]])
	}
}

// hasMotif reports whether seq holds motif anywhere with at most one
// wrong base.
func hasMotif(seq, motif []int) bool {
	for off := 0; off+len(motif) <= len(seq); off++ {
		wrong := 0
		for j, b := range motif {
			if seq[off+j] != b {
				wrong++
			}
		}
		if wrong <= 1 {
			return true
		}
	}
	return false
}

// An enhancer-style ConvNet trained with class labels (10% dropped to
// "no class") generates its class's motif when asked, more often with
// guidance; a checkpoint of it samples the same sequences.
func TestClassConditionedTraining(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a ConvNet")
	}
	data := classMotifs{length: 12}
	cfg := Config{Net: "enhancer", Channels: 16, Blocks: 2, Batch: 64, Steps: 300, OT: NoOT, EvalEvery: 100, ValBatches: 1, Schedule: "constant", LR: 2e-3, Seed: 9}
	tr, err := NewTrainer[float32](cfg, data)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Cfg.Classes != 3 || tr.Cfg.NoClass != 0.1 {
		t.Fatalf("classes %d, no-class share %v", tr.Cfg.Classes, tr.Cfg.NoClass)
	}
	for i := 0; i < cfg.Steps; i++ {
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	const n = 192
	class := make([]int, n)
	for i := range class {
		class[i] = i % 3
	}
	rate := func(w float64) float64 {
		gen, err := tr.SampleConditioned(n, 50, 5, nil, class, w, nil)
		if err != nil {
			t.Fatal(err)
		}
		hits := 0
		for i := range class {
			if hasMotif(gen[i*12:(i+1)*12], classMotifSet[class[i]]) {
				hits++
			}
		}
		return float64(hits) / n
	}
	plain, guided := rate(1), rate(2)
	t.Logf("own-class motif in generated sequences: guidance 1 %.3f, guidance 2 %.3f", plain, guided)
	if !(plain > 0.6 && guided >= plain-0.05) {
		t.Errorf("classes not learned: %.3f (guidance 1), %.3f (guidance 2)", plain, guided)
	}
	b, err := tr.Checkpoint(nil)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := ReadCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSampler[float32](ck, false)
	if err != nil {
		t.Fatal(err)
	}
	g1, _ := tr.SampleConditioned(20, 10, 8, nil, class[:20], 2, nil)
	g2, _ := s.SampleConditioned(20, 10, 8, nil, class[:20], 2, nil)
	if !slices.Equal(g1, g2) {
		t.Error("a restored checkpoint samples differently")
	}
	if _, err := tr.SampleConditioned(3, 10, 8, nil, []int{0, 1, 4}, 1, nil); err == nil {
		t.Error("a class outside 0..3 accepted")
	}
}
