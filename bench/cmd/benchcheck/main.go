// Command benchcheck is the speed guard: it runs the benchmarks that the
// floors file names, a few times each, and fails with a readable report
// when a ratio measured in this run (a SIMD path against generic, a GEMM
// against the measured FMA peak, ours against gonum) falls below its
// floor. Ratios within one run hold on noisy machines where absolute
// figures do not; the floors sit well below the ratios BENCHMARKS.md
// shows, so that only a real regression trips them.
//
//	benchcheck [-floors bench/floors.txt] [-benchtime 100ms] [-count 3]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"time"

	"github.com/fisherflow/fisherflow/bench"
	"github.com/fisherflow/fisherflow/bench/peak"
)

func main() {
	floorsFile := flag.String("floors", "bench/floors.txt", "the floors file")
	benchtime := flag.String("benchtime", "100ms", "go test -benchtime for each benchmark")
	count := flag.Int("count", 3, "runs of each benchmark (the median is checked)")
	flag.Parse()
	if err := run(*floorsFile, *benchtime, *count); err != nil {
		fmt.Fprintln(os.Stderr, "benchcheck:", err)
		os.Exit(1)
	}
}

func run(floorsFile, benchtime string, count int) error {
	f, err := os.Open(floorsFile)
	if err != nil {
		return err
	}
	floors, err := bench.ParseFloors(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", floorsFile, err)
	}
	// One go test run per package, family and case, with every path its
	// floors need.
	type group struct {
		pkg, family, c string
		paths          []string
	}
	var groups []*group
	byKey := map[string]*group{}
	needPeak, needTriad := false, false
	for _, fl := range floors {
		needPeak = needPeak || fl.Den == "peak"
		needTriad = needTriad || fl.Den == "triad"
		key := fl.Pkg + " " + fl.Family + " " + fl.Case
		g, ok := byKey[key]
		if !ok {
			g = &group{pkg: fl.Pkg, family: fl.Family, c: fl.Case}
			byKey[key] = g
			groups = append(groups, g)
		}
		for _, p := range fl.Paths() {
			if !slices.Contains(g.paths, p) {
				g.paths = append(g.paths, p)
			}
		}
	}
	var results []bench.Result
	for _, g := range groups {
		pattern := bench.BenchPattern(g.family, g.c, g.paths)
		cmd := exec.Command("go", "test", "-run", "^$", "-bench", pattern, "-benchtime", benchtime,
			"-count", fmt.Sprint(count), g.pkg)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go test -bench %s %s: %w\n%s", pattern, g.pkg, err, out.String())
		}
		r, err := bench.Parse(&out)
		if err != nil {
			return err
		}
		results = append(results, r...)
	}
	threads := runtime.GOMAXPROCS(0)
	var measured []peak.Result
	if needPeak {
		measured = peak.Measure(threads, time.Second)
	}
	peaks := bench.MeasuredPeaks(measured, threads)
	if needTriad {
		peaks.TriadGBps = peak.Triad(1, time.Second)[0].GBps
	}
	vs := bench.Check(floors, results, peaks)
	fmt.Printf("speed guard: %d floors from %s (medians of %d runs)\n", len(vs), floorsFile, count)
	if !bench.Report(os.Stdout, vs) {
		return fmt.Errorf("a ratio fell below its floor (see FAIL above); if the change is intended, say why in the commit that lowers %s", floorsFile)
	}
	return nil
}
