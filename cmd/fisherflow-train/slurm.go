package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fisherflow/fisherflow/internal/atomicfile"
)

// slurmOptions are the resources of each task of a sweep's job array.
type slurmOptions struct {
	jobName, partition, time, mem string
	cpus                          int
	extra                         stringList
}

// stringList is a flag that may be given more than once.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, " ") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func bindSlurm(fs *flag.FlagSet, o *slurmOptions) {
	fs.StringVar(&o.jobName, "job-name", "fisherflow-sweep", "slurm: the job's name")
	fs.StringVar(&o.partition, "partition", "", "slurm: the partition (default: the cluster's default)")
	fs.StringVar(&o.time, "time", "4:00:00", "slurm: time limit of each point (Slurm's forms: MM, HH:MM:SS, D-HH:MM, ...); a point that reaches it saves its checkpoint and requeues itself")
	fs.IntVar(&o.cpus, "cpus-per-task", 2, "slurm: cores of each point (its threads)")
	fs.StringVar(&o.mem, "mem", "2G", "slurm: memory of each point")
	fs.Var(&o.extra, "sbatch", "slurm: an extra sbatch option for the script, e.g. -sbatch --account=abc (may be repeated)")
}

// signalMargin is how long before the time limit Slurm sends SIGTERM
// (--signal=B:TERM@120): time for a checkpoint of the largest models.
const signalMargin = 120

// slurmSeconds parses a Slurm time limit: minutes, minutes:seconds,
// hours:minutes:seconds, days-hours, days-hours:minutes or
// days-hours:minutes:seconds.
func slurmSeconds(s string) (int, error) {
	bad := fmt.Errorf("-time %q is not a Slurm time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)", s)
	days := 0
	rest := s
	if d, r, ok := strings.Cut(s, "-"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 || r == "" {
			return 0, bad
		}
		days, rest = n, r
	}
	var nums []int
	for _, f := range strings.Split(rest, ":") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return 0, bad
		}
		nums = append(nums, n)
	}
	var sec int
	switch {
	case len(nums) > 3:
		return 0, bad
	case s != rest: // days-hours[:minutes[:seconds]]
		for len(nums) < 3 {
			nums = append(nums, 0)
		}
		sec = days*86400 + nums[0]*3600 + nums[1]*60 + nums[2]
	case len(nums) == 1:
		sec = nums[0] * 60
	case len(nums) == 2:
		sec = nums[0]*60 + nums[1]
	default:
		sec = nums[0]*3600 + nums[1]*60 + nums[2]
	}
	if sec <= 0 {
		return 0, bad
	}
	return sec, nil
}

