package fisherflow

import (
	"math"
	"math/rand/v2"
	"testing"
)

// maskedSet is 4 positions of 5 classes: position p holds class p, except
// that position 1 is masked in half of the sequences and holds class 4 in
// the other half.
func maskedSet(t *testing.T, n int) *Sequences {
	t.Helper()
	var seqs [][]int
	for i := range n {
		s := []int{0, 1, 2, 3}
		if i%2 == 0 {
			s[1] = Masked
		} else {
			s[1] = 4
		}
		seqs = append(seqs, s)
	}
	data, err := NewSequences(seqs, 5)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A masked position contributes nothing to the loss or its gradient: the
// loss is the squared error over the other positions, recomputed here
// from the network's output, and the gradient rows of masked positions
// are zero. With OT, a masked position adds nothing to the cost.
func TestMaskedLoss(t *testing.T) {
	data := maskedSet(t, 64)
	for _, c := range []Config{{OT: NoOT}, {OT: ExactOT}, {Method: Linear}} {
		tr, err := NewTrainer[float64](small(c), data)
		if err != nil {
			t.Fatal(err)
		}
		b := tr.buf
		if err := tr.draw(rand.New(rand.NewPCG(1, 2)), b); err != nil {
			t.Fatal(err)
		}
		if !b.masked {
			t.Fatal("batch not marked masked")
		}
		got := tr.loss(b, true)
		out := tr.Net.Forward(b.xin, b.tin, tr.Cfg.Batch)
		projectOutput(tr.Cfg.Method, out, b.xin, tr.K, b.scr)
		var want float64
		nm := 0
		for row, cl := range b.seq {
			for i := row * tr.K; i < (row+1)*tr.K; i++ {
				if cl == Masked {
					nm++
					if b.dout[i] != 0 {
						t.Fatalf("%s ot=%s: gradient %v at a masked position", c.Method, c.OT, b.dout[i])
					}
					continue
				}
				e := out[i] - b.u[i]
				want += e * e
			}
		}
		want /= float64(tr.Cfg.Batch)
		if nm == 0 || math.Abs(got-want) > 1e-12*want {
			t.Fatalf("%s ot=%s: loss %v, want %v over unmasked positions (%d masked values)", c.Method, c.OT, got, want, nm)
		}
		// The data rows of masked positions are the centre of the simplex
		// (on the sphere: 1/sqrt(5) everywhere).
		centre := 1 / 5.0
		if tr.Cfg.Method == FisherFlow {
			centre = math.Sqrt(centre)
		}
		for row, cl := range b.seq {
			if cl == Masked && math.Abs(b.x1[row*5]-centre) > 1e-15 {
				t.Fatalf("masked data row %v", b.x1[row*5:row*5+5])
			}
		}
	}
}

// Training on data with masked positions learns the known values: at the
// partly masked position the model generates class 4, the only class the
// data show there.
func TestMaskedTraining(t *testing.T) {
	tr, err := NewTrainer[float32](small(Config{OT: ExactOT, Steps: 200}), maskedSet(t, 256))
	if err != nil {
		t.Fatal(err)
	}
	for tr.Step < tr.Cfg.Steps {
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	probs := make([]float64, 512*4*5)
	got := tr.Sample(512, 20, 3, probs)
	right, p4 := 0, 0.0
	for i := 0; i < len(got); i += 4 {
		if got[i] == 0 && got[i+1] == 4 && got[i+2] == 2 && got[i+3] == 3 {
			right++
		}
		p4 += probs[(i+1)*5+4] / 512
	}
	// Unmasked, the centre would be a target half of the time, and the
	// samples' mass on class 4 would stay far from 1.
	t.Logf("%d of 512 samples are 0 4 2 3; mean probability of class 4 at position 2: %.3f", right, p4)
	if right < 480 || p4 < 0.9 {
		t.Fatalf("%d of 512 samples are 0 4 2 3; mean probability of class 4 at position 2: %.3f", right, p4)
	}
}

// LabelledSequences draws each sequence with its own signal and label,
// and refuses shapes that do not match.
func TestLabelledSequences(t *testing.T) {
	seqs := [][]int{{0, 1}, {2, 3}, {1, 1}}
	sig := []float64{0, 1, 10, 11, 20, 21} // sequence i, position p: 10i+p
	d, err := NewLabelledSequences(seqs, 4, sig, 1, []int{0, 1, 2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if d.Signal() != 1 || d.Classes() != 3 {
		t.Fatalf("signal %d classes %d", d.Signal(), d.Classes())
	}
	seq, s, cl := make([]int, 20), make([]float64, 20), make([]int, 10)
	d.DrawConditioned(rand.New(rand.NewPCG(1, 1)), seq, s, cl)
	for n := range 10 {
		j := cl[n]
		if seq[2*n] != seqs[j][0] || seq[2*n+1] != seqs[j][1] || s[2*n] != float64(10*j) || s[2*n+1] != float64(10*j+1) {
			t.Fatalf("draw %d: seq %v signal %v for label %d", n, seq[2*n:2*n+2], s[2*n:2*n+2], j)
		}
	}
	for _, bad := range []func() error{
		func() error { _, err := NewLabelledSequences(seqs, 4, sig[:5], 1, nil, 0); return err },
		func() error { _, err := NewLabelledSequences(seqs, 4, nil, 0, []int{0, 1}, 2); return err },
		func() error { _, err := NewLabelledSequences(seqs, 4, nil, 0, []int{0, 1, 2}, 2); return err },
		func() error {
			_, err := NewLabelledSequences(seqs, 4, []float64{0, 1, math.NaN(), 0, 0, 0}, 1, nil, 0)
			return err
		},
	} {
		if bad() == nil {
			t.Error("bad shape accepted")
		}
	}
}

// SetValidation draws the validation batches from held-out data: the
// validation loss then measures those data, and data of another shape are
// refused.
func TestSetValidation(t *testing.T) {
	train := maskedSet(t, 64)
	tr, err := NewTrainer[float64](small(Config{OT: NoOT}), train)
	if err != nil {
		t.Fatal(err)
	}
	own := tr.Validate()
	held, err := NewSequences([][]int{{3, 2, 1, 0}}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.SetValidation(held); err != nil {
		t.Fatal(err)
	}
	for _, b := range tr.val {
		for i, c := range b.seq {
			if c != 3-i%4 {
				t.Fatalf("validation batch drew %v, not the held-out sequence", b.seq[:8])
			}
		}
	}
	if other := tr.Validate(); other == own {
		t.Fatalf("validation loss %v unchanged by the held-out data", other)
	}
	if err := tr.SetValidation(NewToy(5, 3, 1)); err == nil {
		t.Fatal("validation data of 3 positions accepted for 4")
	}
	if tr.Data != train {
		t.Fatal("SetValidation replaced the training data")
	}
}
