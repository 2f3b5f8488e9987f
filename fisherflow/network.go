package fisherflow

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"

	"github.com/fisherflow/fisherflow/fisherflow/nn"
)

// A Network is one architecture of the learned vector field, named in
// Config.Net. Each lives in its own file (net_*.go) and registers itself
// with RegisterNetwork from an init function; the Trainer finds it by
// name, builds it in its precision and drives it through nn.Network
// (Forward and Backward over buffers planned once). Its checkpoint
// tensors are named after its nn.Params.
type Network interface {
	// Name is the network's name: Config.Net, and "net" in config.json.
	Name() string
	// Conditioned reports whether the network takes a per-position
	// signal and class labels (ConditionedData), through a Condition
	// method as nn.ConvNet's.
	Conditioned() bool
	// Rows returns the number of sequences the network's buffers are
	// planned for under cfg (defaults filled): the training batch at
	// least, and the number the sampler integrates together.
	Rows(cfg Config) int
	// Size returns the network's parameter count and the bytes of its
	// own buffers (activations and scratch, elem bytes a value) for data
	// of positions x k and buffers of rows sequences; EstimateBytes adds
	// the rest of a run.
	Size(cfg Config, positions, k, rows int, elem int64) (params, buffers int64)
	// Build32 and Build64 build the network in float32 or float64 for
	// data of positions x k, with buffers for rows sequences, initialised
	// from r.
	Build32(cfg Config, positions, k, rows int, r *rand.Rand) nn.Network[float32]
	Build64(cfg Config, positions, k, rows int, r *rand.Rand) nn.Network[float64]
}

var registry = struct {
	sync.RWMutex
	nets map[string]Network
}{nets: map[string]Network{}}

// RegisterNetwork makes n available as Config.Net = n.Name(). It panics
// if the name is empty or taken: registration is a program's setup.
func RegisterNetwork(n Network) {
	registry.Lock()
	defer registry.Unlock()
	name := n.Name()
	if name == "" {
		panic("fisherflow.RegisterNetwork: empty name")
	}
	if _, dup := registry.nets[name]; dup {
		panic(fmt.Sprintf("fisherflow.RegisterNetwork: %q registered twice", name))
	}
	registry.nets[name] = n
}

// LookupNetwork returns the network registered as name; its error wraps
// ErrUnknownNetwork and lists the known names.
func LookupNetwork(name string) (Network, error) {
	registry.RLock()
	n, ok := registry.nets[name]
	registry.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %q (choices: %s)", ErrUnknownNetwork, name, strings.Join(NetworkNames(), ", "))
	}
	return n, nil
}

// NetworkNames returns the registered networks' names, sorted.
func NetworkNames() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.nets))
	for name := range registry.nets {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// conditionedNetworks returns the names of the networks that take
// conditioning, sorted.
func conditionedNetworks() []string {
	var out []string
	for _, name := range NetworkNames() {
		if n, _ := LookupNetwork(name); n.Conditioned() {
			out = append(out, name)
		}
	}
	return out
}

// buildNetwork builds n in precision T.
func buildNetwork[T nn.Float](n Network, cfg Config, positions, k, rows int, r *rand.Rand) nn.Network[T] {
	if Precision[T]() == "f64" {
		return any(n.Build64(cfg, positions, k, rows, r)).(nn.Network[T])
	}
	return any(n.Build32(cfg, positions, k, rows, r)).(nn.Network[T])
}

// sampleBatch is the number of sequences the MLPs integrate together
// when sampling (see mlpRows).
const sampleBatch = 2048

// mlpRows is Network.Rows of the MLPs: the training batch, or
// sampleBatch if more, as the width of a row is small.
func mlpRows(cfg Config) int { return max(cfg.Batch, sampleBatch) }

// conditioner is a network that takes a per-position signal and class
// labels (a Conditioned Network, such as nn.ConvNet).
type conditioner[T nn.Float] interface {
	Condition(signal []T, class []int, batch int)
}
