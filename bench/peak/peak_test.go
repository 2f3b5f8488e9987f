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
