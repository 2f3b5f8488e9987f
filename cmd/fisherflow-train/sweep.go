package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/fisherflow/fisherflow/internal/atomicfile"
)

// The sweep subcommand runs a grid of training runs: every point is an
// ordinary run folder under one sweep folder, which sweep.json describes.
// A runner executes the points that have not finished (runner "local"
// here, -jobs at a time; runner "slurm" as one job array, slurm.go); each
// point is run by "fisherflow-train sweep -run-point DIR I", which
// resumes a point that holds a checkpoint, so that a point interrupted by
// SIGTERM (Slurm's preemption or time limit) continues exactly where it
// stopped. "sweep -collect DIR" gathers the finished points into one CSV.

const (
	sweepFile  = "sweep.json"
	errorFile  = "error.txt"
	sweepUsage = `fisherflow-train sweep -grid 'FLAG=V1,V2 FLAG=V1,V2 ...' -out DIR [run flags] [-runner local|slurm] [-jobs N]
fisherflow-train sweep -collect DIR [-csv FILE]

Runs every combination of the grid's values, each as a run folder under DIR (the run flags given apply to every
point). Flags joined by + take values joined by +, as one axis: 'method+ot=fisherflow+exact,linear+none'.
Points that finished are skipped; interrupted points resume from their checkpoint. DIR/sweep.json records the grid,
and a different grid or different run flags are refused in the same DIR.

  -runner local   runs the points here, -jobs at a time (default: one per core)
  -runner slurm   writes DIR/sweep.sbatch, one job-array task per unfinished point (--requeue, SIGTERM 120 s before
                  the time limit saves a checkpoint), and submits it with sbatch (-dry-run: only writes it)

Sweep flags:
`
)

// gridAxis is one axis of a grid: the flags it sets (more than one for
// an axis like method+ot) and its values, each giving every flag a value.
type gridAxis struct {
	Flags  []string   `json:"flags"`
	Values [][]string `json:"values"`
}

// sweepPoint is one run of a sweep.
type sweepPoint struct {
	Dir string `json:"dir"` // the run folder, relative to the sweep folder
	// Values are the grid's settings of the point, as flag name and value
	// pairs in the grid's order.
	Values [][2]string `json:"values"`
	Args   []string    `json:"args"` // the train command's arguments, without -out
}

// sweepSpec is sweep.json: the grid, the run flags every point shares and
// the points.
type sweepSpec struct {
	Grid   string       `json:"grid"`
	Axes   []gridAxis   `json:"axes"`
	Args   []string     `json:"args"`
	Points []sweepPoint `json:"points"`
}

// notInGrid are train flags that a grid may not set: the sweep sets the
// run folder and the log mode of every point.
var notInGrid = map[string]string{
	"out":    "the sweep sets each point's run folder under -out",
	"resume": "the sweep resumes interrupted points itself",
	"quiet":  "the sweep sets the log mode",
	"json":   "the sweep sets the log mode",
}

// parseGrid parses a grid: axes separated by spaces, each FLAG=V1,V2,...
// or F1+F2=A1+A2,B1+B2,...; known reports whether a flag exists.
func parseGrid(s string, known func(name string) bool) ([]gridAxis, error) {
	var axes []gridAxis
	seen := map[string]bool{}
	for _, field := range strings.Fields(s) {
		key, vals, ok := strings.Cut(field, "=")
		if !ok || key == "" {
			return nil, fmt.Errorf("-grid: %q is not FLAG=VALUE,VALUE,...", field)
		}
		var ax gridAxis
		for _, name := range strings.Split(key, "+") {
			name = strings.TrimLeft(name, "-")
			switch {
			case name == "":
				return nil, fmt.Errorf("-grid: %q has an empty flag name", field)
			case notInGrid[name] != "":
				return nil, fmt.Errorf("-grid: -%s cannot be swept (%s)", name, notInGrid[name])
			case !known(name):
				return nil, fmt.Errorf("-grid: unknown flag -%s (fisherflow-train -h lists the flags)", name)
			case seen[name]:
				return nil, fmt.Errorf("-grid: -%s is given twice", name)
			}
			seen[name] = true
			ax.Flags = append(ax.Flags, name)
		}
		for _, v := range strings.Split(vals, ",") {
			parts := []string{v}
			if len(ax.Flags) > 1 {
				parts = strings.Split(v, "+")
			}
			if len(parts) != len(ax.Flags) {
				return nil, fmt.Errorf("-grid: %s: value %q does not give %d values joined by +", key, v, len(ax.Flags))
			}
			for _, p := range parts {
				if p == "" {
					return nil, fmt.Errorf("-grid: %s has an empty value in %q", key, field)
				}
			}
			if slices.ContainsFunc(ax.Values, func(o []string) bool { return slices.Equal(o, parts) }) {
				return nil, fmt.Errorf("-grid: %s: value %q is given twice", key, v)
			}
			ax.Values = append(ax.Values, parts)
		}
		axes = append(axes, ax)
	}
	if len(axes) == 0 {
		return nil, errors.New("-grid is empty: give FLAG=VALUE,VALUE,... (e.g. -grid 'k=5,10 seed=1,2')")
	}
	return axes, nil
}

