package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func knownFlag(name string) bool {
	return map[string]bool{"k": true, "method": true, "ot": true, "seed": true, "lr": true, "out": true}[name]
}

func TestParseGrid(t *testing.T) {
	axes, err := parseGrid(" k=5,10  method+ot=fisherflow+exact,linear+none seed=1 ", knownFlag)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := gridString(axes), "k=5,10 method+ot=fisherflow+exact,linear+none seed=1"; got != want {
		t.Errorf("gridString = %q, want %q", got, want)
	}
	pts, err := gridPoints(axes, []string{"-steps=10"})
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, p := range pts {
		dirs = append(dirs, p.Dir)
	}
	want := []string{
		"k=5_method=fisherflow_ot=exact_seed=1", "k=5_method=linear_ot=none_seed=1",
		"k=10_method=fisherflow_ot=exact_seed=1", "k=10_method=linear_ot=none_seed=1",
	}
	if strings.Join(dirs, " ") != strings.Join(want, " ") {
		t.Errorf("points %v, want %v", dirs, want)
	}
	if got := strings.Join(pts[1].Args, " "); got != "-steps=10 -k=5 -method=linear -ot=none -seed=1" {
		t.Errorf("args %q", got)
	}
	for _, c := range []struct{ grid, want string }{
		{"", "empty"},
		{"kk=1,2", "unknown flag -kk"},
		{"k=5,,10", "empty value"},
		{"k=", "empty value"},
		{"k", "not FLAG=VALUE"},
		{"=5", "not FLAG=VALUE"},
		{"k=5 k=10", "twice"},
		{"k=5,5", "twice"},
		{"out=a,b", "cannot be swept"},
		{"method+ot=linear", "joined by +"},
		{"method+=a+b", "empty flag name"},
	} {
		if _, err := parseGrid(c.grid, knownFlag); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseGrid(%q) = %v, want an error with %q", c.grid, err, c.want)
		}
	}
	if _, err := gridPoints([]gridAxis{{Flags: []string{"data"}, Values: [][]string{{"a/b"}, {"a b"}}}}, nil); err == nil {
		t.Error("two points with one folder were accepted")
	}
}

func TestSlurmScript(t *testing.T) {
	for _, c := range []struct {
		todo []int
		max  int
		want string
	}{
		{[]int{0, 1, 2, 3}, 2, "0-3%2"}, {[]int{1, 3, 4, 5, 9}, 0, "1,3-5,9"}, {[]int{7}, 1, "7%1"},
	} {
		if got := arraySpec(c.todo, c.max); got != c.want {
			t.Errorf("arraySpec(%v, %d) = %q, want %q", c.todo, c.max, got, c.want)
		}
	}
	for s, want := range map[string]int{"90": 5400, "1:30": 90, "2:00:00": 7200, "1-0": 86400, "1-2:03": 93780, "0-0:0:5": 5} {
		if got, err := slurmSeconds(s); err != nil || got != want {
			t.Errorf("slurmSeconds(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "x", "1:2:3:4", "-1", "0", "1-", "a-1"} {
		if _, err := slurmSeconds(s); err == nil {
			t.Errorf("slurmSeconds(%q) accepted", s)
		}
	}
	spec := &sweepSpec{Points: make([]sweepPoint, 6)}
	o := sweepOptions{jobs: 3, slurm: slurmOptions{jobName: "ff", time: "1:00:00", cpus: 4, mem: "3G", partition: "short",
		extra: stringList{"--account=abc", "--qos=low"}}}
	s, err := slurmScript("/shared/sw eep", "/opt/bin/fisherflow-train", spec, []int{0, 2, 3, 4}, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"#!/bin/bash\n", "#SBATCH --array=0,2-4%3\n", "#SBATCH --requeue\n", "#SBATCH --signal=B:TERM@120\n",
		"#SBATCH --cpus-per-task=4\n", "#SBATCH --mem=3G\n", "#SBATCH --time=1:00:00\n", "#SBATCH --partition=short\n",
		"#SBATCH --job-name=ff\n", "#SBATCH --account=abc\n", "#SBATCH --qos=low\n", "#SBATCH --output=/shared/sw eep/slurm/%A_%a.out\n",
		"+ 3600 ))", "exec '/opt/bin/fisherflow-train' sweep -run-point '/shared/sw eep':\"$SLURM_ARRAY_TASK_ID\"\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	// The #SBATCH lines come before the first command, or sbatch ignores them.
	if strings.Index(s, "\nexport") < strings.LastIndex(s, "#SBATCH") {
		t.Errorf("an #SBATCH line after a command:\n%s", s)
	}
	o.slurm.extra = stringList{"account=abc"}
	if _, err := slurmScript("/d", "/x", spec, []int{0}, o); err == nil {
		t.Error("an extra option without - was accepted")
	}
	if sh, err := exec.LookPath("bash"); err == nil {
		o.slurm.extra = nil
		s, _ := slurmScript("/d", "/x", spec, []int{0}, o)
		if out, err := exec.Command(sh, "-n", "-c", s).CombinedOutput(); err != nil {
			t.Errorf("bash -n: %v: %s", err, out)
		}
	}
}

// tinySweep are the run flags of the sweep tests' points.
var tinySweep = []string{"-batch", "32", "-hidden", "16", "-eval-every", "10", "-eval-samples", "64", "-track-eval", "0", "-sample-steps", "5", "-steps", "20", "-threads", "1"}

func sweepIn(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"sweep"}, args...), &out, &out)
	return out.String(), err
}

