// Package bench turns the output of the kernels' go test benchmarks into
// the tables of BENCHMARKS.md. Benchmarks are named Family/path/case (for
// example BenchmarkSqrt/avx2/f32/n=4096), and each table has one row per
// case and one column per path, with the speed-up over the generic path.
package bench

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/fisherflow/fisherflow/bench/peak"
)

// Result is one benchmark line.
type Result struct {
	Family, Path, Case string
	// Metrics maps a unit (ns/op, MB/s, GFLOP/s, ...) to its value.
	Metrics map[string]float64
}

// knownPaths are the kernel path names, best first, then the peers
// benchmarked beside them: gonum and the math package loop ("math") in
// process; numpy's OpenBLAS, numpy, POT and PyTorch out of process
// (bench/peers).
var knownPaths = []string{"avx512", "avx2", "neon", "generic", "gonum", "math", "openblas", "numpy", "pot", "pytorch"}

// peers are the columns that are not our kernels: each table compares its
// best kernel path with every peer it has.
var peers = []string{"gonum", "math", "openblas", "numpy", "pot", "pytorch"}

// baseline returns the column the speed-ups are measured against: the
// generic path, or a peer when the family has no generic column.
func baseline(paths []string) string {
	for _, b := range []string{"generic", "gonum"} {
		if slices.Contains(paths, b) {
			return b
		}
	}
	return ""
}

// Parse reads go test -bench output and returns its results in order.
// Lines that are not benchmark results are skipped.
func Parse(r io.Reader) ([]Result, error) {
	var out []Result
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || (len(f)-2)%2 != 0 {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndex(name, "-"); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i] // the GOMAXPROCS suffix
			}
		}
		parts := strings.SplitN(name, "/", 3)
		if len(parts) < 3 || !slices.Contains(knownPaths, parts[1]) {
			continue
		}
		res := Result{Family: parts[0], Path: parts[1], Case: parts[2], Metrics: map[string]float64{}}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("bench: %q: %w", sc.Text(), err)
			}
			res.Metrics[f[i+1]] = v
		}
		out = append(out, res)
	}
	return out, sc.Err()
}

// Figure returns the number that the tables show for a result, and its
// unit: steps/s, samples/s or seqs/s where reported (training, sampling), else GFLOP/s, else GB/s,
// else ms per solve, else ns/op.
func (r Result) Figure() (float64, string) {
	for _, u := range []string{"steps/s", "samples/s", "seqs/s"} {
		if v, ok := r.Metrics[u]; ok {
			return v, u
		}
	}
	if v, ok := r.Metrics["GFLOP/s"]; ok {
		return v, "GFLOP/s"
	}
	if v, ok := r.Metrics["MB/s"]; ok {
		return v / 1000, "GB/s"
	}
	if v, ok := r.Metrics["ms/solve"]; ok {
		return v, "ms"
	}
	return r.Metrics["ns/op"], "ns/op"
}

// higherIsBetter reports whether a larger figure in this unit is faster.
func higherIsBetter(unit string) bool {
	return unit == "GFLOP/s" || unit == "GB/s" || unit == "steps/s" || unit == "samples/s" || unit == "seqs/s"
}

// Peaks maps "path/precision/threads" (e.g. "avx512/f32/1") to a measured
// peak in GFLOP/s. A GFLOP/s figure of that path is shown with its fraction
// of the peak at the thread count its case names ("threads=N"), or at
// DefaultThreads when it names none.
//
// TriadGBps is the one-thread memory bandwidth of the triad; a GB/s figure
// of a case whose arrays (n= elements of its precision) are at least
// BigBytes long is shown with its fraction of it, unless the case reports
// the triad measured beside it (see triadFor).
type Peaks struct {
	GFLOPS         map[string]float64
	DefaultThreads int
	TriadGBps      float64
	BigBytes       int
}

// beyondCaches reports whether the arrays of case c (n=N elements of its
// precision) are at least p.BigBytes long.
func (p Peaks) beyondCaches(c string) bool {
	size := map[string]int{"f32": 4, "f64": 8}[precisionOf(c)]
	for _, part := range strings.Split(c, "/") {
		if v, ok := strings.CutPrefix(part, "n="); ok {
			if n, err := strconv.Atoi(v); err == nil && size > 0 && p.BigBytes > 0 {
				return n*size >= p.BigBytes
			}
		}
	}
	return false
}

// triadOf returns the triad bandwidth to compare result r with: the one
// its benchmark measured beside it (metric "triad-GB/s"), else
// p.TriadGBps. The triad of one run of make bench moved by a third
// between runs on a shared VM, so a triad measured minutes after a case
// misstated its fraction.
func (p Peaks) triadOf(r Result) float64 {
	if v := r.Metrics["triad-GB/s"]; v > 0 {
		return v
	}
	return p.TriadGBps
}

// triadFor is triadOf for the report's table: 0 for a case c that
// measured no triad and whose arrays are not beyond the caches.
func (p Peaks) triadFor(r Result, c string) float64 {
	if r.Metrics["triad-GB/s"] > 0 || p.beyondCaches(c) {
		return p.triadOf(r)
	}
	return 0
}

// MeasuredPeaks returns the peaks that bench/peak measured, for cases at
// defaultThreads unless they name their thread count.
func MeasuredPeaks(measured []peak.Result, defaultThreads int) Peaks {
	p := Peaks{GFLOPS: map[string]float64{}, DefaultThreads: defaultThreads}
	for _, r := range measured {
		p.GFLOPS[peakKey(r.ISA, r.Prec, r.Threads)] = r.GFLOPS
	}
	return p
}

