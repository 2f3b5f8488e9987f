package main

import (
	"context"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/moltrain"
	"github.com/fisherflow/fisherflow/internal/safetensors"
)

// handoffPy is the hand-off helper, run by Debian's python3 (the one
// with python3-torch).
const handoffPy = "../../bench/peers/handoff.py"

// needTorch skips the test unless /usr/bin/python3 imports torch and
// numpy.
func needTorch(t *testing.T) {
	t.Helper()
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skipf("PyTorch hand-off not tested under GOARCH=%s", runtime.GOARCH)
	}
	if out, err := exec.Command("/usr/bin/python3", "-c", "import torch, numpy").CombinedOutput(); err != nil {
		t.Skipf("PyTorch hand-off not tested: /usr/bin/python3 cannot import torch and numpy (apt-get install python3-torch): %v %s", err, strings.TrimSpace(string(out)))
	}
}

func runPy(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("/usr/bin/python3", append([]string{handoffPy}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("handoff.py %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func runIn(t *testing.T, args ...string) {
	t.Helper()
	var out strings.Builder
	if err := run(context.Background(), args, &out, &out); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out.String())
	}
}

// probe is a network's inputs and outputs ("out/..."), as handoff.py
// check and perturb read them.
type probe map[string]safetensors.Tensor

func (p probe) add(name string, v []float32, shape ...int) {
	p[name] = safetensors.Tensor{Name: name, Shape: shape, F32: append([]float32(nil), v...)}
}

func (p probe) write(t *testing.T, path string) {
	t.Helper()
	var ts []safetensors.Tensor
	for _, v := range p {
		ts = append(ts, v)
	}
	b, err := safetensors.Marshal(ts, nil)
	if err == nil {
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func readProbe(t *testing.T, path string) probe {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ts, _, err := safetensors.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	p := probe{}
	for _, v := range ts {
		p[v.Name] = v
	}
	return p
}

// relErr is max |got - want| / max |want|.
func relErr(got []float32, want []float32) float64 {
	var d, m float64
	for i, w := range want {
		d = math.Max(d, math.Abs(float64(got[i])-float64(w)))
		m = math.Max(m, math.Abs(float64(w)))
	}
	return d / m
}

func maxAbs(v []float32) float64 {
	var m float64
	for _, x := range v {
		m = math.Max(m, math.Abs(float64(x)))
	}
	return m
}

func f32s(n int, f func() float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(f())
	}
	return v
}

// seqForward sets the outputs of the sequence model of the run folder
// dir, with the weights of the state_dict file weights, on p's inputs
// (drawn if p has none) into p.
func seqForward(t *testing.T, dir, weights string, p probe) {
	t.Helper()
	ck := readCheckpointFile(t, dir)
	tr, err := fisherflow.NewSampler[float32](ck, false)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(weights)
	if err := tr.LoadStateDict(b); err != nil {
		t.Fatal(err)
	}
	const batch = 5
	L, K, S, C := tr.Positions, tr.K, tr.Cfg.Signal, tr.Cfg.Classes
	if _, ok := p["t"]; !ok {
		r := rand.New(rand.NewPCG(3, 4))
		x := f32s(batch*L*K, r.Float64)
		for i := 0; i < len(x); i += K {
			var s float32
			for _, v := range x[i : i+K] {
				s += v * v
			}
			for j := range x[i : i+K] {
				x[i+j] /= float32(math.Sqrt(float64(s)))
			}
		}
		p.add("t", f32s(batch, r.Float64), batch)
		if tr.Cfg.Net == "bestmlp" || tr.Cfg.Net == "mlp" {
			p.add("x", x, batch, L*K)
		} else {
			p.add("x", x, batch, L, K)
		}
		if S > 0 {
			p.add("signal", f32s(batch*L*S, r.Float64), batch, L, S)
		}
		if C > 0 {
			p.add("class", f32s(batch, func() float64 { return float64(r.IntN(C + 1)) }), batch)
		}
	}
	if c, ok := tr.Net.(interface {
		Condition([]float32, []int, int)
	}); ok {
		var sig []float32
		var class []int
		if v, ok := p["signal"]; ok {
			sig = v.F32
		}
		if v, ok := p["class"]; ok {
			for _, c := range v.F32 {
				class = append(class, int(c))
			}
		}
		c.Condition(sig, class, batch)
	}
	p.add("out/y", tr.Net.Forward(p["x"].F32, p["t"].F32, batch), p["x"].Shape...)
}

func readCheckpointFile(t *testing.T, dir string) *fisherflow.CheckpointFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, checkpointName))
	if err != nil {
		t.Fatal(err)
	}
	ck, err := fisherflow.ReadCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	return ck
}

