package kernels_test

import (
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

// BenchmarkConv1d times the three convolutions on the promoter model's
// block layer (batch 8, 1024 positions, 256 channels, 9 taps) at
// dilations 1 and 64, and the enhancer's (batch 32, 500 positions, 128
// channels), in float32 and (where the CPU has VDPBF16PS) bfloat16, with
// all threads.
func BenchmarkConv1d(b *testing.B) {
	shapes := []struct {
		name string
		s    kernels.ConvShape
	}{
		{"promoter/dil=1", kernels.ConvShape{Batch: 8, Length: 1024, In: 256, Out: 256, Kernel: 9, Dilation: 1}},
		{"promoter/dil=64", kernels.ConvShape{Batch: 8, Length: 1024, In: 256, Out: 256, Kernel: 9, Dilation: 64}},
		{"enhancer/dil=1", kernels.ConvShape{Batch: 32, Length: 500, In: 128, Out: 128, Kernel: 9, Dilation: 1}},
	}
	benchPaths(b, func(b *testing.B) {
		for _, sh := range shapes {
			s := sh.s
			if kernels.Path() == "generic" {
				b.Skip("the generic loops take seconds per call at these sizes")
			}
			rows := s.Batch * s.Length
			x, w, y := benchData[float32](rows*s.In, -1, 1), benchData[float32](s.Out*s.Kernel*s.In, -1, 1), benchData[float32](rows*s.Out, -1, 1)
			flops := 2 * float64(rows) * float64(s.Kernel*s.In*s.Out)
			for _, op := range []string{"forward", "data", "filter"} {
				b.Run(sh.name+"/"+op, func(b *testing.B) {
					for b.Loop() {
						switch op {
						case "forward":
							kernels.Conv1d(s, x, w, nil, 0, y)
						case "data":
							kernels.Conv1dBackwardData(s, y, w, 0, x)
						case "filter":
							kernels.Conv1dBackwardFilter(s, x, y, 1, w)
						}
					}
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
			for _, op := range []string{"forward", "data", "filter"} {
				b.Run(sh.name+"/bf16/"+op, func(b *testing.B) {
					if !kernels.HasBF16() {
						b.Skip("without VDPBF16PS the bfloat16 convolutions run the generic loops")
					}
					for b.Loop() {
						switch op {
						case "forward":
							kernels.Conv1dBF16(s, x, w, nil, 0, y)
						case "data":
							kernels.Conv1dBackwardDataBF16(s, y, w, 0, x)
						case "filter":
							kernels.Conv1dBackwardFilterBF16(s, x, y, 1, w)
						}
					}
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		}
	})
}
