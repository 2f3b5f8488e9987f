//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/mol"
	"github.com/fisherflow/fisherflow/fisherflow/moltrain"
	"github.com/fisherflow/fisherflow/internal/atomicfile"
)

// A crash at any instant loses nothing: the trainer (of the toy task and
// of the molecules task), killed with SIGKILL again and again and
// resumed each time, ends with the files of a run never interrupted.
func TestKillAndResume(t *testing.T) {
	// The -short runs (-race, -tags purego, arm64 under emulation) would
	// repeat this test at several times its cost: the trainer it kills is
	// built the same way in each.
	if testing.Short() {
		t.Skip("the kill test runs without -short")
	}
	bin := buildBinary(t)
	t.Run("toy", func(t *testing.T) { killToy(t, bin) })
	t.Run("molecules", func(t *testing.T) { killMolecules(t, bin) })
}

func killToy(t *testing.T, bin string) {
	args := []string{"-k", "3", "-batch", "32", "-hidden", "16", "-eval-every", "2", "-steps", "120",
		"-eval-samples", "64", "-track-eval", "16", "-sample-steps", "5", "-quiet"}
	killAndResume(t, bin, args, func(b []byte) (int, error) {
		ck, err := fisherflow.ReadCheckpoint(b)
		if err != nil {
			return 0, err
		}
		return stepOf(ck), nil
	})
}

// killMolecules is the kill test of the molecules task, on 60 molecules
// of QM7.
func killMolecules(t *testing.T, bin string) {
	mols, err := mol.QM7()
	if err != nil {
		t.Fatal(err)
	}
	var sdf bytes.Buffer
	if err := mol.WriteSDF(&sdf, mols[:60]); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "small.sdf")
	if err := os.WriteFile(data, sdf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-task", "molecules", "-data", data, "-batch", "4", "-hidden", "8", "-layers", "1", "-time-dim", "4",
		"-eval-every", "2", "-val-batches", "1", "-steps", "120", "-eval-samples", "4", "-sample-steps", "3", "-quiet"}
	killAndResume(t, bin, args, func(b []byte) (int, error) {
		ck, err := moltrain.ReadCheckpoint(b)
		if err != nil {
			return 0, err
		}
		return ck.Step(), nil
	})
}

