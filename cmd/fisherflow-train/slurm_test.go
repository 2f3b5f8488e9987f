package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startSlurm starts a single-node Slurm cluster on 127.0.0.1 for the
// test (.ci/slurm-up.sh in a temporary folder), points the clients at it
// (SLURM_CONF) and stops it when the test ends. It skips, saying why,
// under -short, without Slurm's packages or without root.
func startSlurm(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a Slurm cluster (not under -short)")
	}
	for _, p := range []string{"/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("Slurm is not installed (%s missing): apt-get install -y slurmctld slurmd slurm-client munge (.ci/run does)", p)
		}
	}
	if _, err := exec.LookPath("sbatch"); err != nil {
		t.Skip("sbatch is not installed: apt-get install -y slurm-client")
	}
	if os.Getuid() != 0 {
		t.Skip("the test cluster runs its daemons as root")
	}
	up, err := filepath.Abs("../../.ci/slurm-up.sh")
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "fisherflow-slurm-")
	if err != nil {
		t.Fatal(err)
	}
	port := freePortPair(t)
	cmd := exec.Command(up, dir, "2")
	cmd.Env = append(os.Environ(), fmt.Sprintf("SLURM_TEST_PORT=%d", port))
	out, err := cmd.CombinedOutput()
	t.Cleanup(func() {
		exec.Command(filepath.Join(filepath.Dir(up), "slurm-down.sh"), dir).Run()
		os.RemoveAll(dir)
	})
	if err != nil {
		t.Fatalf("starting Slurm: %v\n%s", err, out)
	}
	t.Setenv("SLURM_CONF", filepath.Join(dir, "slurm.conf"))
}

// freePortPair returns a port p such that p and p+1 were free.
func freePortPair(t *testing.T) int {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+1))
		l.Close()
		if err == nil {
			l2.Close()
			return p
		}
	}
	t.Fatal("no two consecutive free ports")
	return 0
}

var jobID = regexp.MustCompile(`submitted job array (\d+)`)

// submit runs the sweep through sbatch and returns the job id.
func submit(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out := runBin(t, bin, append([]string{"sweep", "-runner", "slurm", "-cpus-per-task", "1", "-mem", "200M", "-time", "10"}, args...)...)
	m := jobID.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no job id in:\n%s", out)
	}
	return m[1]
}

