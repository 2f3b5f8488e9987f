package fisherflow

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// Every registered network knows its own parameter count: Size agrees
// with the network it builds, in both precisions.
func TestNetworkSizeMatchesBuild(t *testing.T) {
	for _, name := range NetworkNames() {
		net, err := LookupNetwork(name)
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{Net: name, Hidden: 16, Depth: 3, TimeDim: 8, Channels: 8, Blocks: 2, Batch: 4, OT: NoOT}
		if net.Conditioned() {
			cfg.Signal, cfg.Classes = 1, 2
		}
		cfg, err = cfg.WithDefaults()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		const positions, k = 5, 3
		rows := net.Rows(cfg)
		params, buffers := net.Size(cfg, positions, k, rows, 4)
		got32 := net.Build32(cfg, positions, k, rows, rand.New(rand.NewPCG(1, 1))).Params().Count()
		got64 := net.Build64(cfg, positions, k, rows, rand.New(rand.NewPCG(1, 1))).Params().Count()
		if int64(got32) != params || int64(got64) != params || buffers <= 0 {
			t.Errorf("%s: Size says %d parameters (%d buffer bytes), the built networks have %d and %d", name, params, buffers, got32, got64)
		}
		if net.Name() != name || rows < cfg.Batch {
			t.Errorf("%s: Name %q, Rows %d for batch %d", name, net.Name(), rows, cfg.Batch)
		}
	}
}

// An unknown network's error lists the registered ones; conditioned data
// on an unconditioned network is refused with ErrUnconditionedNet.
func TestNetworkRegistryErrors(t *testing.T) {
	_, err := LookupNetwork("transformer")
	if !errors.Is(err, ErrUnknownNetwork) || !strings.Contains(err.Error(), "bestmlp, enhancer, mlp, promoter") {
		t.Errorf("LookupNetwork(transformer): %v", err)
	}
	if _, err := (Config{Net: "mlp", Signal: 1, OT: NoOT}).WithDefaults(); !errors.Is(err, ErrUnconditionedNet) {
		t.Errorf("mlp with a signal: %v", err)
	}
	if _, err := (Config{Net: "promoter", Signal: 1}).WithDefaults(); !errors.Is(err, ErrConditionedOT) {
		t.Errorf("promoter with a signal and OT: %v", err)
	}
	if _, err := (Config{Method: Linear, OT: ExactOT}).WithDefaults(); !errors.Is(err, ErrLinearOT) {
		t.Errorf("linear with OT: %v", err)
	}
	var fe *FieldError
	if _, err := (Config{Batch: -1}).WithDefaults(); !errors.As(err, &fe) || fe.Field != "batch" {
		t.Errorf("batch -1: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("a second registration of bestmlp did not panic")
		}
	}()
	RegisterNetwork(bestMLPNet{})
}
