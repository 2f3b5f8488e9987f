package nn

import (
	"math"
	"testing"
)

// One AdamW step from zero moments moves each weight by lr*sign(g) (up to
// eps), and weight decay shrinks it first: the closed form of step 1.
func TestAdamWFirstStep(t *testing.T) {
	p := &Param[float64]{Name: "p", W: []float64{1, -2, 3}, G: []float64{0.5, -4, 0}}
	o := NewAdamW(Params[float64]{p}, 0.1)
	o.Update(Params[float64]{p}, 0.01)
	want := []float64{1*(1-0.001) - 0.01, -2*(1-0.001) + 0.01, 3 * (1 - 0.001)}
	for i := range want {
		if math.Abs(p.W[i]-want[i]) > 1e-7 {
			t.Errorf("w[%d] = %v, want %v", i, p.W[i], want[i])
		}
	}
}

// Adam minimises a quadratic.
func TestAdamWConverges(t *testing.T) {
	p := &Param[float32]{Name: "p", W: []float32{5, -3}, G: make([]float32, 2)}
	ps := Params[float32]{p}
	o := NewAdamW(ps, 0)
	for i := 0; i < 2000; i++ {
		p.G[0], p.G[1] = 2*(p.W[0]-1), 2*(p.W[1]+2)
		o.Update(ps, 0.05)
	}
	if math.Abs(float64(p.W[0])-1) > 1e-2 || math.Abs(float64(p.W[1])+2) > 1e-2 {
		t.Fatalf("not converged: %v", p.W)
	}
}

func TestClipGradNorm(t *testing.T) {
	p := &Param[float64]{W: make([]float64, 2), G: []float64{3, 4}}
	if n := ClipGradNorm(Params[float64]{p}, 1); n != 5 || math.Abs(math.Hypot(p.G[0], p.G[1])-1) > 1e-6 {
		t.Fatalf("norm %v, clipped %v", n, p.G)
	}
	ClipGradNorm(Params[float64]{p}, 10) // below the limit: unchanged
	if math.Abs(math.Hypot(p.G[0], p.G[1])-1) > 1e-6 {
		t.Fatal("clipped below the limit")
	}
}

func TestSchedules(t *testing.T) {
	if Cosine(1, 0.1, 0, 10) != 1 || math.Abs(Cosine(1, 0.1, 10, 10)-0.1) > 1e-12 || math.Abs(Cosine(1, 0, 5, 10)-0.5) > 1e-12 {
		t.Error("cosine")
	}
	p := NewPlateau(1, 0.1, 2)
	lrs := []float64{}
	for _, l := range []float64{5, 4, 4, 4, 4, 3, 3, 3, 3} {
		lrs = append(lrs, p.Observe(l))
	}
	want := []float64{1, 1, 1, 1, 0.1, 0.1, 0.1, 0.1, 0.01}
	for i := range want {
		if math.Abs(lrs[i]-want[i]) > 1e-12 {
			t.Fatalf("plateau rates %v, want %v", lrs, want)
		}
	}
	ps := Params[float32]{{W: []float32{1}, G: []float32{0}}}
	e := NewEMA(ps, 0.9)
	ps[0].W[0] = 2
	e.Update(ps)
	e.Swap(ps)
	if math.Abs(float64(ps[0].W[0])-1.1) > 1e-6 {
		t.Fatalf("EMA %v", ps[0].W[0])
	}
}
