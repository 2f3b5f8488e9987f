package fisherflow

import (
	"errors"
	"testing"

	"github.com/fisherflow/fisherflow/internal/safetensors"
	"github.com/fisherflow/fisherflow/internal/testutil"
)

// tinyCheckpoint is the checkpoint of a small trainer (of TestCheckpointErrors'
// shape when cfg is small(Config{})) after a few steps.
func tinyCheckpoint(t testing.TB, cfg Config, k int) (*Trainer[float32], []byte) {
	tr, _ := toyTrainer(t, cfg, k)
	for i := 0; i < 3; i++ {
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
	}
	tr.Validate()
	b, err := tr.Checkpoint(map[string]string{"note": "x"})
	if err != nil {
		t.Fatal(err)
	}
	return tr, b
}

// tiny is a network small enough that the fuzzer mutates its checkpoint
// quickly.
func tiny() Config {
	return Config{Batch: 8, Hidden: 4, TimeDim: 4, EvalEvery: 5, ValBatches: 1, EMA: 0.9}
}

// FuzzReadCheckpoint decodes arbitrary bytes as a checkpoint, restores it
// into a trainer and builds a sampler from it: no panic, allocation in
// proportion to the input, and errors, not a network built from a
// config that the file's tensors cannot fill. Its seeds are of the
// smallest networks, with and without EMA weights: the fuzzer's time goes
// to the header rather than to the bytes of larger weights.
func FuzzReadCheckpoint(f *testing.F) {
	noEMA := tiny()
	noEMA.EMA = 0
	_, plain := tinyCheckpoint(f, noEMA, 2)
	into, b := tinyCheckpoint(f, tiny(), 3)
	for _, ck := range [][]byte{plain, b} {
		f.Add(ck)
		for _, n := range truncations(len(ck)) {
			f.Add(ck[:n])
		}
	}
	f.Add(foreignFile())
	f.Fuzz(func(t *testing.T, data []byte) {
		var ck *CheckpointFile
		var err error
		alloc := testutil.Allocated(func() { ck, err = ReadCheckpoint(data) })
		// The safetensors decoder's share, then the config and state JSON.
		if limit := uint64(1<<20 + 64*len(data)); alloc > limit {
			t.Fatalf("decoding %d bytes allocated %d", len(data), alloc)
		}
		if err != nil {
			if _, _, serr := safetensors.Unmarshal(data); serr != nil && !errors.Is(err, safetensors.ErrFormat) {
				t.Fatalf("a malformed file's error %v does not wrap safetensors.ErrFormat", err)
			}
			return
		}
		into.Restore(ck) // the tensors against the trainer's shapes
		if err := ck.checkWeights(); err != nil || !buildable(ck) {
			return
		}
		alloc = testutil.Allocated(func() { _, err = NewSampler[float32](ck, true) })
		// The network's weights and optimizer state in proportion to the
		// weights the file holds, plus buffers for a bounded batch.
		if limit := uint64(64<<20 + 64*len(data)); alloc > limit {
			t.Fatalf("a sampler from %d bytes allocated %d", len(data), alloc)
		}
	})
}

// buildable bounds what the weights cannot: the batch the sampler's
// buffers are planned for and the run's estimated size.
func buildable(ck *CheckpointFile) bool {
	if ck.Config.Batch > 1024 || ck.Config.ValBatches > 16 {
		return false
	}
	n, err := EstimateBytes(ck.Config, ck.Positions, ck.K, "f32")
	return err == nil && n > 0 && n < 32<<20
}

// A checkpoint's tensors must have the network's shapes, not only its
// sizes, and a config larger than its tensors builds no network.
func TestCheckpointShapes(t *testing.T) {
	into, b := tinyCheckpoint(t, tiny(), 3)
	ts, meta, err := safetensors.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func([]safetensors.Tensor, map[string]string)) *CheckpointFile {
		ts2 := append([]safetensors.Tensor(nil), ts...)
		meta2 := map[string]string{}
		for k, v := range meta {
			meta2[k] = v
		}
		f(ts2, meta2)
		b, err := safetensors.Marshal(ts2, meta2)
		if err != nil {
			t.Fatal(err)
		}
		ck, err := ReadCheckpoint(b)
		if err != nil {
			t.Fatal(err)
		}
		return ck
	}
	ck := edit(func(ts []safetensors.Tensor, _ map[string]string) {
		for i, x := range ts {
			if len(x.Shape) == 2 && x.Shape[0] != x.Shape[1] {
				ts[i].Shape = []int{x.Shape[1], x.Shape[0]}
				return
			}
		}
		t.Fatal("no rectangular weight")
	})
	if err := into.Restore(ck); err == nil {
		t.Error("a transposed weight was restored")
	}
	ck = edit(func(_ []safetensors.Tensor, m map[string]string) {
		m["config"] = `{"hidden": 1073741824, "batch": 8, "time_dim": 4, "eval_every": 5, "val_batches": 1}`
	})
	if _, err := NewSampler[float32](ck, true); err == nil {
		t.Error("a sampler was built for a network larger than the file")
	}
}
