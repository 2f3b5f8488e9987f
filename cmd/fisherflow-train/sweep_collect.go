package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// sweepExe is the program that runs a point (the command itself); tests
// replace it with a built binary.
var sweepExe = os.Executable

// runLocal runs the unfinished points of spec here, jobs at a time (0:
// one per core), each as its own process ("sweep -run-point") logging to
// its folder's log.txt, then collects the sweep.
func runLocal(ctx context.Context, dir string, spec *sweepSpec, jobs int, stdout io.Writer) error {
	exe, err := sweepExe()
	if err != nil {
		return fmt.Errorf("sweep: the command's own path: %w", err)
	}
	if jobs == 0 {
		jobs = runtime.NumCPU()
	}
	var todo []int
	for i, p := range spec.Points {
		if st, _ := pointStatus(filepath.Join(dir, p.Dir)); st != finished {
			todo = append(todo, i)
		}
	}
	fmt.Fprintf(stdout, "sweep %s: %d points, %d finished, running %d here, %d at a time\n", dir, len(spec.Points), len(spec.Points)-len(todo), len(todo), min(jobs, max(len(todo), 1)))
	threads := max(1, runtime.NumCPU()/min(jobs, max(len(todo), 1)))
	start := time.Now()
	var mu sync.Mutex
	done := 0
	next := make(chan int)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				p := spec.Points[i]
				pdir := filepath.Join(dir, p.Dir)
				err := runPointProcess(ctx, exe, dir, i, pdir, threads)
				mu.Lock()
				done++
				status := "finished"
				if err != nil {
					_, why := pointStatus(pdir)
					status = fmt.Sprintf("%v; %s (log: %s)", err, why, filepath.Join(pdir, "log.txt"))
				}
				fmt.Fprintf(stdout, "[%d/%d %s] %s: %s\n", done, len(todo), time.Since(start).Round(time.Second), p.label(), status)
				mu.Unlock()
			}
		}()
	}
	for _, i := range todo {
		select {
		case next <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(next)
	wg.Wait()
	return collectSweep(dir, "", stdout)
}

// runPointProcess runs point i of the sweep in dir as a child process on
// threads threads; SIGTERM on cancellation lets it save its checkpoint.
func runPointProcess(ctx context.Context, exe, dir string, i int, pdir string, threads int) error {
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(pdir, "log.txt"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, exe, "sweep", "-run-point", dir+":"+strconv.Itoa(i))
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(threads))
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("exit: %w", err)
	}
	return nil
}

// collectSweep writes the results of the finished points of the sweep in
// dir to one CSV (default dir/sweep.csv): the point's folder, its grid
// values, then every scalar of its result.json. It names the points that
// are missing or failed and why, and is an error when any is.
func collectSweep(dir, out string, stdout io.Writer) error {
	spec, err := readSweep(dir)
	if err != nil {
		return fmt.Errorf("sweep -collect: %w", err)
	}
	if out == "" {
		out = filepath.Join(dir, "sweep.csv")
	}
	var gridCols []string
	for _, ax := range spec.Axes {
		gridCols = append(gridCols, ax.Flags...)
	}
	results := make([]map[string]any, len(spec.Points))
	keys := map[string]bool{}
	var notDone []string
	for i, p := range spec.Points {
		pdir := filepath.Join(dir, p.Dir)
		st, why := pointStatus(pdir)
		if st != finished {
			notDone = append(notDone, fmt.Sprintf("  %s (%s): %s: %s", p.label(), p.Dir, st, why))
			continue
		}
		b, err := os.ReadFile(filepath.Join(pdir, "result.json"))
		if err == nil {
			err = json.Unmarshal(b, &results[i])
		}
		if err != nil {
			notDone = append(notDone, fmt.Sprintf("  %s (%s): failed: result.json: %v", p.label(), p.Dir, err))
			results[i] = nil
			continue
		}
		results[i] = flatten(results[i])
		for k := range results[i] {
			keys[k] = true
		}
	}
	resCols := make([]string, 0, len(keys))
	for k := range keys {
		if !slices.Contains(gridCols, k) && k != "point" {
			resCols = append(resCols, k)
		}
	}
	sort.Strings(resCols)
	f, err := os.CreateTemp(filepath.Dir(out), ".sweep-*.csv")
	if err != nil {
		return fmt.Errorf("sweep -collect: %w", err)
	}
	defer os.Remove(f.Name())
	w := csv.NewWriter(f)
	w.Write(append(append([]string{"point"}, gridCols...), resCols...))
	n := 0
	for i, p := range spec.Points {
		if results[i] == nil {
			continue
		}
		n++
		row := []string{p.Dir}
		for _, kv := range p.Values {
			row = append(row, kv[1])
		}
		for _, k := range resCols {
			row = append(row, csvValue(results[i][k]))
		}
		w.Write(row)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("sweep -collect: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sweep -collect: %w", err)
	}
	if err := os.Rename(f.Name(), out); err != nil {
		return fmt.Errorf("sweep -collect: %w", err)
	}
	fmt.Fprintf(stdout, "%d of %d points finished; wrote %s\n", n, len(spec.Points), out)
	if len(notDone) > 0 {
		fmt.Fprintf(stdout, "not finished:\n")
		for _, s := range notDone {
			fmt.Fprintln(stdout, s)
		}
		return fmt.Errorf("sweep: %d of %d points have not finished (listed above)", len(notDone), len(spec.Points))
	}
	return nil
}

// flatten keeps the scalars of a result.json object, naming those of
// nested objects (the molecules task's report) by their path: a.b.
func flatten(m map[string]any) map[string]any {
	out := map[string]any{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			switch x := v.(type) {
			case float64, string, bool:
				out[prefix+k] = x
			case map[string]any:
				walk(prefix+k+".", x)
			}
		}
	}
	walk("", m)
	return out
}

// csvValue formats a result.json scalar for the CSV.
func csvValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}
