package fisherflow

import (
	"math/rand/v2"
	"testing"

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
