package fisherflow_test

import (
	"fmt"
	"log"

	"github.com/fisherflow/fisherflow/fisherflow"
)

// Example trains Fisher-Flow (the default method, with exact minibatch
// OT) on a small synthetic target, 4 positions of 5 categories, and
// compares the KL divergence of generated samples to the target before
// and after training.
func Example() {
	toy := fisherflow.NewToy(5, 4, 1)
	cfg := fisherflow.Config{Steps: 60, Batch: 64, Hidden: 32, TimeDim: 8, Seed: 1}
	tr, err := fisherflow.NewTrainer[float32](cfg, toy)
	if err != nil {
		log.Fatal(err)
	}
	before, _ := fisherflow.EvalKL(tr, toy, 1024, 10, 1)
	for tr.Step < tr.Cfg.Steps {
		if _, err := tr.TrainStep(); err != nil {
			log.Fatal(err)
		}
	}
	after, _ := fisherflow.EvalKL(tr, toy, 1024, 10, 1)
	fmt.Println("KL at least 3x lower after training:", after < before/3)

	seqs := tr.Sample(3, 20, 2, nil) // 3 sequences, 20 Euler steps
	fmt.Println(len(seqs), "classes sampled")
	// Output:
	// KL at least 3x lower after training: true
	// 12 classes sampled
}

// ExampleNewShifted trains on windows that move by up to ±2 positions
// within longer records, as the promoter benchmark moves its windows by
// ±10 bases, and evaluates on the centred windows.
func ExampleNewShifted() {
	records := [][]int{
		{0, 1, 2, 3, 0, 1, 2, 3},
		{3, 3, 2, 2, 1, 1, 0, 0},
	}
	full, err := fisherflow.NewLabelledSequences(records, 4, nil, 0, nil, 0)
	if err != nil {
		log.Fatal(err)
	}
	train, err := fisherflow.NewShifted(full, 2)
	if err != nil {
		log.Fatal(err)
	}
	held, err := full.Crop(2, 4)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("model length:", train.Positions())
	fmt.Println("centred windows:", held.Seqs)
	// Output:
	// model length: 4
	// centred windows: [[2 3 0 1] [2 2 1 1]]
}
