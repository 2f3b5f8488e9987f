// Command fisherflow-train trains Fisher Flow Matching models and samples
// from them.
//
// With no arguments it runs the demo: Fisher-Flow on the synthetic
// benchmark of the paper (a random categorical target over K classes at 4
// positions, generated in-process) for a few minutes, and
// prints the KL of generated sequences to the target.
//
//	fisherflow-train                                 # the demo
//	fisherflow-train -task toy -k 40 -method fisherflow -ot exact -steps 3000 -seed 1 -out runs/k40
//	fisherflow-train -task smiley                    # points on the 2-simplex, with a picture
//	fisherflow-train -data seqs.fasta -alphabet dna  # your sequences (FASTA, text or CSV)
//	fisherflow-train -resume runs/k40 -steps 6000    # continue a run
//	fisherflow-train synth -out dna                  # synthetic DNA files: FASTA, signal .npy, labels CSV
//	fisherflow-train -task promoter -data dna/data.fasta -signal dna/signal.npy -split-column chrom -test chr9 -val chr10
//	fisherflow-train -task enhancer -data dna/data.fasta -labels dna/labels.csv -guidance 2
//	fisherflow-train -task molecules                 # 3D molecules of QM7 with an EGNN (-data FILE.sdf for yours)
//	fisherflow-train sample -checkpoint runs/k40/checkpoint.safetensors -n 1000 -out samples.csv
//	fisherflow-train sweep -out runs/sw -grid 'k=5,10 method=fisherflow,linear seed=1,2' -steps 3000 [-runner slurm]
//	fisherflow-train sweep -collect runs/sw          # sweep.csv of the finished points
//
// A run folder holds config.json (the resolved settings, reusable with
// -config), metrics.csv (step,loss,val_loss,lr,metric,seconds),
// checkpoint.safetensors (weights, optimizer state, random state; written
// atomically at every evaluation and on SIGINT/SIGTERM), the generated
// samples, result.json and PNG plots. For the toy task it also holds
// target.csv (one row per position, K probabilities) and samples.csv (one
// generated sequence per line), so anyone can recompute the KL.
//
// Where things are: main.go dispatches the subcommands (run is the whole
// command); config.go holds RunConfig, the flags and their validation;
// errors.go restates the library's errors in terms of flags; runfolder.go
// is what every run shares (its folder, checkpoint, metrics.csv and the
// training loop); train.go runs a sequence training on it (trainRun:
// resume, final evaluation); progress.go is the log; plots.go draws the loss and metric
// plots; sample.go is the sample subcommand (shard.go: -shard and
// -merge) and synth.go the synth one; sweep.go is the sweep subcommand
// (sweep_collect.go: the local runner and -collect; slurm.go: the Slurm
// job-array script).
// task.go defines a task (what a run learns and how it is judged) and the
// registry of task kinds; each kind is one file: task_toy.go,
// task_smiley.go, task_sequences.go, task_motifs.go and task_dna.go
// (promoter and enhancer, reading their data with dna.go). A kind whose
// model is not the sequence trainer's runs itself (taskKind.run and
// .sample, selfrun.go): task_molecules.go, with molecules_run.go.
//
// A new task is one file: a type implementing task, and an init function
// that calls registerTask with its -task names, defaults, validation and
// loader.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "fisherflow-train:", err)
		os.Exit(1)
	}
}

// run is the whole command, testable in process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "sample" {
		return sampleCmd(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "sweep" {
		return sweepCmd(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "synth" {
		return synthCmd(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "train" {
		args = args[1:]
	}
	return trainCmd(ctx, args, stdout, stderr)
}
