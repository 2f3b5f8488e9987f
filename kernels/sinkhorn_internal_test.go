package kernels

import (
	"math"
	"testing"
)

// TestRelax checks the over-relaxation controller: OverrelaxAuto's factor
// from a geometric warm-up (rate k gives 2/(1+sqrt(1-k))), no factor from
// a warm-up that does not converge, and the guard that returns a factor
// to 1 when the error rises above ten times its smallest.
func TestRelax(t *testing.T) {
	r := newRelax(OverrelaxAuto)
	for i := 0; i <= relaxWarm; i++ {
		if r.w != 1 {
			t.Fatalf("factor %v before the warm-up ended (%d errors)", r.w, i)
		}
		r.observe(math.Pow(0.9, float64(i)))
	}
	if want := 2 / (1 + math.Sqrt(0.1)); math.Abs(r.w-want) > 1e-12 {
		t.Fatalf("auto factor %v, want %v", r.w, want)
	}
	r.observe(1e-3)
	if r.w == 1 {
		t.Fatal("guard fired on a falling error")
	}
	r.observe(0.2) // > 10 x the smallest (0.9^20 = 0.12 ... 1e-3)
	if r.w != 1 {
		t.Fatalf("guard did not fire: factor %v", r.w)
	}
	flat := newRelax(OverrelaxAuto)
	for i := 0; i <= relaxWarm+5; i++ {
		flat.observe(1)
	}
	if flat.w != 1 {
		t.Fatalf("factor %v from errors that do not fall", flat.w)
	}
	if fixed := newRelax(1.5); fixed.w != 1.5 {
		t.Fatalf("fixed factor %v", fixed.w)
	}
	if plain := newRelax(0); plain.w != 1 {
		t.Fatalf("Overrelax 0 gives factor %v", plain.w)
	}
	// The update old^(1-w) new^w, with zero scalings kept.
	upd, old := []float64{1, 3, 0, 2}, []float64{4, 0, 5, 2}
	relaxVec(impl64(), 1.5, upd, old, make([]float64, 4))
	if want := 4 * math.Pow(0.25, 1.5); math.Abs(upd[0]-want) > 1e-15*want || upd[1] != 3 || upd[2] != 0 || upd[3] != 2 {
		t.Fatalf("relaxVec: %v, want [%v 3 0 2]", upd, want)
	}
	same := []float32{1, 2}
	relaxVec(impl32(), 1, same, []float32{3, 4}, make([]float32, 2))
	if same[0] != 1 || same[1] != 2 {
		t.Fatalf("relaxVec with w = 1 changed %v", same)
	}
}
