package moltrain

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/mol"
	"github.com/fisherflow/fisherflow/fisherflow/molflow"
)

// testData returns the first n QM7 molecules (small ones keep tests fast)
// encoded, their vocabulary and sizes.
func testData(t *testing.T, n int) (mol.Vocab, mol.SizeDist, []*mol.Graph) {
	t.Helper()
	all, err := mol.QM7()
	if err != nil {
		t.Fatal(err)
	}
	var mols []*mol.Molecule
	for _, m := range all {
		if len(m.Atoms) <= 10 {
			mols = append(mols, m)
		}
		if len(mols) == n {
			break
		}
	}
	v := mol.NewVocab(mols)
	gs := make([]*mol.Graph, len(mols))
	for i, m := range mols {
		if gs[i], err = v.Encode(m); err != nil {
			t.Fatal(err)
		}
	}
	return v, mol.NewSizeDist(mols), gs
}

func smallConfig() Config {
	c := DefaultConfig()
	c.Net = NetConfig{Hidden: 8, Layers: 2, TimeDim: 4}
	c.Batch, c.Steps, c.ValBatches = 4, 6, 1
	return c
}

// rotation returns a random proper rotation (a random unit quaternion).
func rotation(r *rand.Rand) molflow.Rotation {
	q := [4]float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
	n := math.Sqrt(q[0]*q[0] + q[1]*q[1] + q[2]*q[2] + q[3]*q[3])
	w, x, y, z := q[0]/n, q[1]/n, q[2]/n, q[3]/n
	return molflow.Rotation{
		{1 - 2*(y*y+z*z), 2 * (x*y - w*z), 2 * (x*z + w*y)},
		{2 * (x*y + w*z), 1 - 2*(x*x+z*z), 2 * (y*z - w*x)},
		{2 * (x*z - w*y), 2 * (y*z + w*x), 1 - 2*(x*x+y*y)},
	}
}

func TestNetEquivariance(t *testing.T) {
	v, sizes, gs := testData(t, 8)
	for _, method := range []fisherflow.Method{fisherflow.FisherFlow, fisherflow.Linear} {
		cfg := smallConfig()
		cfg.Flow.Method = method
		tr, err := NewTrainer[float64](cfg, v, sizes, gs, nil)
		if err != nil {
			t.Fatal(err)
		}
		in, err := tr.Flow.Draw(rand.New(rand.NewPCG(5, 6)), gs[:4])
		if err != nil {
			t.Fatal(err)
		}
		pos, cat, err := molflow.EquivarianceError(tr.Net, in, rotation(rand.New(rand.NewPCG(7, 8))), [3]float64{2, -3, 0.5})
		if err != nil {
			t.Fatal(err)
		}
		if pos > 1e-6 || cat > 1e-6 {
			t.Errorf("%s: equivariance errors %g (positions) and %g (categorical), want ~0", method, pos, cat)
		}
	}
}

// TestLossGradient checks the gradient of the full loss (flow, adapter,
// EGNN) with respect to a few parameters against central differences in
// float64, for both parameterisations.
func TestLossGradient(t *testing.T) {
	for _, p := range []molflow.Param{"", molflow.ParamEndpoint} {
		t.Run(string(p), func(t *testing.T) { testLossGradient(t, p) })
	}
}

func testLossGradient(t *testing.T, p molflow.Param) {
	v, sizes, gs := testData(t, 8)
	cfg := smallConfig()
	cfg.Flow.Param = p
	tr, err := NewTrainer[float64](cfg, v, sizes, gs, nil)
	if err != nil {
		t.Fatal(err)
	}
	loss := func(grad bool) float64 {
		l, err := tr.losses(rand.New(rand.NewPCG(9, 10)), gs[:4], grad)
		if err != nil {
			t.Fatal(err)
		}
		return l.Total
	}
	tr.Params.ZeroGrad()
	loss(true)
	checked, nonzero := 0, 0
	for pi, p := range tr.Params {
		if pi%3 != 0 {
			continue
		}
		for _, k := range []int{0, len(p.W) / 2, len(p.W) - 1} {
			w := p.W[k]
			const h = 1e-5
			p.W[k] = w + h
			up := loss(false)
			p.W[k] = w - h
			down := loss(false)
			p.W[k] = w
			num := (up - down) / (2 * h)
			if d := math.Abs(num - p.G[k]); d > 1e-6*max(1, math.Abs(num)) {
				t.Errorf("%s[%d]: gradient %.10g, finite difference %.10g", p.Name, k, p.G[k], num)
			}
			checked++
			if math.Abs(num) > 1e-9 {
				nonzero++
			}
		}
	}
	if checked < 10 || nonzero < checked/2 {
		t.Fatalf("checked %d parameters, %d with a gradient above 1e-9", checked, nonzero)
	}
}