// killAndResume runs args (a fresh run, checkpointing every step or two)
// once straight, then again into another folder, killed with SIGKILL in
// every session but the last and resumed with -resume (started afresh
// while the folder has no config.json). A session waits for 0 or 1 of
// the log's step lines (each printed after a checkpoint), then either
// sleeps a random part of the time between two such lines and is killed
// (in training, validation or a write), or is stopped the moment a
// temporary file of an atomic write is seen and killed while the file is
// still there (in the middle of a write: of any file, or of the
// checkpoint). After
// each kill every file of the folder must read (none partly written under
// its final name), and the next session must resume from the folder's
// checkpoint. The final files must equal the straight run's but for the
// timings. ckStep reads a checkpoint's step.
func killAndResume(t *testing.T, bin string, args []string, ckStep func([]byte) (int, error)) {
	start := time.Now()
	tmp := t.TempDir()
	ref, dir := filepath.Join(tmp, "straight"), filepath.Join(tmp, "killed")
	s := startSession(t, bin, append(slices.Clone(args), "-out", ref)...)
	var stamps []time.Time
	for range s.lines {
		stamps = append(stamps, time.Now())
	}
	s.wait(t, false)
	var gaps []time.Duration
	for i := 2; i < len(stamps); i++ {
		gaps = append(gaps, stamps[i].Sub(stamps[i-1]))
	}
	slices.Sort(gaps)
	gap := 50 * time.Millisecond
	if len(gaps) > 0 {
		gap = gaps[len(gaps)/2]
	}
	refFiles := readFolder(t, ref)

	const minKills, maxKills = 20, 100
	rng := rand.New(rand.NewPCG(20251205, 33))
	kills, fresh := 0, 0
	midWrite := map[string]int{} // kills with the temporary file of this name's write in place
	for session := 0; ; session++ {
		// The folder's checkpoint, which the session must resume from.
		from := -1
		if b, err := os.ReadFile(filepath.Join(dir, checkpointName)); err == nil {
			if from, err = ckStep(b); err != nil {
				t.Fatalf("session %d: %v", session, err)
			}
		}
		cmdArgs := append(slices.Clone(args), "-out", dir)
		resumed := fileExists(filepath.Join(dir, "config.json"))
		if resumed {
			cmdArgs = []string{"-resume", dir, "-quiet"}
		}
		s := startSession(t, bin, cmdArgs...)
		killed, temp := false, ""
		if kills < maxKills {
			wait, mode := rng.IntN(3), rng.IntN(3)
			sleep := time.Duration(rng.Float64() * float64(gap))
			if session == 0 {
				wait, mode = 0, -1 // in the first metrics.csv write: a folder with no checkpoint
			}
			if s.waitSteps(wait) {
				switch mode {
				case -1:
					killed, temp = s.killMidWrite(dir, "metrics.csv")
				case 0:
					killed, temp = s.killMidWrite(dir, "")
				case 1:
					killed, temp = s.killMidWrite(dir, checkpointName)
				default:
					time.Sleep(sleep)
					killed = s.kill()
				}
			}
		}
		for range s.lines {
		}
		s.wait(t, killed)
		// The start line says the step the session resumed from, after
		// a note when there was no checkpoint.
		if log := strings.Join(s.seen, "\n"); strings.Contains(log, "fisherflow-train: ") {
			ok := strings.Contains(log, fmt.Sprintf("(resuming at step %d)", from))
			if from <= 0 {
				ok = !strings.Contains(log, "(resuming at step") && (from < 0 && resumed) == strings.Contains(log, "holds no checkpoint yet")
			}
			if from < 0 && resumed {
				fresh++
			}
			if !ok {
				t.Fatalf("session %d after the checkpoint of step %d (-resume: %v) logged:\n%s", session, from, resumed, log)
			}
		}
		if !killed {
			break
		}
		kills++
		if temp != "" {
			midWrite[temp]++
		}
		checkFolder(t, dir, refFiles, ckStep)
	}
	if kills < minKills {
		t.Errorf("%d kills, want at least %d (the run went on for too long between kills)", kills, minKills)
	}
	t.Logf("%d kills; in the middle of an atomic write: %v; %d resumes before the first checkpoint; %.1fs (the straight run %.1fs, %v between checkpoints)",
		kills, midWrite, fresh, time.Since(start).Seconds(), stamps[len(stamps)-1].Sub(stamps[0]).Seconds(), gap.Round(time.Millisecond))
	if midWrite[checkpointName] == 0 {
		t.Errorf("no kill landed in the middle of a checkpoint write")
	}

	got := readFolder(t, dir)
	var names, refNames []string
	for name := range got {
		names = append(names, name)
	}
	for name := range refFiles {
		refNames = append(refNames, name)
	}
	slices.Sort(names)
	slices.Sort(refNames)
	if !slices.Equal(names, refNames) {
		t.Fatalf("the folder holds %v, the straight run's %v", names, refNames)
	}
	for _, name := range names {
		a, b := got[name], refFiles[name]
		switch {
		case name == "metrics.csv":
			a, b = dropColumn(a), dropColumn(b)
		case name == "result.json":
			a, b = dropTimings(t, a), dropTimings(t, b)
		case strings.HasSuffix(name, ".png"):
			continue // drawn from the same rows, checked to decode
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from the straight run's:\n%s\nstraight:\n%s", name, clip(a), clip(b))
		}
	}
}

// session is a running trainer and the lines of its log.
type session struct {
	cmd    *exec.Cmd
	lines  chan string // closed at the end of its output
	seen   []string    // the lines read so far
	stderr bytes.Buffer
}

func startSession(t *testing.T, bin string, args ...string) *session {
	t.Helper()
	s := &session{cmd: exec.Command(bin, args...), lines: make(chan string, 1<<16)}
	s.cmd.Stderr = &s.stderr
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		io.Copy(io.Discard, out)
		close(s.lines)
	}()
	return s
}

// waitSteps waits for n step lines of the log (each printed after a
// checkpoint); false when the log ended first.
func (s *session) waitSteps(n int) bool {
	for n > 0 {
		line, ok := <-s.lines
		if !ok {
			return false
		}
		s.seen = append(s.seen, line)
		if strings.HasPrefix(line, "step ") {
			n--
		}
	}
	return true
}

// drain reads the lines waiting, without blocking; false when the log
// has ended.
func (s *session) drain() bool {
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				return false
			}
			s.seen = append(s.seen, line)
		default:
			return true
		}
	}
}

// kill sends SIGKILL; false when the process had already ended.
func (s *session) kill() bool {
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return false
	}
	return true
}