// A local sweep runs every point, skips the finished ones when run again,
// resumes an interrupted one and collects them, naming the failed.
func TestSweepLocal(t *testing.T) {
	bin := buildBinary(t)
	saved := sweepExe
	sweepExe = func() (string, error) { return bin, nil }
	defer func() { sweepExe = saved }()
	dir := filepath.Join(t.TempDir(), "sw")
	args := append([]string{"-grid", "k=3,4 method=fisherflow,linear", "-out", dir, "-jobs", "2"}, tinySweep...)
	out, err := sweepIn(t, args...)
	if err != nil {
		t.Fatalf("sweep: %v\n%s", err, out)
	}
	if !strings.Contains(out, "4 of 4 points finished") {
		t.Errorf("output:\n%s", out)
	}
	csv1, err := os.ReadFile(filepath.Join(dir, "sweep.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csv1)), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "point,k,method,") || !strings.HasPrefix(lines[2], "k=3_method=linear,3,linear,") {
		t.Errorf("sweep.csv:\n%s", csv1)
	}
	// One point interrupted (its result gone, its checkpoint kept), one
	// failed: collect names both; running again redoes only those.
	os.Remove(filepath.Join(dir, "k=4_method=fisherflow", "result.json"))
	os.Remove(filepath.Join(dir, "k=3_method=linear", "result.json"))
	os.WriteFile(filepath.Join(dir, "k=3_method=linear", errorFile), []byte("training diverged\n"), 0o644)
	out, err = sweepIn(t, "-collect", dir)
	if err == nil || !strings.Contains(out, "k=3 method=linear (k=3_method=linear): failed: training diverged") ||
		!strings.Contains(out, "k=4 method=fisherflow (k=4_method=fisherflow): interrupted: stopped at step 20 of 20") ||
		!strings.Contains(out, "2 of 4 points finished") {
		t.Errorf("collect: %v\n%s", err, out)
	}
	out, err = sweepIn(t, args...)
	if err != nil || !strings.Contains(out, "4 points, 2 finished, running 2 here") {
		t.Fatalf("second sweep: %v\n%s", err, out)
	}
	csv2, _ := os.ReadFile(filepath.Join(dir, "sweep.csv"))
	if strip(string(csv1)) != strip(string(csv2)) {
		t.Errorf("redone points differ:\n%s\n%s", csv1, csv2)
	}
	// Another grid, or other flags, in the same folder are refused.
	for _, a := range [][]string{
		append([]string{"-grid", "k=3,5 method=fisherflow,linear", "-out", dir}, tinySweep...),
		append([]string{"-grid", "k=3,4 method=fisherflow,linear", "-out", dir, "-lr", "0.01"}, tinySweep...),
	} {
		if out, err := sweepIn(t, a...); err == nil || !strings.Contains(err.Error(), "holds another sweep") {
			t.Errorf("%v: %v\n%s", a, err, out)
		}
	}
}

// strip drops the columns of times, which differ between runs.
func strip(csv string) string {
	var out []string
	var keep []bool
	for i, line := range strings.Split(strings.TrimSpace(csv), "\n") {
		f := strings.Split(line, ",")
		if i == 0 {
			for _, name := range f {
				keep = append(keep, !strings.HasSuffix(name, "_seconds"))
			}
		}
		var row []string
		for j, v := range f {
			if j < len(keep) && keep[j] {
				row = append(row, v)
			}
		}
		out = append(out, strings.Join(row, ","))
	}
	return strings.Join(out, "\n")
}

// Bad input is one clear line and a non-zero exit.
func TestSweepBadInput(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"-grid", "kk=1", "-out", dir + "/a"}, "", "unknown flag -kk"},
		{[]string{"-grid", "k=1,", "-out", dir + "/a"}, "", "empty value"},
		{[]string{"-grid", "k=5", "-k", "6", "-out", dir + "/a"}, "", "both in -grid and as a flag"},
		{[]string{"-grid", "method+ot=linear+exact", "-out", dir + "/a"}, "", "point method=linear ot=exact"},
		{[]string{"-grid", "k=5", "-out", dir + "/a", "-resume", "x"}, "", "-resume is not a sweep flag"},
		{[]string{"-grid", "k=5"}, "", "-out DIR is required"},
		{[]string{"-out", dir + "/a"}, "", "-grid is required"},
		{[]string{"-grid", "k=5", "-out", dir + "/b", "-runner", "pbs"}, "", "unknown -runner"},
		{[]string{"-grid", "k=5", "-out", dir + "/c", "-runner", "slurm"}, "PATH=" + dir, "sbatch not found"},
		{[]string{"-grid", "k=5", "-out", dir + "/d", "-runner", "slurm", "-time", "soon", "-dry-run"}, "", "not a Slurm time limit"},
		{[]string{"-collect", dir + "/none"}, "", "sweep.json"},
		{[]string{"-run-point", dir + "/c"}, "", "not DIR:INDEX"},
		{[]string{"-run-point", dir + "/c:7"}, "", "has points 0 to 0"},
	} {
		cmd := exec.Command(bin, append([]string{"sweep"}, c.args...)...)
		if c.env != "" {
			cmd.Env = append(os.Environ(), c.env)
		}
		out, err := cmd.CombinedOutput()
		msg := strings.TrimSpace(string(out))
		if err == nil || strings.Count(msg, "\n") > 0 || !strings.Contains(msg, c.want) {
			t.Errorf("sweep %v: %v, output %q; want one line with %q", c.args, err, msg, c.want)
		}
	}
	out, err := exec.Command(bin, "sweep", "-grid", "k=5,6", "-out", dir+"/e", "-runner", "slurm", "-dry-run").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "sbatch "+dir+"/e/sweep.sbatch") {
		t.Errorf("-dry-run: %v %s", err, out)
	}
}