// gridString is the canonical form of axes, as -grid takes it.
func gridString(axes []gridAxis) string {
	var fs []string
	for _, ax := range axes {
		var vs []string
		for _, v := range ax.Values {
			vs = append(vs, strings.Join(v, "+"))
		}
		fs = append(fs, strings.Join(ax.Flags, "+")+"="+strings.Join(vs, ","))
	}
	return strings.Join(fs, " ")
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._+-]+`)

// gridPoints lists every combination of the axes' values (the last axis
// varying fastest), each with the shared arguments args before its own.
func gridPoints(axes []gridAxis, args []string) ([]sweepPoint, error) {
	pts := []sweepPoint{{}}
	for _, ax := range axes {
		var next []sweepPoint
		for _, p := range pts {
			for _, v := range ax.Values {
				q := sweepPoint{Values: slices.Clone(p.Values)}
				for i, name := range ax.Flags {
					q.Values = append(q.Values, [2]string{name, v[i]})
				}
				next = append(next, q)
			}
		}
		pts = next
	}
	dirs := map[string]bool{}
	for i := range pts {
		p := &pts[i]
		var parts []string
		p.Args = slices.Clone(args)
		for _, kv := range p.Values {
			parts = append(parts, kv[0]+"="+unsafeName.ReplaceAllString(kv[1], "-"))
			p.Args = append(p.Args, "-"+kv[0]+"="+kv[1])
		}
		p.Dir = strings.Join(parts, "_")
		if dirs[p.Dir] {
			return nil, fmt.Errorf("-grid: two points would share the folder %s (values that differ only in characters outside A-Z a-z 0-9 . _ + -)", p.Dir)
		}
		dirs[p.Dir] = true
	}
	return pts, nil
}

// label names a point in messages: its grid values.
func (p sweepPoint) label() string {
	var s []string
	for _, kv := range p.Values {
		s = append(s, kv[0]+"="+kv[1])
	}
	return strings.Join(s, " ")
}

// sweepOptions are the sweep command's own flags.
type sweepOptions struct {
	grid, runner, collect, csv string
	runPoint                   string
	jobs                       int
	dryRun                     bool
	slurm                      slurmOptions
}

// sweepOnly names the flags of the sweep command that are not run flags.
var sweepOnly = map[string]bool{}

func bindSweep(fs *flag.FlagSet, o *sweepOptions) {
	fs.StringVar(&o.grid, "grid", "", "the grid: space-separated FLAG=V1,V2,... (e.g. 'k=5,10 method=fisherflow,linear seed=1,2')")
	fs.StringVar(&o.runner, "runner", "local", "where the points run: local or slurm")
	fs.IntVar(&o.jobs, "jobs", 0, "points run at the same time (local: default one per core; slurm: the array's %M, default all)")
	fs.BoolVar(&o.dryRun, "dry-run", false, "slurm: write DIR/sweep.sbatch without submitting it")
	fs.StringVar(&o.collect, "collect", "", "gather the finished points of the sweep folder DIR into one CSV, naming those missing or failed")
	fs.StringVar(&o.csv, "csv", "", "with -collect: the CSV file (default DIR/sweep.csv)")
	fs.StringVar(&o.runPoint, "run-point", "", "run point I of the sweep folder DIR, given as DIR:I (what each runner executes)")
	bindSlurm(fs, &o.slurm)
}

func init() {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	bindSweep(fs, &sweepOptions{})
	fs.VisitAll(func(f *flag.Flag) { sweepOnly[f.Name] = true })
}

// sweepCmd is the sweep subcommand.
func sweepCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o sweepOptions
	c, f := defaults(), cliFlags{}
	fs := flag.NewFlagSet("fisherflow-train sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bindSweep(fs, &o)
	// A kind that runs itself (-task molecules) has flags of its own.
	kind := selfRunKind(args)
	if kind != nil && kind.bind != nil {
		kind.bind(fs)
	} else {
		bind(fs, &c, &f)
	}
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), sweepUsage)
		fs.VisitAll(func(fl *flag.Flag) {
			if sweepOnly[fl.Name] {
				fmt.Fprintf(fs.Output(), "  -%s\n    \t%s\n", fl.Name, fl.Usage)
			}
		})
		fmt.Fprintln(fs.Output(), "\nRun flags: those of fisherflow-train (fisherflow-train -h; with -task molecules, fisherflow-train -task molecules -h), except -resume, -quiet and -json.")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sweep: unexpected argument %q (flags start with -; see sweep -h)", fs.Arg(0))
	}
	switch {
	case o.runPoint != "":
		cut := strings.LastIndexByte(o.runPoint, ':')
		i, err := strconv.Atoi(o.runPoint[cut+1:])
		dir := o.runPoint[:max(cut, 0)]
		if cut < 0 || err != nil {
			return fmt.Errorf("sweep: -run-point %q is not DIR:INDEX", o.runPoint)
		}
		return runSweepPoint(ctx, dir, i, stdout, stderr)
	case o.collect != "":
		return collectSweep(o.collect, o.csv, stdout)
	}
	var runArgs []string
	var bad error
	fs.Visit(func(fl *flag.Flag) {
		switch {
		case sweepOnly[fl.Name] || fl.Name == "out":
		case fl.Name == "resume" || fl.Name == "quiet" || fl.Name == "json":
			bad = fmt.Errorf("sweep: -%s is not a sweep flag (%s)", fl.Name, notInGrid[fl.Name])
		default:
			v := fl.Value.String()
			if fl.Name == "config" || fl.Name == "data" || fl.Name == "signal" || fl.Name == "labels" || fl.Name == "fbd-classifier" {
				if v != "" && v != "header" {
					v, _ = filepath.Abs(v) // the points run in other folders and on other machines
				}
			}
			runArgs = append(runArgs, "-"+fl.Name+"="+v)
		}
	})
	if bad != nil {
		return bad
	}
	if out := fs.Lookup("out"); out != nil {
		f.out = out.Value.String()
	}
	if f.out == "" {
		return errors.New("sweep: -out DIR is required (the sweep folder; on a cluster, on storage every node sees)")
	}
	if o.grid == "" {
		return errors.New("sweep: -grid is required (e.g. -grid 'k=5,10 method=fisherflow,linear seed=1,2'; see sweep -h)")
	}
	if o.runner != "local" && o.runner != "slurm" {
		return fmt.Errorf("sweep: unknown -runner %q (choices: local, slurm)", o.runner)
	}
	if o.jobs < 0 {
		return errors.New("sweep: -jobs must be >= 0")
	}
	known := func(name string) bool { return fs.Lookup(name) != nil && !sweepOnly[name] }
	axes, err := parseGrid(o.grid, known)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	for _, ax := range axes {
		for _, name := range ax.Flags {
			if flagValue(runArgs, name) != "" {
				return fmt.Errorf("sweep: -%s is given both in -grid and as a flag", name)
			}
		}
	}
	spec, err := newSweep(f.out, axes, runArgs)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	if o.runner == "slurm" {
		return submitSlurm(f.out, spec, o, stdout)
	}
	return runLocal(ctx, f.out, spec, o.jobs, stdout)
}

// newSweep checks every point's settings and writes dir/sweep.json, or
// checks that the one there describes the same sweep.
func newSweep(dir string, axes []gridAxis, args []string) (*sweepSpec, error) {
	pts, err := gridPoints(axes, args)
	if err != nil {
		return nil, err
	}
	for _, p := range pts {
		if _, err := pointSteps(p.Args); err != nil {
			return nil, fmt.Errorf("point %s: %w", p.label(), err)
		}
	}
	spec := &sweepSpec{Grid: gridString(axes), Axes: axes, Args: args, Points: pts}
	if old, err := readSweep(dir); err == nil {
		if old.Grid != spec.Grid || !slices.Equal(old.Args, spec.Args) {
			return nil, fmt.Errorf("%s holds another sweep (-grid '%s' %s): use another -out, or that grid and those flags",
				dir, old.Grid, strings.Join(old.Args, " "))
		}
		if !reflect.DeepEqual(old.Points, spec.Points) {
			return nil, fmt.Errorf("%s: %s does not match its grid (edited?)", dir, sweepFile)
		}
		return old, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(spec, "", "  ")
	if err := atomicfile.WriteFile(filepath.Join(dir, sweepFile), append(b, '\n')); err != nil {
		return nil, err
	}
	return spec, nil
}

// readSweep reads dir/sweep.json.
func readSweep(dir string) (*sweepSpec, error) {
	path := filepath.Join(dir, sweepFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s sweepSpec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}

// pointState is where a point of a sweep stands.
type pointState int

const (
	notStarted pointState = iota
	started               // a folder without a checkpoint
	interrupted
	failed
	finished
)

func (s pointState) String() string {
	return [...]string{"missing", "started", "interrupted", "failed", "finished"}[s]
}

// pointStatus reads the state of the point in dir and says why it is not
// finished.
func pointStatus(dir string) (pointState, string) {
	if _, err := os.Stat(filepath.Join(dir, "result.json")); err == nil {
		return finished, ""
	}
	if b, err := os.ReadFile(filepath.Join(dir, errorFile)); err == nil {
		return failed, strings.TrimSpace(string(b))
	}
	if _, err := os.Stat(filepath.Join(dir, checkpointName)); err == nil {
		step, total := progressOf(dir)
		return interrupted, fmt.Sprintf("stopped at step %d of %d with a checkpoint (runs on when requeued or submitted again)", step, total)
	}
	if _, err := os.Stat(dir); err == nil {
		return started, "started, no checkpoint yet (running, or stopped before its first checkpoint)"
	}
	return notStarted, "not started"
}

// pointSteps checks the train command's arguments of a point and returns
// its steps.
func pointSteps(args []string) (int, error) {
	if k := selfRunKind(args); k != nil {
		if k.check == nil {
			return 0, fmt.Errorf("-task %s runs with flags of its own, which sweep does not support", k.names[0])
		}
		return k.check(args)
	}
	c, _, err := parseTrainFlags(args, io.Discard)
	if err != nil {
		return 0, dataError(configError(c, err))
	}
	return c.Train.Steps, nil
}

// progressOf reads the last step in dir's metrics.csv and the run's
// total from its config.json (train.steps, in every task's config).
func progressOf(dir string) (step, total int) {
	if b, err := os.ReadFile(filepath.Join(dir, "metrics.csv")); err == nil {
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) > 1 {
			step, _ = strconv.Atoi(strings.Split(lines[len(lines)-1], ",")[0])
		}
	}
	var c struct {
		Train struct {
			Steps int `json:"steps"`
		} `json:"train"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "config.json")); err == nil {
		json.Unmarshal(b, &c)
	}
	return step, c.Train.Steps
}