// waitJob waits until job (an id, or id_task) has left the queue.
func waitJob(t *testing.T, job string, limit time.Duration) {
	t.Helper()
	end := time.Now().Add(limit)
	for time.Now().Before(end) {
		out, err := exec.Command("squeue", "-h", "-j", job, "-o", "%i %T").CombinedOutput()
		if err == nil && strings.TrimSpace(string(out)) == "" {
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
	out, _ := exec.Command("squeue", "-h", "-j", job, "-o", "%i %T %R").CombinedOutput()
	t.Fatalf("job %s still queued after %s:\n%s", job, limit, out)
}

// A sweep through sbatch finishes every point, and its collection is the
// same as a local run's of the same grid.
func TestSlurmSweep(t *testing.T) {
	startSlurm(t)
	bin := buildBinary(t)
	tmp := t.TempDir()
	grid := []string{"-grid", "k=3,4 method=fisherflow,linear"}
	t0 := time.Now()
	id := submit(t, bin, append(append(grid, "-out", filepath.Join(tmp, "slurm")), tinySweep...)...)
	waitJob(t, id, 90*time.Second)
	t.Logf("4-point sweep through Slurm: %s from sbatch to the last task's end", time.Since(t0).Round(10*time.Millisecond))
	runBin(t, bin, "sweep", "-collect", filepath.Join(tmp, "slurm"))
	runBin(t, bin, append(append([]string{"sweep", "-jobs", "2", "-out", filepath.Join(tmp, "local")}, grid...), tinySweep...)...)
	a, _ := os.ReadFile(filepath.Join(tmp, "slurm", "sweep.csv"))
	b, _ := os.ReadFile(filepath.Join(tmp, "local", "sweep.csv"))
	if strip(string(a)) != strip(string(b)) || strings.Count(string(a), "\n") != 5 {
		t.Errorf("Slurm's collection:\n%s\nthe local run's:\n%s", a, b)
	}
	// Submitted again, the finished sweep submits nothing.
	out := runBin(t, bin, append(append([]string{"sweep", "-runner", "slurm", "-out", filepath.Join(tmp, "slurm")}, grid...), tinySweep...)...)
	if !strings.Contains(out, "all 4 points") {
		t.Errorf("second submission:\n%s", out)
	}
}

// A task stopped by SIGTERM saves its checkpoint and, requeued, resumes
// and ends with the metrics of an uninterrupted run.
func TestSlurmRequeueResumes(t *testing.T) {
	startSlurm(t)
	bin := buildBinary(t)
	tmp := t.TempDir()
	flags := []string{"-grid", "seed=3", "-k", "3", "-batch", "32", "-hidden", "16", "-eval-every", "100", "-eval-samples", "64",
		"-track-eval", "0", "-sample-steps", "5", "-steps", "4000", "-threads", "1"}
	sw := filepath.Join(tmp, "slurm")
	id := submit(t, bin, append(flags, "-out", sw)...)
	task := id + "_0"
	pdir := filepath.Join(sw, "seed=3")
	for end := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(pdir, checkpointName)); err == nil {
			break
		}
		if time.Now().After(end) {
			t.Fatal("no checkpoint after 60 s")
		}
	}
	// -b: the batch shell, which the script replaced with the point's process.
	if out, err := exec.Command("scancel", "--signal=TERM", "-b", task).CombinedOutput(); err != nil {
		t.Fatalf("scancel: %v %s", err, out)
	}
	t1 := time.Now()
	waitJob(t, task, 30*time.Second)
	t.Logf("SIGTERM to the end of the task: %s", time.Since(t1).Round(10*time.Millisecond))
	st, why := pointStatus(pdir)
	if st != interrupted {
		t.Fatalf("after SIGTERM the point is %s (%s), want interrupted", st, why)
	}
	t.Logf("after SIGTERM: %s", why)
	if out, err := exec.Command("scontrol", "requeue", task).CombinedOutput(); err != nil {
		t.Fatalf("scontrol requeue: %v %s", err, out)
	}
	t1 = time.Now()
	time.Sleep(time.Second)
	waitJob(t, task, 90*time.Second)
	t.Logf("requeued task: %s from scontrol requeue to its end", time.Since(t1).Round(10*time.Millisecond))
	if st, why := pointStatus(pdir); st != finished {
		log, _ := os.ReadFile(filepath.Join(sw, "slurm", id+"_0.out"))
		t.Fatalf("after the requeue the point is %s (%s):\n%s", st, why, log)
	}
	local := filepath.Join(tmp, "local")
	runBin(t, bin, append([]string{"sweep", "-out", local}, flags...)...)
	la, lb := lossColumns(t, filepath.Join(local, "seed=3")), lossColumns(t, pdir)
	if len(la) != 4000 || strings.Join(la, "\n") != strings.Join(lb, "\n") {
		t.Errorf("metrics.csv: %d rows uninterrupted, %d requeued, or they differ", len(la), len(lb))
	}
	runBin(t, bin, "sweep", "-collect", sw)
	b, _ := os.ReadFile(filepath.Join(local, "sweep.csv"))
	a, _ := os.ReadFile(filepath.Join(sw, "sweep.csv"))
	if strip(string(a)) != strip(string(b)) {
		t.Errorf("requeued:\n%s\nuninterrupted:\n%s", a, b)
	}
}

// A job array of sample -shard slurm, merged, gives the samples of one
// process.
func TestSlurmShardedSampling(t *testing.T) {
	startSlurm(t)
	bin := buildBinary(t)
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "run")
	runBin(t, bin, append(tiny, "-steps", "10", "-eval-samples", "0", "-out", dir)...)
	n := fmt.Sprint(3*sampleBlock + 5)
	whole := filepath.Join(tmp, "whole.csv")
	runBin(t, bin, "sample", "-checkpoint", dir, "-n", n, "-steps", "3", "-out", whole)
	out := filepath.Join(tmp, "gen.csv")
	wrap := fmt.Sprintf("exec %s sample -checkpoint %s -n %s -steps 3 -shard slurm -out %s", bin, dir, n, out)
	sb, err := exec.Command("sbatch", "--parsable", "--array=0-2", "--cpus-per-task=1", "--mem=200M", "--time=5",
		"--output="+filepath.Join(tmp, "%A_%a.out"), "--wrap", wrap).CombinedOutput()
	if err != nil {
		t.Fatalf("sbatch: %v %s", err, sb)
	}
	id, _, _ := strings.Cut(strings.TrimSpace(string(sb)), ";")
	waitJob(t, id, 60*time.Second)
	runBin(t, bin, "sample", "-merge", out)
	a, _ := os.ReadFile(whole)
	b, _ := os.ReadFile(out)
	if len(a) == 0 || string(a) != string(b) {
		logs, _ := filepath.Glob(filepath.Join(tmp, "*.out"))
		var s strings.Builder
		for _, l := range logs {
			c, _ := os.ReadFile(l)
			s.Write(c)
		}
		t.Errorf("3 Slurm shards merged (%d bytes) differ from one process (%d bytes):\n%s", len(b), len(a), s.String())
	}
}
