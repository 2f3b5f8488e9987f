package molstep

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/fisherflow/fisherflow/internal/safetensors"
	"github.com/fisherflow/fisherflow/kernels"
)

// BenchmarkMoleculeStep is issue 28's speed protocol: one float32
// training step of the default molecule setting (EGNN of hidden 64 and 4
// layers, 32 QM7 molecules drawn with replacement, the Fisher flow's
// loss, gradient clipping, AdamW, EMA) at 1 and 2 threads (GOMAXPROCS),
// reporting steps/s (bench/peers/fisherflow_molecules.py times the same
// step in PyTorch at the same threads) and the process's CPU time per
// step (all threads, spinning workers included), which other processes
// on a shared machine move less than the wall time at one thread.
func BenchmarkMoleculeStep(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("%s/batch=32/threads=%d", kernels.Path(), threads), func(b *testing.B) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads))
			tr, err := Trainer[float32]()
			if err != nil {
				b.Fatal(err)
			}
			if tr.Cfg.Batch != 32 {
				b.Fatalf("default batch %d, the benchmark's name says 32", tr.Cfg.Batch)
			}
			if _, err := tr.TrainStep(); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			cpu := cpuTime()
			for range b.N {
				if _, err := tr.TrainStep(); err != nil {
					b.Fatal(err)
				}
			}
			if cpu > 0 {
				b.ReportMetric((cpuTime()-cpu).Seconds()*1e3/float64(b.N), "cpu-ms/step")
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
			b.ReportMetric(float64(tr.Params.Count()), "params")
		})
	}
}

func TestExport(t *testing.T) {
	tr, train, err := trainer[float64]()
	if err != nil {
		t.Fatal(err)
	}
	data, err := export(tr, train, 3, 1)
	if err != nil {
		t.Fatal(err)
	}
	ts, meta, err := safetensors.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]safetensors.Tensor{}
	for _, x := range ts {
		byName[x.Name] = x
	}
	count, nonzero := 0, 0
	for _, p := range tr.Params {
		w, okW := byName["param/"+p.Name]
		g, okG := byName["grad/"+p.Name]
		if !okW || !okG || len(w.F64) != len(p.W) || len(g.F64) != len(p.W) {
			t.Fatalf("parameter %s: missing or of the wrong size", p.Name)
		}
		count += len(p.W)
		for _, v := range g.F64 {
			if v != 0 {
				nonzero++
				break
			}
		}
	}
	if nonzero != len(tr.Params) {
		t.Errorf("%d of %d parameters have a nonzero gradient", nonzero, len(tr.Params))
	}
	if meta["params"] != strconv.Itoa(count) || count != tr.Net.Model.Config.NumParams() {
		t.Errorf("params: metadata %s, counted %d, EGNNConfig.NumParams %d", meta["params"], count, tr.Net.Model.Config.NumParams())
	}
	sizes := byName["input/sizes"].F64
	if len(sizes) != 3 {
		t.Fatalf("input/sizes %v, want 3 molecules", sizes)
	}
	atoms, pairs := 0, 0
	for _, s := range sizes {
		atoms += int(s)
		pairs += int(s) * int(s-1) / 2
	}
	for _, part := range []string{"input", "target", "output"} {
		if n := len(byName[part+"/pos"].F64); n != 3*atoms {
			t.Errorf("%s/pos has %d values for %d atoms", part, n, atoms)
		}
		if n := len(byName[part+"/bonds"].F64); n != 4*pairs {
			t.Errorf("%s/bonds has %d values for %d pairs", part, n, pairs)
		}
	}
	for k, v := range meta {
		if strings.HasPrefix(k, "loss_") {
			if f, err := strconv.ParseFloat(v, 64); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				t.Errorf("%s = %q, want a finite number", k, v)
			}
		}
	}
	for _, n := range []int{0, tr.Cfg.Batch + 1} {
		if _, err := export(tr, train, n, 1); err == nil {
			t.Errorf("export of %d molecules: no error", n)
		}
	}
}