// run trains steps steps (validating every 2) and returns the trainer.
func run(t *testing.T, tr *Trainer[float32], steps int) {
	t.Helper()
	for tr.Step < steps {
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
		if tr.Step%2 == 0 {
			if _, err := tr.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func weights(tr *Trainer[float32]) []byte {
	b, err := tr.Checkpoint(nil)
	if err != nil {
		panic(err)
	}
	return b
}

// TestResumeExact checks that N steps equal N/2 steps, a checkpoint, a
// restore into a fresh trainer and N/2 more steps, bit for bit (with EMA
// and the plateau schedule, whose state the checkpoint carries), for
// both parameterisations (endpoint with a categorical schedule).
func TestResumeExact(t *testing.T) {
	for _, p := range []molflow.Param{"", molflow.ParamEndpoint} {
		t.Run(string(p), func(t *testing.T) { testResumeExact(t, p) })
	}
}

func testResumeExact(t *testing.T, p molflow.Param) {
	v, sizes, gs := testData(t, 16)
	cfg := smallConfig()
	cfg.EMA, cfg.Schedule, cfg.Flow.Align = 0.9, "plateau", true
	cfg.Flow.Param = p
	if p == molflow.ParamEndpoint {
		cfg.Flow.CatCosine = 2
	}
	a, err := NewTrainer[float32](cfg, v, sizes, gs[:12], gs[12:])
	if err != nil {
		t.Fatal(err)
	}
	run(t, a, cfg.Steps)
	b, err := NewTrainer[float32](cfg, v, sizes, gs[:12], gs[12:])
	if err != nil {
		t.Fatal(err)
	}
	run(t, b, cfg.Steps/2)
	ck, err := ReadCheckpoint(weights(b))
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewTrainer[float32](cfg, v, sizes, gs[:12], gs[12:])
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Restore(ck); err != nil {
		t.Fatal(err)
	}
	run(t, c, cfg.Steps)
	if !bytes.Equal(weights(a), weights(c)) {
		t.Fatal("resumed run differs from the uninterrupted one")
	}
	// Sampling from the restored checkpoint works and gives molecules.
	s, err := NewSampler[float32](ck, true)
	if err != nil {
		t.Fatal(err)
	}
	mols, err := s.Sample(3, 4, 1, "t")
	if err != nil || len(mols) != 3 {
		t.Fatalf("sample: %d molecules, %v", len(mols), err)
	}
}

func TestNonFinite(t *testing.T) {
	v, sizes, gs := testData(t, 8)
	tr, err := NewTrainer[float32](smallConfig(), v, sizes, gs, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr.Params[0].W[0] = float32(math.NaN())
	if _, err := tr.TrainStep(); !errors.Is(err, ErrNonFinite) {
		t.Fatalf("NaN weight: got %v, want ErrNonFinite", err)
	}
}

func TestBadInput(t *testing.T) {
	v, sizes, gs := testData(t, 8)
	if _, err := NewTrainer[float32](smallConfig(), v, sizes, nil, nil); err == nil {
		t.Error("no training data: no error")
	}
	bad := smallConfig()
	bad.Net.TimeDim = 3
	if _, err := NewTrainer[float32](bad, v, sizes, gs, nil); err == nil {
		t.Error("odd time embedding: no error")
	}
	if _, err := ReadCheckpoint([]byte("not a checkpoint")); err == nil {
		t.Error("garbage checkpoint: no error")
	}
}
