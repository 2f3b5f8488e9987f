package bench

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkSqrt/generic/f32/n=4096-2   	  100	  4000 ns/op	 8192.00 MB/s
BenchmarkSqrt/avx2/f32/n=4096-2      	  100	  1000 ns/op	 32768.00 MB/s
BenchmarkGemm/generic/square/f64/64x64x64-2  10  500000 ns/op  1.05 GFLOP/s
BenchmarkGemm/avx2/square/f64/64x64x64/threads=1-2  10  500000 ns/op  9.0 GFLOP/s
BenchmarkGemm/avx2/square/f64/64x64x64/threads=1-2  10  500000 ns/op  1.0 GFLOP/s
BenchmarkGemm/avx2/square/f64/64x64x64/threads=1-2  10  500000 ns/op  8.0 GFLOP/s
BenchmarkGemm/openblas/square/f64/64x64x64/threads=1-2  10  500000 ns/op  4.0 GFLOP/s
BenchmarkOT/generic/EMD/f64/128x128-2  1  22260926 ns/op  22.26 ms/solve
BenchmarkOT/avx2/EMD/f64/128x128-2  1  11130463 ns/op  11.13 ms/solve
PASS
`

func TestParseAndMarkdown(t *testing.T) {
	res, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 9 || res[0].Family != "Sqrt" || res[0].Path != "generic" || res[0].Case != "f32/n=4096" {
		t.Fatalf("parsed %+v", res)
	}
	if v, u := res[1].Figure(); v != 32.768 || u != "GB/s" {
		t.Fatalf("figure %v %s", v, u)
	}
	// Arrays of at least BigBytes give their fraction of the triad.
	var tb strings.Builder
	Markdown(&tb, res[:2], Peaks{TriadGBps: 16.384, BigBytes: 4096 * 4})
	if want := "| f32/n=4096 | 32.8 GB/s (200% of triad) | 8.19 GB/s (50% of triad) | 4.00x |"; !strings.Contains(tb.String(), want) {
		t.Errorf("markdown lacks %q:\n%s", want, tb.String())
	}
	tb.Reset()
	Markdown(&tb, res[:2], Peaks{TriadGBps: 16.384, BigBytes: 4096*4 + 1})
	if strings.Contains(tb.String(), "triad") {
		t.Errorf("arrays below BigBytes given a triad fraction:\n%s", tb.String())
	}
	// A case that measured the triad beside it is compared with that one.
	own, err := Parse(strings.NewReader("BenchmarkSqrt/avx2/f32/n=4096-2  100  1000 ns/op  32768.00 MB/s  40.96 triad-GB/s\n"))
	if err != nil {
		t.Fatal(err)
	}
	tb.Reset()
	Markdown(&tb, own, Peaks{TriadGBps: 16.384, BigBytes: 1 << 30})
	if want := "| f32/n=4096 | 32.8 GB/s (80% of triad) |"; !strings.Contains(tb.String(), want) {
		t.Errorf("markdown lacks %q:\n%s", want, tb.String())
	}
	var b strings.Builder
	Markdown(&b, res, Peaks{GFLOPS: map[string]float64{"generic/f64/2": 2.1, "avx2/f64/1": 16}, DefaultThreads: 2})
	md := b.String()
	for _, want := range []string{
		"### Sqrt", "| case | avx2 | generic | avx2 / generic |", "| f32/n=4096 | 32.8 GB/s | 8.19 GB/s | 4.00x |",
		"| square/f64/64x64x64 | — | 1.05 GFLOP/s (50% of peak) | — |",
		// The median of three runs, the one-thread peak, the ratio to the peer.
		"| case | avx2 | generic | openblas | avx2 / generic | avx2 / openblas |",
		"| square/f64/64x64x64/threads=1 | 8.00 GFLOP/s (50% of peak) | — | 4.00 GFLOP/s | — | 2.00x |",
		"| EMD/f64/128x128 | 11.1 ms | 22.3 ms | 2.00x |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestPlots(t *testing.T) {
	res, err := Parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	names, err := Plots(dir, res)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, "sqrt.png") || !slices.Contains(names, "gemm-f64.png") {
		t.Errorf("plots %v, want sqrt.png and gemm-f64.png among them", names)
	}
	for _, n := range names {
		if fi, err := os.Stat(filepath.Join(dir, n)); err != nil || fi.Size() < 1000 {
			t.Errorf("%s: %v", n, err)
		}
	}
}

// TestBF16PeakFraction checks that a bfloat16 GEMM row states its
// fraction of the VDPBF16PS peak (bench/peak's avx512/bf16).
func TestBF16PeakFraction(t *testing.T) {
	res, err := Parse(strings.NewReader("BenchmarkGemm/avx512/square/bf16/1024x1024x1024/threads=1-2  10  500000 ns/op  300 GFLOP/s\n" +
		"BenchmarkGemm/avx512/square/f32/1024x1024x1024/threads=1-2  10  500000 ns/op  150 GFLOP/s\n"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	Markdown(&b, res, Peaks{GFLOPS: map[string]float64{"avx512/bf16/1": 400, "avx512/f32/1": 200}, DefaultThreads: 2})
	for _, want := range []string{
		"| square/bf16/1024x1024x1024/threads=1 | 300 GFLOP/s (75% of peak) |",
		"| square/f32/1024x1024x1024/threads=1 | 150 GFLOP/s (75% of peak) |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, b.String())
		}
	}
}
