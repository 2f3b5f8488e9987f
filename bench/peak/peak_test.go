package peak

import (
	"testing"
	"time"
)

func TestMeasure(t *testing.T) {
	for _, r := range Measure(2, 150*time.Millisecond) {
		if !(r.GFLOPS > 0) {
			t.Errorf("%+v: no rate", r)
		}
		t.Logf("%s %s %d thread(s): %.1f GFLOP/s", r.ISA, r.Prec, r.Threads, r.GFLOPS)
	}
}

func TestTriad(t *testing.T) {
	a, b, c := make([]float64, 37), make([]float64, 37), make([]float64, 37)
	for i := range b {
		b[i], c[i] = float64(i), float64(2*i+1)
	}
	triadLoop()(a[:35], b, c, 0.5) // a tail, and a[35:] untouched
	for i, v := range a {
		want := b[i] + 0.5*c[i]
		if i >= 35 {
			want = 0
		}
		if v != want {
			t.Fatalf("a[%d] = %v, want %v", i, v, want)
		}
	}
	if testing.Short() {
		return
	}
	for _, r := range Triad(2, 300*time.Millisecond) {
		if !(r.GBps > 0) {
			t.Errorf("%+v: no rate", r)
		}
		t.Logf("triad, %d thread(s): %.1f GB/s", r.Threads, r.GBps)
	}
}