// arraySpec is the --array value of the points todo: ranges of
// consecutive indices, then %max when max > 0.
func arraySpec(todo []int, max int) string {
	var parts []string
	for i := 0; i < len(todo); {
		j := i
		for j+1 < len(todo) && todo[j+1] == todo[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(todo[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", todo[i], todo[j]))
		}
		i = j + 1
	}
	s := strings.Join(parts, ",")
	if max > 0 {
		s += "%" + strconv.Itoa(max)
	}
	return s
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// slurmScript is the job-array script of the points todo of the sweep in
// dir (an absolute path), run by exe.
func slurmScript(dir, exe string, spec *sweepSpec, todo []int, o sweepOptions) (string, error) {
	limit, err := slurmSeconds(o.slurm.time)
	if err != nil {
		return "", err
	}
	if o.slurm.cpus < 1 {
		return "", errors.New("-cpus-per-task must be at least 1")
	}
	for _, e := range o.slurm.extra {
		if !strings.HasPrefix(e, "-") || strings.ContainsAny(e, "\n") {
			return "", fmt.Errorf("-sbatch %q is not an sbatch option (e.g. --account=abc)", e)
		}
	}
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	line("#!/bin/bash")
	line("# Written by fisherflow-train sweep -runner slurm: task I of the array runs point I of")
	line("# %s (fisherflow-train sweep -run-point). SIGTERM (preemption, or %d s", filepath.Join(dir, sweepFile), signalMargin)
	line("# before the time limit) saves the point's checkpoint; a requeued or resubmitted task resumes it.")
	line("#SBATCH --job-name=%s", o.slurm.jobName)
	line("#SBATCH --array=%s", arraySpec(todo, o.jobs))
	line("#SBATCH --requeue")
	line("#SBATCH --signal=B:TERM@%d", signalMargin)
	line("#SBATCH --ntasks=1")
	line("#SBATCH --cpus-per-task=%d", o.slurm.cpus)
	line("#SBATCH --mem=%s", o.slurm.mem)
	line("#SBATCH --time=%s", o.slurm.time)
	if o.slurm.partition != "" {
		line("#SBATCH --partition=%s", o.slurm.partition)
	}
	line("#SBATCH --output=%s", filepath.Join(dir, "slurm", "%A_%a.out"))
	line("#SBATCH --open-mode=append")
	for _, e := range o.slurm.extra {
		line("#SBATCH %s", e)
	}
	line("")
	line("export GOMAXPROCS=\"${SLURM_CPUS_PER_TASK:-%d}\"", o.slurm.cpus)
	line("# When the point stops this close to the limit, it requeues itself.")
	line("export FISHERFLOW_SWEEP_END=$(( $(date +%%s) + %d ))", limit)
	line("# exec: the batch shell becomes the point's process, so that --signal=B:TERM reaches it.")
	line("exec %s sweep -run-point %s:\"$SLURM_ARRAY_TASK_ID\"", shellQuote(exe), shellQuote(dir))
	return b.String(), nil
}

// submitSlurm writes dir/sweep.sbatch for the unfinished points of spec
// and submits it with sbatch (unless -dry-run), printing the job id and
// how to follow it.
func submitSlurm(dir string, spec *sweepSpec, o sweepOptions, stdout io.Writer) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	exe, err := sweepExe()
	if err != nil {
		return fmt.Errorf("sweep: the command's own path: %w", err)
	}
	var todo []int
	for i, p := range spec.Points {
		if st, _ := pointStatus(filepath.Join(abs, p.Dir)); st != finished {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		fmt.Fprintf(stdout, "all %d points of %s have finished; collect them with: fisherflow-train sweep -collect %s\n", len(spec.Points), dir, dir)
		return nil
	}
	script, err := slurmScript(abs, exe, spec, todo, o)
	if err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	path := filepath.Join(abs, "sweep.sbatch")
	if err := os.MkdirAll(filepath.Join(abs, "slurm"), 0o755); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	if err := atomicfile.WriteFile(path, []byte(script)); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	if o.dryRun {
		fmt.Fprintf(stdout, "wrote %s (%d of %d points); submit it with: sbatch %s\n", path, len(todo), len(spec.Points), path)
		return nil
	}
	sbatch, err := exec.LookPath("sbatch")
	if err != nil {
		return fmt.Errorf("sweep: sbatch not found (run on a Slurm login node; -dry-run only writes %s)", path)
	}
	out, err := exec.Command(sbatch, "--parsable", path).CombinedOutput()
	if err != nil {
		return fmt.Errorf("sweep: sbatch %s: %v: %s", path, err, strings.TrimSpace(string(out)))
	}
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	fmt.Fprintf(stdout, "submitted job array %s: %d of %d points (%s)\n", id, len(todo), len(spec.Points), arraySpec(todo, o.jobs))
	fmt.Fprintf(stdout, "follow it: squeue -j %s; tail -f %s\n", id, filepath.Join(abs, "slurm", id+"_*.out"))
	fmt.Fprintf(stdout, "collect it: fisherflow-train sweep -collect %s\n", dir)
	return nil
}

// requeueIfAtLimit requeues the Slurm job this point runs in when it was
// stopped near the job's time limit (as the script records it), so that a
// point longer than the limit runs on in later tasks; preemption requeues
// the job itself.
func requeueIfAtLimit(stdout io.Writer) {
	job, end := os.Getenv("SLURM_JOB_ID"), os.Getenv("FISHERFLOW_SWEEP_END")
	e, err := strconv.ParseInt(end, 10, 64)
	if job == "" || err != nil || time.Now().Unix() < e-2*signalMargin {
		return
	}
	out, err := exec.Command("scontrol", "requeue", job).CombinedOutput()
	if err != nil {
		fmt.Fprintf(stdout, "at the time limit, and scontrol requeue %s failed: %v: %s\n", job, err, strings.TrimSpace(string(out)))
		return
	}
	fmt.Fprintf(stdout, "at the time limit: requeued job %s to continue\n", job)
}