// runSweepPoint runs point i of the sweep in dir: nothing when it has
// finished, a resumed run when it holds a checkpoint, else a fresh run.
// A failure is recorded in the point's error.txt for -collect.
func runSweepPoint(ctx context.Context, dir string, i int, stdout, stderr io.Writer) error {
	spec, err := readSweep(dir)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	if i < 0 || i >= len(spec.Points) {
		return fmt.Errorf("sweep: point %d: %s has points 0 to %d", i, dir, len(spec.Points)-1)
	}
	p := spec.Points[i]
	pdir := filepath.Join(dir, p.Dir)
	st, _ := pointStatus(pdir)
	if st == finished {
		fmt.Fprintf(stdout, "point %d (%s) has finished: %s\n", i, p.label(), pdir)
		return nil
	}
	os.Remove(filepath.Join(pdir, errorFile))
	args := append(slices.Clone(p.Args), "-out", pdir, "-quiet")
	if st == interrupted {
		steps, err := pointSteps(p.Args)
		if err != nil {
			return fmt.Errorf("sweep: point %d: %w", i, err)
		}
		args = []string{"-resume", pdir, "-steps", strconv.Itoa(steps), "-quiet"}
		if v := flagValue(p.Args, "threads"); v != "" {
			args = append(args, "-threads", v)
		}
	}
	fmt.Fprintf(stdout, "point %d (%s): fisherflow-train %s\n", i, p.label(), strings.Join(args, " "))
	err = run(ctx, args, stdout, stderr)
	if err == nil {
		if st, _ := pointStatus(pdir); st == finished {
			return nil
		}
		if ctx.Err() != nil {
			requeueIfAtLimit(stdout)
			step, total := progressOf(pdir)
			return fmt.Errorf("point %d (%s) stopped at step %d of %d: its checkpoint is saved, and it continues when requeued or submitted again", i, p.label(), step, total)
		}
		err = errors.New("the run ended without result.json")
	}
	if ctx.Err() == nil {
		os.MkdirAll(pdir, 0o755)
		atomicfile.WriteFile(filepath.Join(pdir, errorFile), []byte(err.Error()+"\n"))
	}
	return fmt.Errorf("point %d (%s): %w", i, p.label(), err)
}
