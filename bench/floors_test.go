package bench

import (
	"strings"
	"testing"
)

const floorsSample = `# comment
./kernels Sqrt f32/n=4096 avx2 generic 2.0
./kernels Gemm square/f32/64x64x64/threads=1 avx2 peak 0.5   # half of the peak
./kernels Sqrt f32/n=4096 avx512 generic 2.0
./kernels OT EMD/f64/128x128 avx2 generic 3
`

const checkSample = `BenchmarkSqrt/generic/f32/n=4096-2   	  100	  4000 ns/op	 8192.00 MB/s
BenchmarkSqrt/avx2/f32/n=4096-2      	  100	  1000 ns/op	 32768.00 MB/s
BenchmarkSqrt/avx2/f32/n=4096-2      	  100	  1000 ns/op	 3000.00 MB/s
BenchmarkSqrt/avx2/f32/n=4096-2      	  100	  1000 ns/op	 30000.00 MB/s
BenchmarkGemm/avx2/square/f32/64x64x64/threads=1-2  10  500000 ns/op  4.0 GFLOP/s
BenchmarkOT/generic/EMD/f64/128x128-2  1  22260926 ns/op  22.26 ms/solve
BenchmarkOT/avx2/EMD/f64/128x128-2  1  11130463 ns/op  11.13 ms/solve
`

func TestFloors(t *testing.T) {
	fl, err := ParseFloors(strings.NewReader(floorsSample))
	if err != nil || len(fl) != 4 {
		t.Fatalf("ParseFloors: %v, %d floors", err, len(fl))
	}
	if got, want := BenchPattern(fl[1].Family, fl[1].Case, fl[1].Paths()), `^BenchmarkGemm$/^(avx2)$/^square$/^f32$/^64x64x64$/^threads=1$`; got != want {
		t.Fatalf("pattern %s, want %s", got, want)
	}
	res, err := Parse(strings.NewReader(checkSample))
	if err != nil {
		t.Fatal(err)
	}
	vs := Check(fl, res, Peaks{GFLOPS: map[string]float64{"avx2/f32/1": 16}})
	// Sqrt: the median of 32.8, 3.0 and 30 GB/s over 8.19: 3.66x, holds.
	// Gemm: 4/16 = 0.25 < 0.5 fails. avx512 did not run: skipped. EMD:
	// ms per solve, lower is better: 22.26/11.13 = 2 < 3 fails.
	want := []struct {
		ok      bool
		skipped bool
		ratio   float64
	}{{true, false, 30.0 / 8.192}, {false, false, 0.25}, {true, true, 0}, {false, false, 2}}
	for i, v := range vs {
		if v.OK() != want[i].ok || (v.Skipped != "") != want[i].skipped || (!want[i].skipped && abs(v.Ratio-want[i].ratio) > 1e-3) {
			t.Errorf("floor %d: %+v, want %+v", i, v, want[i])
		}
	}
	var b strings.Builder
	if Report(&b, vs) {
		t.Errorf("Report says all hold:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "FAIL Gemm square/f32/64x64x64/threads=1: avx2 / peak") {
		t.Errorf("report:\n%s", b.String())
	}
	// A triad floor divides by the triad its case measured beside it, else
	// by the run's.
	tf, _ := ParseFloors(strings.NewReader("./kernels Sqrt f32/n=4096 avx2 triad 0.5\n"))
	own, _ := Parse(strings.NewReader("BenchmarkSqrt/avx2/f32/n=4096-2  100  1000 ns/op  32768.00 MB/s  40.96 triad-GB/s\n"))
	for _, c := range []struct {
		res   []Result
		ratio float64
	}{{own, 0.8}, {res, 30.0 / 16.384}} {
		if v := Check(tf, c.res, Peaks{TriadGBps: 16.384}); len(v) != 1 || abs(v[0].Ratio-c.ratio) > 1e-3 {
			t.Errorf("triad floor: %+v, want ratio %v", v, c.ratio)
		}
	}
	if _, err := ParseFloors(strings.NewReader("./kernels Sqrt f32 avx2 generic\n")); err == nil {
		t.Error("a line with 5 fields parsed")
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
