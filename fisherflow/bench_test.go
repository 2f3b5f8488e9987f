package fisherflow

import (
	"math/rand/v2"
	"testing"

	"github.com/fisherflow/fisherflow/internal/shortrows"
	"github.com/fisherflow/fisherflow/kernels"
)

// BenchmarkTrainStep is issue 7's speed protocol: one BestMLP training
// step at K=160 (4 positions), batch 512, float32, without OT (the
// network's cost; bench/peers/fisherflow_toy.py -bench -k 160 times the
// same step in PyTorch, -bench-format go for the report). It reports
// steps/s and the GEMM GFLOP/s, under the name of the active kernel path
// (TrainStep/avx512/K=160), as the kernel benchmarks do.
func BenchmarkTrainStep(b *testing.B) {
	for _, k := range []int{40, 160} {
		b.Run(kernels.Path()+"/"+map[int]string{40: "K=40", 160: "K=160"}[k], func(b *testing.B) {
			tr, _ := toyTrainer(b, Config{OT: NoOT, ValBatches: 1}, k)
			tr.TrainStep()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := tr.TrainStep(); err != nil {
					b.Fatal(err)
				}
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			// Forward 2mnk per Linear, backward twice that.
			in, h, t := 4*k, 512, 64
			flops := 3 * 2 * 512.0 * float64((in+t)*h+2*(h+t)*h+(h+t)*in)
			b.ReportMetric(1/sec, "steps/s")
			b.ReportMetric(flops/sec/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkSample times generation with the BestMLP of the toy benchmark
// (K=40 and 160, 4 positions, float32): 512 sequences integrated over
// 100 exp-map Euler steps, as the evaluation does, reporting samples/s
// (bench/peers/fisherflow_toy.py -bench-sample times the same in
// PyTorch). The weights are the initial ones: the cost does not depend
// on them.
func BenchmarkSample(b *testing.B) {
	const n, steps = 512, 100
	for _, k := range []int{40, 160} {
		b.Run(kernels.Path()+"/"+map[int]string{40: "K=40", 160: "K=160"}[k], func(b *testing.B) {
			tr, _ := toyTrainer(b, Config{OT: NoOT, ValBatches: 1}, k)
			for b.Loop() {
				tr.Sample(n, steps, 1, nil)
			}
			b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

// promoterTrainer is the reference promoter model (length 1024, 256
// channels, 20 blocks, one signal channel, float32, no OT) on 64 random
// sequences with random signals, for batches of batch.
func promoterTrainer(b *testing.B, batch int) *Trainer[float32] {
	const length = 1024
	r := rand.New(rand.NewPCG(1, 2))
	seqs := make([][]int, 64)
	for i := range seqs {
		seqs[i] = make([]int, length)
		for p := range seqs[i] {
			seqs[i][p] = r.IntN(4)
		}
	}
	sig := make([]float64, len(seqs)*length)
	for i := range sig {
		sig[i] = r.Float64()
	}
	data, err := NewLabelledSequences(seqs, 4, sig, 1, nil, 0)
	if err != nil {
		b.Fatal(err)
	}
	tr, err := NewTrainer[float32](Config{Net: "promoter", OT: NoOT, Batch: batch, ValBatches: 1, Steps: 1 << 30}, data)
	if err != nil {
		b.Fatal(err)
	}
	return tr
}

// BenchmarkPromoterStep is issue 10's speed protocol: one training step of
// the reference promoter model on a batch of 8 sequences with their
// signals, reporting sequences/s and the process's peak resident memory
// (bench/peers/fisherflow_promoter.py times the same step in PyTorch and
// reports its process's peak the same way). A step is slow, so make bench
// runs -benchtime 3x twice, alternated with the peer.
func BenchmarkPromoterStep(b *testing.B) {
	b.Run(kernels.Path()+"/batch=8", func(b *testing.B) {
		tr := promoterTrainer(b, 8)
		if _, err := tr.TrainStep(); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := tr.TrainStep(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(8*float64(b.N)/b.Elapsed().Seconds(), "seqs/s")
		if rss := peakRSS(); rss > 0 {
			b.ReportMetric(rss/1e6, "peak-MB")
		}
	})
}

// BenchmarkPromoterSample times generation with the promoter model: 8
// sequences of 1024 bases under their signals, 10 exp-map Euler steps (the
// evaluation uses 100; the cost is linear in the steps), reporting
// sequences/s at 100 steps (fisherflow_promoter.py -bench-sample times the
// same in PyTorch). The weights are the initial ones: the cost does not
// depend on them.
func BenchmarkPromoterSample(b *testing.B) {
	const n, steps = 8, 10
	b.Run(kernels.Path()+"/n=8", func(b *testing.B) {
		tr := promoterTrainer(b, n)
		sig := make([]float64, n*1024)
		for i := range sig {
			sig[i] = float64(i%1024) / 1024
		}
		for b.Loop() {
			if _, err := tr.SampleConditioned(n, steps, 1, sig, nil, 1, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds()*steps/100, "seqs/s")
	})
}

// BenchmarkShortRows times the trainers whose rows are short with and
// without the kernels' short-row paths (internal/shortrows.Off), in one
// run on the active path: a smiley training step (rows of d = 3: the
// "mlp" network, hidden 128, depth 4, batch 128, the task's defaults), a
// motifs training step (rows of d = 4: 64 sequences of 64 bases, the
// ConvNet with 32 channels and 4 blocks, the task's defaults) and 10
// exp-map steps of motif sampling (64 sequences under a signal). The
// "short" and "generic-rows" cases alternate, twice each.
func BenchmarkShortRows(b *testing.B) {
	smiley := func() *Trainer[float32] {
		tr, err := NewTrainer[float32](Config{Net: "mlp", Hidden: 128, Depth: 4, Batch: 128, OT: NoOT, ValBatches: 1, Steps: 1 << 30},
			Smiley(2000, rand.New(rand.NewPCG(1, 2))))
		if err != nil {
			b.Fatal(err)
		}
		return tr
	}
	mo, err := NewMotifs(64, "TATAAT")
	if err != nil {
		b.Fatal(err)
	}
	motifs := func() *Trainer[float32] {
		tr, err := NewTrainer[float32](Config{Net: "promoter", Channels: 32, Blocks: 4, Batch: 64, OT: NoOT, ValBatches: 1, Steps: 1 << 30},
			MotifData{Motifs: mo})
		if err != nil {
			b.Fatal(err)
		}
		return tr
	}
	sig := make([]float64, 64*64)
	mo.Draw(rand.New(rand.NewPCG(3, 4)), make([]int, len(sig)), sig)
	cases := []struct {
		name string
		tr   func() *Trainer[float32]
		run  func(tr *Trainer[float32]) error
	}{
		{"smiley-step", smiley, func(tr *Trainer[float32]) error { _, err := tr.TrainStep(); return err }},
		{"motifs-step", motifs, func(tr *Trainer[float32]) error { _, err := tr.TrainStep(); return err }},
		{"motifs-sample", motifs, func(tr *Trainer[float32]) error {
			_, err := tr.SampleConditioned(64, 10, 1, sig, nil, 1, nil)
			return err
		}},
	}
	defer shortrows.Off.Store(false)
	for _, c := range cases {
		for round := 0; round < 2; round++ {
			for _, off := range []bool{false, true} {
				name := map[bool]string{false: "short", true: "generic-rows"}[off]
				b.Run(kernels.Path()+"/"+c.name+"/"+name, func(b *testing.B) {
					shortrows.Off.Store(off)
					tr := c.tr()
					if err := c.run(tr); err != nil {
						b.Fatal(err)
					}
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if err := c.run(tr); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
				})
			}
		}
	}
}

// BenchmarkShortRowsGeometry times the sphere work of a training step
// alone, with and without the short-row kernels: the interpolant and its
// target (Slerp, LogMap, SphereDist on float64 rows) of a motifs batch
// (64 sequences of 64 bases, d = 4) and of a smiley batch (128 points,
// d = 3), and one sampler step (ExpMap and the fold back onto the
// orthant) on the motifs batch.
func BenchmarkShortRowsGeometry(b *testing.B) {
	defer shortrows.Off.Store(false)
	for _, s := range []struct {
		name               string
		seqs, positions, d int
	}{{"motifs", 64, 64, 4}, {"smiley", 128, 1, 3}} {
		rows := s.seqs * s.positions
		r := rand.New(rand.NewPCG(5, 6))
		x0, x1, xt, u := make([]float64, rows*s.d), make([]float64, rows*s.d), make([]float64, rows*s.d), make([]float64, rows*s.d)
		for i := range x0 {
			x0[i], x1[i] = r.Float64(), r.Float64()
		}
		kernels.ToSphere(x0, x0, s.d)
		kernels.ToSphere(x1, x1, s.d)
		t := make([]float64, s.seqs)
		for i := range t {
			t[i] = r.Float64()
		}
		g := newGeometry(rows, s.d)
		for _, off := range []bool{false, true, false, true} {
			name := map[bool]string{false: "short", true: "generic-rows"}[off]
			b.Run(kernels.Path()+"/"+s.name+"-interpolate/"+name, func(b *testing.B) {
				shortrows.Off.Store(off)
				for b.Loop() {
					g.interpolate(FisherFlow, xt, u, x0, x1, t, s.positions)
				}
			})
		}
		if s.name != "motifs" {
			continue
		}
		v := make([]float64, len(x0))
		for _, off := range []bool{false, true, false, true} {
			name := map[bool]string{false: "short", true: "generic-rows"}[off]
			b.Run(kernels.Path()+"/"+s.name+"-sampler-step/"+name, func(b *testing.B) {
				shortrows.Off.Store(off)
				for b.Loop() {
					copy(xt, x0)
					copy(v, u)
					FisherFlow.step(xt, v, 0.01, s.d)
				}
			})
		}
	}
}