// A point stopped near the job's time limit requeues its job; one stopped
// earlier (preemption, which requeues by itself) does not.
func TestRequeueAtLimit(t *testing.T) {
	bin := t.TempDir()
	log := filepath.Join(bin, "calls")
	os.WriteFile(filepath.Join(bin, "scontrol"), []byte("#!/bin/sh\necho \"$@\" >> "+log+"\n"), 0o755)
	t.Setenv("PATH", bin)
	t.Setenv("SLURM_JOB_ID", "42")
	for _, c := range []struct {
		left int64
		want string
	}{{1000, ""}, {100, "requeue 42\n"}} {
		os.Remove(log)
		t.Setenv("FISHERFLOW_SWEEP_END", strconv.FormatInt(time.Now().Unix()+c.left, 10))
		var out bytes.Buffer
		requeueIfAtLimit(&out)
		if got, _ := os.ReadFile(log); string(got) != c.want {
			t.Errorf("%d s before the limit: scontrol %q, want %q (%s)", c.left, got, c.want, out.String())
		}
	}
}

// A sweep of the molecules task takes its flags, resumes an interrupted
// point from its checkpoint to the straight run's result, and collects
// the molecule report's figures.
func TestSweepMolecules(t *testing.T) {
	bin := buildBinary(t)
	saved := sweepExe
	sweepExe = func() (string, error) { return bin, nil }
	defer func() { sweepExe = saved }()
	dir := filepath.Join(t.TempDir(), "sw")
	args := append([]string{"-grid", "method=fisherflow,linear", "-out", dir, "-jobs", "2", "-steps", "6", "-schedule", "constant", "-threads", "1"},
		slices.DeleteFunc(slices.Clone(tinyMol), func(a string) bool { return a == "-quiet" })...)
	out, err := sweepIn(t, args...)
	if err != nil || !strings.Contains(out, "2 of 2 points finished") {
		t.Fatalf("sweep: %v\n%s", err, out)
	}
	csv1, _ := os.ReadFile(filepath.Join(dir, "sweep.csv"))
	if head := strings.SplitN(string(csv1), "\n", 2)[0]; !strings.HasPrefix(head, "point,method,") || !strings.Contains(head, ",molecules.atom_stability,") {
		t.Errorf("sweep.csv header: %s", head)
	}
	// Point 1 stopped at step 3 (its checkpoint of step 3 kept) resumes
	// to the same result.
	p := filepath.Join(dir, "method=linear")
	os.RemoveAll(p)
	runMol(t, append(slices.Clone(tinyMol), "-schedule", "constant", "-threads", "1", "-method", "linear", "-steps", "3", "-out", p)...)
	os.Remove(filepath.Join(p, "result.json"))
	before, _ := os.ReadFile(filepath.Join(p, "metrics.csv"))
	out, err = sweepIn(t, args...)
	if err != nil || !strings.Contains(out, "running 1 here") {
		t.Fatalf("second sweep: %v\n%s", err, out)
	}
	// Resumed, not redone: the first rows, times included, are kept.
	if after, _ := os.ReadFile(filepath.Join(p, "metrics.csv")); len(before) == 0 || !bytes.HasPrefix(after, before) || len(after) == len(before) {
		t.Errorf("metrics.csv of the resumed point:\n%s\nbefore:\n%s", after, before)
	}
	csv2, _ := os.ReadFile(filepath.Join(dir, "sweep.csv"))
	if strip(string(csv1)) != strip(string(csv2)) {
		t.Errorf("the resumed point differs:\n%s\n%s", csv1, csv2)
	}
}
