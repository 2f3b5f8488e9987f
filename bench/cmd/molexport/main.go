// Command molexport writes one float64 step of the molecule model (the
// EGNN and loss of moltrain's default setting on QM7 molecules: weights,
// inputs, targets, outputs, losses and gradients) as safetensors, for
// bench/peers/fisherflow_molecules.py -check, which recomputes it with
// its PyTorch network and compares (see molstep.Export).
//
//	molexport [-o molstep.safetensors] [-molecules 8] [-seed 1]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/fisherflow/fisherflow/bench/molstep"
	"github.com/fisherflow/fisherflow/internal/atomicfile"
)

func main() {
	out := flag.String("o", "molstep.safetensors", "output file")
	n := flag.Int("molecules", 8, "molecules in the batch (at most the default batch, 32)")
	seed := flag.Uint64("seed", 1, "seed of the molecules, prior, times and position-layer weights")
	flag.Parse()
	b, err := molstep.Export(*n, *seed)
	if err == nil {
		err = atomicfile.WriteFile(*out, b)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "molexport:", err)
		os.Exit(1)
	}
}