// molForward is seqForward for a molecule run: the EGNN on two random
// molecules of 3 and 5 atoms.
func molForward(t *testing.T, dir, weights string, p probe) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, checkpointName))
	if err != nil {
		t.Fatal(err)
	}
	ck, err := moltrain.ReadCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := moltrain.NewSampler[float32](ck, false)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(weights)
	if err := tr.LoadStateDict(b); err != nil {
		t.Fatal(err)
	}
	m := tr.Net.Model
	sizes := []int{3, 5}
	n, pairs := 8, 3+10
	if _, ok := p["x"]; !ok {
		r := rand.New(rand.NewPCG(5, 6))
		p.add("sizes", []float32{3, 5}, 2)
		p.add("x", f32s(3*n, r.NormFloat64), n, 3)
		p.add("h", f32s(n*m.Config.NodeIn, r.Float64), n, m.Config.NodeIn)
		p.add("e", f32s(pairs*m.Config.EdgeIn, r.Float64), pairs, m.Config.EdgeIn)
	}
	v, hout, eout := m.Forward(p["x"].F32, p["h"].F32, p["e"].F32, sizes)
	p.add("out/v", v, n, 3)
	p.add("out/hout", hout, n, m.Config.NodeOut)
	p.add("out/eout", eout, pairs, m.Config.EdgeOut)
}

// A short Go run's checkpoint loads into the PyTorch module of its
// network with strict=True and gives Go's outputs on the same inputs
// (float32, max |PyTorch - Go| / max |Go| <= 1e-5); the module's
// state_dict, changed in PyTorch and saved by handoff.py, loads back into
// Go (sample -weights) with the module's outputs, for BestMLP, the
// smiley's MLP, the promoter and enhancer ConvNets and the molecule EGNN.
func TestPyTorchHandoff(t *testing.T) {
	// The -short runs (-race, -tags purego, arm64 under emulation) would
	// repeat its Go runs at several times their cost, and the format does
	// not depend on the build; make test runs it once, without -short.
	if testing.Short() {
		t.Skip("the PyTorch hand-off test runs without -short")
	}
	needTorch(t)
	tmp := t.TempDir()
	data := filepath.Join(tmp, "dna")
	runIn(t, "synth", "-out", data, "-n", "60", "-len", "16")
	dna := []string{"-channels", "8", "-batch", "8", "-steps", "4", "-eval-every", "2", "-eval-samples", "8", "-track-eval", "0", "-sample-steps", "2", "-quiet"}
	for _, c := range []struct {
		name    string
		args    []string
		forward func(*testing.T, string, string, probe)
		sample  []string
	}{
		{"bestmlp", append(append([]string{}, tiny...), "-steps", "12", "-ema", "0.9", "-quiet"), seqForward, []string{"-probs"}},
		{"mlp", []string{"-task", "smiley", "-hidden", "16", "-batch", "16", "-steps", "4", "-eval-every", "2", "-eval-samples", "8", "-track-eval", "0", "-sample-steps", "2", "-quiet"},
			seqForward, []string{"-probs"}},
		{"promoter", append([]string{"-task", "motifs", "-len", "16", "-blocks", "5"}, dna...), seqForward,
			[]string{"-probs", "-signal", filepath.Join(data, "signal.npy")}},
		{"enhancer", append([]string{"-task", "enhancer", "-data", filepath.Join(data, "data.fasta"), "-labels", filepath.Join(data, "labels.csv"),
			"-blocks", "2", "-fbd-steps", "2"}, dna...), seqForward, []string{"-probs", "-class", "TATAAT"}},
		{"egnn", append(append([]string{}, tinyMol...), "-layers", "2", "-steps", "3"), molForward, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(tmp, c.name)
			runIn(t, append(c.args, "-out", dir)...)
			ckpt := filepath.Join(dir, checkpointName)
			// Go to PyTorch.
			p := probe{}
			c.forward(t, dir, ckpt, p)
			pf := filepath.Join(tmp, c.name+".probe.safetensors")
			p.write(t, pf)
			t.Logf("%s", runPy(t, "check", ckpt, pf))
			// PyTorch to Go.
			w, back := filepath.Join(tmp, c.name+".torch.safetensors"), filepath.Join(tmp, c.name+".back.safetensors")
			runPy(t, "perturb", ckpt, pf, w, back)
			want, in, got := readProbe(t, back), readProbe(t, pf), probe{}
			for k, v := range in {
				if !strings.HasPrefix(k, "out/") {
					got[k] = v
				}
			}
			c.forward(t, dir, w, got)
			for k, v := range want {
				e := relErr(got[k].F32, v.F32)
				t.Logf("PyTorch to Go: %s: max |Go - PyTorch| / max |PyTorch| = %.2e", k, e)
				if k == "out/v" {
					// A difference of positions: measured against them,
					// as handoff.py check does.
					e = math.Min(e, relErr(got[k].F32, v.F32)*maxAbs(v.F32)/maxAbs(in["x"].F32))
					t.Logf("PyTorch to Go: %s: max |Go - PyTorch| / max |positions| = %.2e", k, e)
				}
				if !(e <= 1e-5) {
					t.Errorf("%s: relative difference %.2e > 1e-5 after loading PyTorch's state_dict", k, e)
				}
				if relErr(in[k].F32, v.F32) < 1e-4 {
					t.Errorf("%s: the perturbed weights give the outputs of the checkpoint's", k)
				}
			}
			// The sample command takes the weights.
			out := filepath.Join(tmp, c.name+".samples")
			runIn(t, append([]string{"sample", "-checkpoint", dir, "-weights", w, "-n", "3", "-steps", "2", "-out", out}, c.sample...)...)
			runIn(t, append([]string{"sample", "-checkpoint", dir, "-last", "-n", "3", "-steps", "2", "-out", out + ".go"}, c.sample...)...)
			a, _ := os.ReadFile(out)
			b, _ := os.ReadFile(out + ".go")
			if len(a) == 0 || string(a) == string(b) {
				t.Errorf("sample -weights wrote %d bytes, the same as without -weights: %v", len(a), string(a) == string(b))
			}
		})
	}
}

