package fisherflow

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fisherflow/fisherflow/internal/safetensors"
)

// A run stopped at a checkpoint and resumed in a new trainer continues
// bit for bit like the uninterrupted run: losses, validation, weights.
func TestResumeIsExact(t *testing.T) {
	for _, c := range []Config{
		{OT: ExactOT, EMA: 0.9},
		{Method: Linear, Schedule: "cosine", Steps: 30},
	} {
		c = small(c)
		c.EvalEvery, c.Seed = 5, 11
		run := func(tr *Trainer[float32], from, to int) []float64 {
			var ls []float64
			for tr.Step = from; tr.Step < to; {
				l, err := tr.TrainStep()
				if err != nil {
					t.Fatal(err)
				}
				ls = append(ls, l)
				if tr.Step%c.EvalEvery == 0 {
					ls = append(ls, tr.Validate(), tr.LR)
				}
			}
			return ls
		}
		full, _ := toyTrainer(t, c, 6)
		want := run(full, 0, 24)

		a, _ := toyTrainer(t, c, 6)
		got := run(a, 0, 13)
		b, err := a.Checkpoint(map[string]string{"note": "x"})
		if err != nil {
			t.Fatal(err)
		}
		ck, err := ReadCheckpoint(b)
		if err != nil {
			t.Fatal(err)
		}
		if ck.Meta["note"] != "x" || ck.Positions != 4 || ck.K != 6 {
			t.Errorf("metadata %v, shape %dx%d", ck.Meta, ck.Positions, ck.K)
		}
		resumed, _ := toyTrainer(t, ck.Config, 6)
		if err := resumed.Restore(ck); err != nil {
			t.Fatal(err)
		}
		got = append(got, run(resumed, resumed.Step, 24)...)
		if len(got) != len(want) {
			t.Fatalf("%d values resumed, %d straight", len(got), len(want))
		}
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%s: value %d: resumed %v, straight %v", c.Method, i, got[i], want[i])
			}
		}
		for i, p := range full.Params {
			for j := range p.W {
				if p.W[j] != resumed.Params[i].W[j] {
					t.Fatalf("%s: weights differ at %s[%d]", c.Method, p.Name, j)
				}
			}
		}
	}
}

func TestCheckpointErrors(t *testing.T) {
	tr, _ := toyTrainer(t, small(Config{}), 5)
	b, err := tr.Checkpoint(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range truncations(len(b)) {
		if _, err := ReadCheckpoint(b[:n]); !errors.Is(err, safetensors.ErrFormat) {
			t.Errorf("truncated to %d: %v", n, err)
		}
	}
	if _, err := ReadCheckpoint(foreignFile()); err == nil || !strings.Contains(err.Error(), "not a fisherflow checkpoint") {
		t.Errorf("foreign file: %v", err)
	}
	ck, err := ReadCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	// Wrong precision, wrong shape, wrong config.
	t64, err := NewTrainer[float64](ck.Config, NewToy(5, 4, 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := t64.Restore(ck); err == nil {
		t.Error("f32 checkpoint loaded into an f64 trainer")
	}
	t6, _ := toyTrainer(t, ck.Config, 6)
	if err := t6.Restore(ck); err == nil {
		t.Error("K=5 checkpoint loaded into K=6")
	}
	c := ck.Config
	c.LR = 0.5
	tl, _ := toyTrainer(t, c, 5)
	if err := tl.Restore(ck); err == nil {
		t.Error("checkpoint loaded into a trainer of another config")
	}
}

// truncations are the lengths TestCheckpointErrors cuts a file of n
// bytes to.
func truncations(n int) []int { return []int{0, 7, 100, n / 2, n - 1} }

// foreignFile is a safetensors file that is no checkpoint.
func foreignFile() []byte {
	b, _ := safetensors.Marshal([]safetensors.Tensor{{Name: "w", Shape: []int{1}, F32: []float32{1}}}, map[string]string{"format": "pt"})
	return b
}

// The network can run in float64 as well.
func TestFloat64Trainer(t *testing.T) {
	toy := NewToy(4, 4, 3)
	tr, err := NewTrainer[float64](small(Config{Steps: 5}), toy)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	if kl, _ := EvalKL(tr, toy, 256, 5, 1); math.IsNaN(kl) {
		t.Fatal("NaN KL")
	}
}

// Fisher-Flow learns the smiley (points inside the simplex, general OT
// cost) well beyond the prior: energy distance to held-out data.
func TestSmileyLearns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains for a few seconds")
	}
	data := Smiley(3000, rand.New(rand.NewPCG(1523, 1)))
	held := Smiley(600, rand.New(rand.NewPCG(1523, 2)))
	c := Config{Net: "mlp", Hidden: 64, Depth: 4, Batch: 128, Steps: 600, EvalEvery: 100, ValBatches: 2, OT: ExactOT, Schedule: "constant"}
	tr, err := NewTrainer[float32](c, data)
	if err != nil {
		t.Fatal(err)
	}
	ed := func() float64 {
		p := make([]float64, 600*3)
		tr.Sample(600, 50, 9, p)
		var flat []float64
		for _, q := range held.P {
			flat = append(flat, q...)
		}
		return EnergyDistance(p, flat, 3)
	}
	before := ed()
	for tr.Step < c.Steps {
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	after := ed()
	t.Logf("energy distance to held-out smiley: untrained %.4f, trained %.4f", before, after)
	if !(after < before/4) {
		t.Errorf("energy distance %.4f after training, %.4f before", after, before)
	}
}

func TestEnergyDistanceAndJS(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	a, b, c := make([]float64, 400), make([]float64, 400), make([]float64, 400)
	for i := range a {
		a[i], b[i], c[i] = r.NormFloat64(), r.NormFloat64(), r.NormFloat64()+1
	}
	same, diff := EnergyDistance(a, b, 2), EnergyDistance(a, c, 2)
	if !(math.Abs(same) < 0.05 && diff > 0.3) {
		t.Errorf("energy distance: same %.4f, shifted %.4f", same, diff)
	}
	if js := JSMarginals([]int{0, 1, 0, 1}, []int{0, 1, 0, 1}, 2, 2); js != 0 {
		t.Errorf("JS of equal sets %v", js)
	}
	if js := JSMarginals([]int{0, 0}, []int{1, 1}, 2, 2); math.Abs(js-math.Ln2) > 1e-15 {
		t.Errorf("JS of disjoint sets %v, want log 2", js)
	}
}

func TestSequencesData(t *testing.T) {
	if _, err := NewSequences([][]int{{0, 1}, {1}}, 2); err == nil {
		t.Error("ragged sequences accepted")
	}
	if _, err := NewSequences([][]int{{0, 2}}, 2); err == nil {
		t.Error("class out of range accepted")
	}
	if _, err := NewSequences(nil, 2); err == nil {
		t.Error("no sequences accepted")
	}
	s, err := NewSequences([][]int{{0, 1, 2}, {2, 2, 2}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	seq := make([]int, 3*50)
	s.Draw(rand.New(rand.NewPCG(1, 1)), seq, nil)
	seen := map[[3]int]int{}
	for i := 0; i < len(seq); i += 3 {
		seen[[3]int(seq[i:i+3])]++
	}
	if len(seen) != 2 || seen[[3]int{0, 1, 2}] == 0 || seen[[3]int{2, 2, 2}] == 0 {
		t.Errorf("drew %v", seen)
	}
}
