package main

import (
	"bytes"
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/fisherflow/fisherflow/fisherflow"
	"github.com/fisherflow/fisherflow/fisherflow/seqio"
	"github.com/fisherflow/fisherflow/internal/plotio"
)

func init() {
	registerTask(&taskKind{
		names: []string{"toy"}, help: "random categorical target, the paper's synthetic benchmark", rank: 1,
		validate: func(c RunConfig) error {
			if c.K < 2 || c.Len < 1 {
				return fmt.Errorf("-k must be at least 2 and -len at least 1")
			}
			return nil
		},
		load: func(c RunConfig) (task, error) {
			// The target itself is Len x K: check before drawing it.
			if err := checkMemory(c, c.Len, c.K); err != nil {
				return nil, err
			}
			return &toyTask{toy: fisherflow.NewToy(c.K, c.Len, c.Train.Seed)}, nil
		},
	})
}

// toyTask is the synthetic benchmark: a random categorical target of K
// classes at Len positions, scored by the KL of the samples to it.
type toyTask struct {
	baseTask
	toy *fisherflow.Toy
}

func (tk *toyTask) data() fisherflow.Data { return tk.toy }
func (tk *toyTask) metric() string        { return "KL" }
func (tk *toyTask) metricTitle() string   { return "KL(generated || target) during training" }

func (tk *toyTask) evaluate(s sampler, n, steps int, seed uint64) (float64, []int, []float64) {
	classes := s.Sample(n, steps, seed, nil)
	return tk.toy.KL(tk.toy.Counts(classes)), classes, nil
}

// files is target.csv: one row per position, K probabilities, so that
// anyone can recompute the KL.
func (tk *toyTask) files() map[string][]byte {
	var target bytes.Buffer
	for _, row := range tk.toy.Probs {
		target.WriteString(joinFloats(row) + "\n")
	}
	return map[string][]byte{"target.csv": target.Bytes()}
}

func (tk *toyTask) results(_ sampler, c RunConfig, _ string, score float64, _ []int, res map[string]any, _ *logger) error {
	res["kl"], res["kl_floor"] = score, tk.floor(c.EvalSamples)
	return nil
}

func (tk *toyTask) resultLine(score float64, c RunConfig) string {
	return fmt.Sprintf("KL(generated || target) = %.4g over %d samples (%d Euler steps, best-validation weights; a perfect model scores about %.1g with this many samples)\n", score, c.EvalSamples, c.SampleSteps, tk.floor(c.EvalSamples)) +
		"for reference, the paper's Fisher-Flow curve (Fig. 3, read qualitatively, ~98k training steps): KL about 1e-3 to 1e-2 at every K"
}

// floor is the KL that a perfect model reaches with n samples: about
// (K-1)/(2n) per position (the bias of the empirical distribution).
func (tk *toyTask) floor(n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	return float64(tk.toy.K-1) / (2 * float64(n))
}

// samplesFile is samples.csv, one generated sequence of classes a line.
func (tk *toyTask) samplesFile(classes []int, _ []float64) (string, []byte, error) {
	return writeSequences("samples.csv", seqio.CSV, "", classes, tk.toy.Len)
}

func (tk *toyTask) plots(out string, classes []int, _ []float64) ([]string, error) {
	if len(classes) == 0 {
		return nil, nil
	}
	return onePlot(out, "marginals.png", func(path string) error { return tk.marginalsPlot(path, classes) })
}

// marginalsPlot: generated class frequency against the target
// probability, every position and class; a perfect model lies on y = x.
func (tk *toyTask) marginalsPlot(path string, classes []int) error {
	counts := tk.toy.Counts(classes)
	p := newPlot(fmt.Sprintf("Toy target, K=%d: generated frequency vs target probability", tk.toy.K), "target probability", "generated frequency")
	p.Legend.Left = true
	lo, hi := math.Inf(1), 0.0
	for pos, row := range counts {
		n := 0
		for _, c := range row {
			n += c
		}
		var xy plotter.XYs
		for c, cnt := range row {
			q := float64(cnt) / float64(n)
			xy = append(xy, plotter.XY{X: tk.toy.Probs[pos][c], Y: q})
			lo, hi = min(lo, tk.toy.Probs[pos][c], q), max(hi, tk.toy.Probs[pos][c], q)
		}
		s, err := plotter.NewScatter(xy)
		if err != nil {
			return err
		}
		s.Color = palette[pos%len(palette)]
		s.Shape = draw.CircleGlyph{}
		p.Add(s)
		if pos < 6 {
			p.Legend.Add(fmt.Sprintf("position %d", pos+1), s)
		}
	}
	diag, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
	if err != nil {
		return err
	}
	diag.Color, diag.Dashes = grey, []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(diag)
	p.Legend.Add("y = x (perfect)", diag)
	return plotio.SavePNG(p, path, 7*vg.Inch, 6*vg.Inch)
}