// Checkpoints of the version before the PyTorch names (format 1, run
// folders in testdata/legacy written by fisherflow-train built from main
// at 8d6fc42)
// load: renamed, their convolution weights transposed, they sample what
// that version sampled, and a toy run resumes as that version's straight
// run went.
func TestLegacyCheckpoints(t *testing.T) {
	tmp := t.TempDir()
	for _, c := range []struct {
		dir  string
		args []string
		want string
	}{
		{"toy", nil, "probs.txt"},
		{"toy", []string{"-last"}, "probs-last.txt"},
		{"motifs", []string{"-signal", "testdata/legacy/motifs/signal.npy"}, "probs.txt"},
		{"smiley", nil, "probs.txt"},
	} {
		dir := filepath.Join("testdata/legacy", c.dir)
		out := filepath.Join(tmp, c.dir+c.want)
		runIn(t, append([]string{"sample", "-checkpoint", dir, "-n", "4", "-steps", "3", "-probs", "-out", out}, c.args...)...)
		got, want := readFloats(t, out), readFloats(t, filepath.Join(dir, c.want))
		if len(got) != len(want) || len(got) == 0 {
			t.Fatalf("%s %v: %d probabilities, want %d", c.dir, c.args, len(got), len(want))
		}
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-6 {
				t.Errorf("%s %v: probability %d is %v, the earlier version sampled %v", c.dir, c.args, i, got[i], want[i])
				break
			}
		}
	}
	resumed := filepath.Join(tmp, "toy")
	os.MkdirAll(resumed, 0o755)
	for _, f := range []string{"config.json", "metrics.csv", checkpointName} {
		b, _ := os.ReadFile(filepath.Join("testdata/legacy/toy", f))
		os.WriteFile(filepath.Join(resumed, f), b, 0o644)
	}
	runIn(t, "-resume", resumed, "-steps", "8", "-quiet")
	straight := filepath.Join(tmp, "straight")
	os.MkdirAll(straight, 0o755)
	b, _ := os.ReadFile("testdata/legacy/toy/metrics-straight-8.csv")
	os.WriteFile(filepath.Join(straight, "metrics.csv"), b, 0o644)
	got, want := lossColumns(t, resumed), lossColumns(t, straight)
	if len(got) != 8 || len(want) != 8 {
		t.Fatalf("%d and %d rows", len(got), len(want))
	}
	for i := range want {
		g, w := strings.Split(got[i], ","), strings.Split(want[i], ",")
		gl, _ := strconv.ParseFloat(g[1], 64)
		wl, _ := strconv.ParseFloat(w[1], 64)
		if math.Abs(gl-wl) > 1e-6*math.Abs(wl) {
			t.Errorf("step %s: loss %s resumed from the old checkpoint, %s in the old version's straight run", w[0], g[1], w[1])
		}
	}
	// sample -weights refuses, in one line, a state_dict of another
	// network, and -last with it.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-weights", "testdata/legacy/motifs/" + checkpointName}, "state_dict does not fit the network: missing blocks.0.weight"},
		{[]string{"-weights", "testdata/legacy/motifs/" + checkpointName, "-last"}, "-last does not go with it"},
		{[]string{"-weights", filepath.Join(tmp, "none.safetensors")}, "none.safetensors"},
	} {
		err := run(context.Background(), append([]string{"sample", "-checkpoint", "testdata/legacy/toy", "-n", "2", "-steps", "1"}, c.args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("sample %v: %v, want one line with %q", c.args, err, c.want)
		}
	}
	// The PyTorch helper refuses a format-1 file in one line.
	if _, err := exec.Command("/usr/bin/python3", "-c", "import torch").CombinedOutput(); err == nil {
		out, err := exec.Command("/usr/bin/python3", handoffPy, "info", "testdata/legacy/toy/"+checkpointName).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "fisherflow-checkpoint-1") {
			t.Errorf("handoff.py info of a format-1 checkpoint: %v\n%s", err, out)
		}
	}
}

func readFloats(t *testing.T, path string) []float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v []float64
	for _, f := range strings.FieldsFunc(string(b), func(r rune) bool { return r == ',' || r == '\n' }) {
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		v = append(v, x)
	}
	return v
}