// peakKey is the key of Peaks.GFLOPS.
func peakKey(path, prec string, threads int) string {
	return fmt.Sprintf("%s/%s/%d", path, prec, threads)
}

// Get returns the peak of a path and precision at a thread count, or 0.
func (p Peaks) Get(path, prec string, threads int) float64 {
	return p.GFLOPS[peakKey(path, prec, threads)]
}

// of returns the peak for a path and a case, or 0.
func (p Peaks) of(path, c string) float64 {
	threads := p.DefaultThreads
	for _, part := range strings.Split(c, "/") {
		if v, ok := strings.CutPrefix(part, "threads="); ok {
			if n, err := strconv.Atoi(v); err == nil {
				threads = n
			}
		}
	}
	return p.Get(path, precisionOf(c), threads)
}

// median returns the median figure of repeated results (go test -count):
// timings on shared machines are noisy, and one outlier must not make a
// table.
func median(rs []Result) Result {
	if len(rs) == 1 {
		return rs[0]
	}
	sorted := slices.Clone(rs)
	slices.SortFunc(sorted, func(a, b Result) int {
		x, _ := a.Figure()
		y, _ := b.Figure()
		return cmp.Compare(x, y)
	})
	return sorted[len(sorted)/2]
}

// medians returns the median of the repeated results of each family,
// path and case.
func medians(results []Result) map[[3]string]Result {
	runs := map[[3]string][]Result{}
	for _, r := range results {
		k := [3]string{r.Family, r.Path, r.Case}
		runs[k] = append(runs[k], r)
	}
	out := make(map[[3]string]Result, len(runs))
	for k, rs := range runs {
		out[k] = median(rs)
	}
	return out
}

// speedup returns how many times faster num is than den (their figures
// have the same unit).
func speedup(num, den Result) float64 {
	x, unit := num.Figure()
	y, _ := den.Figure()
	if higherIsBetter(unit) {
		return x / y
	}
	return y / x
}

// precisionOf returns "f32" or "f64" if a case names one.
func precisionOf(c string) string {
	for _, part := range strings.Split(c, "/") {
		if part == "f32" || part == "f64" || part == "bf16" {
			return part
		}
	}
	return ""
}

// Markdown writes one table per family: one row per case, one column per
// path and peer (the median of repeated results), then the speed-up of
// each path over the generic one (or over gonum when there is no generic
// column) and of the best path over each other peer.
func Markdown(w io.Writer, results []Result, peaks Peaks) {
	var families []string
	for _, r := range results {
		if !slices.Contains(families, r.Family) {
			families = append(families, r.Family)
		}
	}
	fig := medians(results)
	for _, fam := range families {
		var paths, cases []string
		for _, r := range results {
			if r.Family != fam {
				continue
			}
			if !slices.Contains(paths, r.Path) {
				paths = append(paths, r.Path)
			}
			if !slices.Contains(cases, r.Case) {
				cases = append(cases, r.Case)
			}
		}
		slices.SortStableFunc(paths, func(a, b string) int {
			return slices.Index(knownPaths, a) - slices.Index(knownPaths, b)
		})
		base := baseline(paths)
		best := paths[0] // knownPaths lists the kernel paths best first
		type ratio struct{ num, den string }
		var ratios []ratio
		for _, p := range paths {
			if base != "" && p != base && !slices.Contains(peers, p) {
				ratios = append(ratios, ratio{p, base})
			}
		}
		for _, p := range paths {
			if slices.Contains(peers, p) && p != base && !slices.Contains(peers, best) {
				ratios = append(ratios, ratio{best, p})
			}
		}
		fmt.Fprintf(w, "### %s\n\n| case |", fam)
		for _, p := range paths {
			fmt.Fprintf(w, " %s |", p)
		}
		for _, r := range ratios {
			fmt.Fprintf(w, " %s / %s |", r.num, r.den)
		}
		fmt.Fprint(w, "\n|---|")
		for range len(paths) + len(ratios) {
			fmt.Fprint(w, "---:|")
		}
		fmt.Fprintln(w)
		for _, c := range cases {
			fmt.Fprintf(w, "| %s |", c)
			for _, p := range paths {
				r, ok := fig[[3]string{fam, p, c}]
				if !ok {
					fmt.Fprint(w, " — |")
					continue
				}
				v, unit := r.Figure()
				if pk := peaks.of(p, c); unit == "GFLOP/s" && pk > 0 {
					fmt.Fprintf(w, " %s %s (%.0f%% of peak) |", format(v), unit, 100*v/pk)
				} else if tr := peaks.triadFor(r, c); unit == "GB/s" && tr > 0 {
					fmt.Fprintf(w, " %s %s (%.0f%% of triad) |", format(v), unit, 100*v/tr)
				} else if mb, ok := r.Metrics["peak-MB"]; ok {
					fmt.Fprintf(w, " %s %s (peak RSS %.0f MB) |", format(v), unit, mb)
				} else {
					fmt.Fprintf(w, " %s %s |", format(v), unit)
				}
			}
			for _, rt := range ratios {
				n, okN := fig[[3]string{fam, rt.num, c}]
				d, okD := fig[[3]string{fam, rt.den, c}]
				if !okN || !okD {
					fmt.Fprint(w, " — |")
					continue
				}
				fmt.Fprintf(w, " %.2fx |", speedup(n, d))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
	}
}

func format(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v > 0 && v < 0.1:
		return strconv.FormatFloat(v, 'g', 2, 64) // generation of DNA-sized models: 0.024 seqs/s
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}
