package bench

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Floor is one speed guard: within one run, the figure of Num on a case
// divided by the figure of Den on the same case (or by the measured FMA
// peak when Den is "peak") must be at least Min. Ratios within one run
// are stable on noisy machines where absolute figures are not.
type Floor struct {
	Pkg, Family, Case string
	Num, Den          string
	Min               float64
	Line              int // in the floors file
}

// ParseFloors reads a floors file: one floor per line, as
//
//	package family case numerator denominator minimum
//
// (for example "./kernels Sqrt f32/n=4096 avx2 generic 2.0"); # starts a
// comment.
func ParseFloors(r io.Reader) ([]Floor, error) {
	var out []Floor
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 6 {
			return nil, fmt.Errorf("floors line %d: want package family case numerator denominator minimum, got %q", n, sc.Text())
		}
		v, err := strconv.ParseFloat(f[5], 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("floors line %d: minimum %q is not a positive number", n, f[5])
		}
		out = append(out, Floor{Pkg: f[0], Family: f[1], Case: f[2], Num: f[3], Den: f[4], Min: v, Line: n})
	}
	return out, sc.Err()
}

// Paths returns the benchmark paths a floor needs: the numerator, and the
// denominator unless it is the measured peak.
func (f Floor) Paths() []string {
	if f.Den == "peak" || f.Den == "triad" {
		return []string{f.Num}
	}
	return []string{f.Num, f.Den}
}

// BenchPattern returns the go test -bench pattern that runs exactly the
// given paths of one family and case: -bench splits its pattern at
// slashes and matches each level separately, so every level is anchored
// and quoted.
func BenchPattern(family, c string, paths []string) string {
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = regexp.QuoteMeta(p)
	}
	levels := []string{"^Benchmark" + regexp.QuoteMeta(family) + "$", "^(" + strings.Join(quoted, "|") + ")$"}
	for _, part := range strings.Split(c, "/") {
		levels = append(levels, "^"+regexp.QuoteMeta(part)+"$")
	}
	return strings.Join(levels, "/")
}

// Verdict is the outcome of one floor.
type Verdict struct {
	Floor
	Ratio   float64
	Skipped string // why the floor could not be checked, if it was not
}

// OK reports whether the floor holds (a skipped floor holds).
func (v Verdict) OK() bool { return v.Skipped != "" || v.Ratio >= v.Min }

// Check evaluates floors on results (medians of repeated runs), with
// peaks for the "peak" and "triad" denominators. A floor whose numerator path did
// not run on this machine is skipped, not failed.
func Check(floors []Floor, results []Result, peaks Peaks) []Verdict {
	fig := medians(results)
	var out []Verdict
	for _, f := range floors {
		v := Verdict{Floor: f}
		num, ok := fig[[3]string{f.Family, f.Num, f.Case}]
		switch {
		case !ok:
			v.Skipped = f.Num + " did not run (not supported here?)"
		case f.Den == "peak":
			pk := peaks.of(f.Num, f.Case)
			if pk <= 0 {
				v.Skipped = "no measured peak for " + f.Num
				break
			}
			x, _ := num.Figure()
			v.Ratio = x / pk
		case f.Den == "triad":
			tr := peaks.triadOf(num)
			if tr <= 0 {
				v.Skipped = "no measured triad bandwidth"
				break
			}
			x, _ := num.Figure()
			v.Ratio = x / tr
		default:
			den, ok := fig[[3]string{f.Family, f.Den, f.Case}]
			if !ok {
				v.Skipped = f.Den + " did not run"
				break
			}
			v.Ratio = speedup(num, den)
		}
		out = append(out, v)
	}
	return out
}

// Report writes one line per verdict and returns whether all hold.
func Report(w io.Writer, vs []Verdict) bool {
	ok := true
	for _, v := range vs {
		status := "ok  "
		switch {
		case v.Skipped != "":
			status = "skip"
		case !v.OK():
			status, ok = "FAIL", false
		}
		what := fmt.Sprintf("%s %s: %s / %s", v.Family, v.Case, v.Num, v.Den)
		if v.Skipped != "" {
			fmt.Fprintf(w, "%s %-70s %s\n", status, what, v.Skipped)
			continue
		}
		fmt.Fprintf(w, "%s %-70s %6.2f (floor %.2f, floors line %d)\n", status, what, v.Ratio, v.Min, v.Line)
	}
	return ok
}