// killMidWrite polls dir until a temporary file of an atomic write (of
// want, or of any name for "") appears, stops the process, and kills it
// if the file is still there (else lets it go on and polls again). It
// returns whether it killed, and the name the write was for.
func (s *session) killMidWrite(dir, want string) (bool, string) {
	for s.drain() {
		if temp(dir, want) == "" {
			time.Sleep(100 * time.Microsecond)
			continue
		}
		if s.cmd.Process.Signal(syscall.SIGSTOP) != nil {
			return false, ""
		}
		s.waitStopped()
		if name := temp(dir, want); name != "" {
			return s.kill(), name
		}
		s.cmd.Process.Signal(syscall.SIGCONT)
	}
	return false, ""
}

// waitStopped waits until the process has stopped (state T in Linux's
// /proc; elsewhere it returns at once), so that what the folder holds
// then is what the kill finds.
func (s *session) waitStopped() {
	stat := fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid)
	for range 10000 {
		b, err := os.ReadFile(stat)
		i := bytes.LastIndexByte(b, ')')
		if err != nil || i < 0 || i+2 >= len(b) || b[i+2] == 'T' || b[i+2] == 't' {
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// temp is the final name of an atomic write (of want, or of any name for
// "") in progress in dir, or "".
func temp(dir, want string) string {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if atomicfile.IsTemp(e.Name()) {
			name := strings.TrimSuffix(e.Name(), ".tmp")
			name = name[1:strings.LastIndexByte(name, '.')]
			if want == "" || name == want {
				return name
			}
		}
	}
	return ""
}

// wait waits for the process: killed, or exited with success.
func (s *session) wait(t *testing.T, killed bool) {
	t.Helper()
	err := s.cmd.Wait()
	if killed {
		if st, ok := s.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && st.Signaled() && st.Signal() == syscall.SIGKILL {
			return
		}
	}
	if err != nil {
		t.Fatalf("%v: %v\n%s\n%s", s.cmd.Args, err, strings.Join(s.seen, "\n"), s.stderr.String())
	}
}

// checkFolder checks, after a kill, that every file of the run folder
// dir reads whole, that metrics.csv holds the rows up to the checkpoint,
// and that the files written once at the end equal the straight run's.
func checkFolder(t *testing.T, dir string, ref map[string][]byte, ckStep func([]byte) (int, error)) {
	t.Helper()
	step, lastRow := -1, -1
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if atomicfile.IsTemp(name) {
			continue
		}
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		switch ext := filepath.Ext(name); {
		case name == checkpointName:
			step, err = ckStep(b)
		case name == "metrics.csv":
			var rows []metricRow
			if rows, err = readMetrics(path, math.MaxInt); err == nil && (!bytes.HasPrefix(b, []byte(metricsHeader+"\n")) || !bytes.HasSuffix(b, []byte("\n"))) {
				err = fmt.Errorf("not whole lines under the header")
			}
			if len(rows) > 0 {
				lastRow = rows[len(rows)-1].step
			}
		case ext == ".json":
			var v any
			err = json.Unmarshal(b, &v)
		case ext == ".png":
			_, err = png.Decode(bytes.NewReader(b))
		case ext == ".csv":
			_, err = csv.NewReader(bytes.NewReader(b)).ReadAll()
			if err == nil && !bytes.HasSuffix(b, []byte("\n")) {
				err = fmt.Errorf("no final newline")
			}
		case ext == ".sdf":
			_, err = mol.ReadAll(bytes.NewReader(b), name)
		default:
			err = fmt.Errorf("a file the run does not write")
		}
		if err != nil {
			t.Fatalf("after a kill, %s does not read: %v", name, err)
		}
		if r, ok := ref[name]; ok && (name == "target.csv" || strings.HasPrefix(name, "samples.") || name == "splits.json") && !bytes.Equal(b, r) {
			t.Fatalf("after a kill, %s differs from the straight run's", name)
		}
	}
	if lastRow < step {
		t.Fatalf("after a kill, metrics.csv ends at step %d, the checkpoint holds step %d", lastRow, step)
	}
}

// readFolder reads every file of dir; it must hold no temporary file.
func readFolder(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if atomicfile.IsTemp(e.Name()) {
			t.Errorf("%s holds the temporary file %s at the end", dir, e.Name())
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// dropColumn removes the last column (seconds) of a CSV.
func dropColumn(b []byte) []byte {
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if i := strings.LastIndexByte(line, ','); i >= 0 {
			line = line[:i] + "\n"
		}
		out.WriteString(line)
	}
	return out.Bytes()
}

// dropTimings removes the timings from result.json.
func dropTimings(t *testing.T, b []byte) []byte {
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("result.json: %v", err)
	}
	delete(v, "train_seconds")
	delete(v, "sample_seconds")
	out, _ := json.MarshalIndent(v, "", "  ")
	return out
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "..."
	}
	return string(b)
}
