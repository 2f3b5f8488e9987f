// Command reproduce runs the toy benchmark of the Fisher-Flow paper (its
// Fig. 3) as one fisherflow-train sweep (every method at every K, each
// point a run of its own), and writes the table and a KL-vs-K plot into
// REPRODUCTION.md between its reproduce-toy markers.
//
//	reproduce -train bin/fisherflow-train -out runs/reproduce-toy -steps 3000
//
// Every point is an ordinary run folder (config.json, target.csv,
// samples.csv, result.json, ...), so each KL can be recomputed by anyone.
// The sweep is resumable: fisherflow-train sweep skips a point that has
// finished and resumes one interrupted mid-training from its checkpoint.
// Points run as separate processes, -jobs at a time, each on -threads
// threads. The report names the sweep's command: the same command with
// -runner slurm runs it on a cluster, and this program, given the same
// folder, then finds every point finished and only reports them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	var o options
	flag.StringVar(&o.train, "train", "bin/fisherflow-train", "the fisherflow-train binary")
	flag.StringVar(&o.out, "out", "runs/reproduce-toy", "the sweep folder (run folders, sweep.json, sweep.csv, kl-sweep.csv)")
	ks := flag.String("k", "5,10,20,40,60,80,100,120,140,160", "values of K (categories)")
	methods := flag.String("methods", "fisherflow-ot,fisherflow,linear", "methods: fisherflow-ot (exact minibatch OT), fisherflow (no OT), linear (linear FM on the simplex, Dirichlet prior)")
	steps := flag.String("steps", "3000", "training budgets in steps (a list sweeps budgets too)")
	seeds := flag.String("seeds", "1", "seeds; each seed draws its own target at every K")
	flag.IntVar(&o.evalSamples, "eval-samples", 20480, "generated sequences per KL")
	flag.IntVar(&o.jobs, "jobs", 2, "points run at the same time")
	flag.IntVar(&o.threads, "threads", 1, "threads per point")
	flag.StringVar(&o.md, "md", "REPRODUCTION.md", "markdown file whose reproduce-toy section is rewritten ('' = none)")
	flag.StringVar(&o.plot, "plot", "bench/plots/kl-vs-k.png", "PNG of KL against K ('' = none)")
	flag.StringVar(&o.cmd, "cmd", "make reproduce-toy", "the command to name in the report")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: reproduce [flags]\n\nRuns the Fisher-Flow toy sweep with fisherflow-train and reports it.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		fail(fmt.Errorf("unexpected argument %q", flag.Arg(0)))
	}
	var err error
	if o.ks, err = ints("-k", *ks, 2); err != nil {
		fail(err)
	}
	if o.steps, err = ints("-steps", *steps, 1); err != nil {
		fail(err)
	}
	seedList, err := ints("-seeds", *seeds, 0)
	if err != nil {
		fail(err)
	}
	for _, s := range seedList {
		o.seeds = append(o.seeds, uint64(s))
	}
	for _, m := range strings.Split(*methods, ",") {
		if _, ok := methodArgs[m]; !ok {
			fail(fmt.Errorf("-methods: unknown method %q (want fisherflow-ot, fisherflow or linear)", m))
		}
		o.methods = append(o.methods, m)
	}
	if o.evalSamples < 1 || o.jobs < 1 || o.threads < 1 {
		fail(errors.New("-eval-samples, -jobs and -threads must be at least 1"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "reproduce:", err)
	os.Exit(1)
}

// ints parses a comma-separated list of integers >= least.
func ints(name, s string, least int) ([]int, error) {
	var v []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < least {
			return nil, fmt.Errorf("%s: %q is not an integer >= %d", name, f, least)
		}
		v = append(v, n)
	}
	return v, nil
}

// options is one sweep.
type options struct {
	train, out, md, plot, cmd string
	ks, steps                 []int
	seeds                     []uint64
	methods                   []string
	evalSamples               int
	jobs, threads             int
}

// methodArgs are the fisherflow-train flags of each method. Everything
// else is the reference protocol's default (BestMLP, AdamW 1e-3, clip 1,
// ReduceLROnPlateau, batch 512), the same for every method.
var methodArgs = map[string][]string{
	"fisherflow-ot": {"-method", "fisherflow", "-ot", "exact"},
	"fisherflow":    {"-method", "fisherflow", "-ot", "none"},
	"linear":        {"-method", "linear", "-ot", "none"},
}

// methodGrid is each method as a value of the sweep's method+ot axis.
var methodGrid = map[string]string{
	"fisherflow-ot": "fisherflow+exact",
	"fisherflow":    "fisherflow+none",
	"linear":        "linear+none",
}

// methodTitle names a method in the report.
var methodTitle = map[string]string{
	"fisherflow-ot": "Fisher-Flow, exact OT",
	"fisherflow":    "Fisher-Flow, no OT",
	"linear":        "linear FM (Dirichlet prior)",
}

// point is one run of the sweep.
type point struct {
	method string
	k      int
	steps  int
	seed   uint64
}

// dir is p's run folder: the name fisherflow-train sweep gives the
// point of sweepGrid's axes (FLAG=VALUE joined by _, in the grid's order).
func (p point) dir(out string) string {
	mo := strings.Split(methodGrid[p.method], "+")
	return fmt.Sprintf("%s/k=%d_steps=%d_seed=%d_method=%s_ot=%s", out, p.k, p.steps, p.seed, mo[0], mo[1])
}

// points lists the sweep, the most expensive first so that the last
// points to finish are short ones.
func (o options) points() []point {
	var ps []point
	for ki := len(o.ks) - 1; ki >= 0; ki-- {
		for si := len(o.steps) - 1; si >= 0; si-- {
			for _, seed := range o.seeds {
				for _, m := range o.methods {
					ps = append(ps, point{method: m, k: o.ks[ki], steps: o.steps[si], seed: seed})
				}
			}
		}
	}
	return ps
}

// elapsed formats a duration for the log.
func elapsed(d time.Duration) string { return d.Round(time.Second).String() }
