package main

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/fisherflow/fisherflow/internal/plotio"
)

var (
	blue    = plotio.Palette[0]
	orange  = plotio.Palette[1]
	grey    = color.RGBA{R: 160, G: 160, B: 160, A: 255}
	palette = plotio.Palette
)

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.X.Label.Text, p.Y.Label.Text = x, y
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	return p
}

// writePlots draws the run's PNGs and returns their names.
func writePlots(out string, tk task, rows []metricRow, classes []int, probs []float64) (names []string, err error) {
	defer func() {
		// gonum/plot panics on some degenerate data: a plot is not worth
		// losing a run, so report it as an error.
		if r := recover(); r != nil {
			err = fmt.Errorf("drawing failed: %v", r)
		}
	}()
	add := func(name string, err error) error {
		if err == nil {
			names = append(names, name)
		}
		return err
	}
	if len(rows) > 0 {
		if err := add("loss.png", lossPlot(filepath.Join(out, "loss.png"), rows)); err != nil {
			return names, err
		}
	}
	if err := add("metric.png", metricPlot(filepath.Join(out, "metric.png"), tk, rows)); err != nil && err != errNoData {
		return names, err
	}
	own, err := tk.plots(out, classes, probs)
	return append(names, own...), err
}

var errNoData = fmt.Errorf("no data")

// lossPlot: the training loss per step (grey), its running mean over 50
// steps, and the validation loss.
func lossPlot(path string, rows []metricRow) error {
	p := newPlot("Training loss", "step", "loss (squared error, summed over positions and categories)")
	raw, avg, val := plotter.XYs{}, plotter.XYs{}, plotter.XYs{}
	var sum float64
	const win = 50
	if len(rows) > 0 && math.IsNaN(rows[0].loss) {
		rows = rows[1:] // the untrained model's row
	}
	for i, r := range rows {
		raw = append(raw, plotter.XY{X: float64(r.step), Y: r.loss})
		sum += r.loss
		if i >= win {
			sum -= rows[i-win].loss
		}
		avg = append(avg, plotter.XY{X: float64(r.step), Y: sum / float64(min(i+1, win))})
		if !math.IsNaN(r.val) {
			val = append(val, plotter.XY{X: float64(r.step), Y: r.val})
		}
	}
	lr, err := plotter.NewLine(raw)
	if err != nil {
		return err
	}
	lr.Color = grey
	la, err := plotter.NewLine(avg)
	if err != nil {
		return err
	}
	la.Color, la.Width = blue, vg.Points(1.5)
	p.Add(lr, la)
	p.Legend.Add("batch loss", lr)
	p.Legend.Add("mean of the last 50", la)
	if len(val) > 0 {
		lv, pv, err := plotter.NewLinePoints(val)
		if err != nil {
			return err
		}
		lv.Color, pv.Color, lv.Width = orange, orange, vg.Points(1.5)
		p.Add(lv, pv)
		p.Legend.Add("validation loss", lv, pv)
	}
	return plotio.SavePNG(p, path, 8*vg.Inch, 5*vg.Inch)
}

// metricPlot: the evaluation metric tracked at every validation.
func metricPlot(path string, tk task, rows []metricRow) error {
	var xy plotter.XYs
	for _, r := range rows {
		if !math.IsNaN(r.metric) && r.metric > 0 {
			xy = append(xy, plotter.XY{X: float64(r.step), Y: r.metric})
		}
	}
	if len(xy) == 0 {
		return errNoData
	}
	p := newPlot(tk.metricTitle(), "step", tk.metric())
	lo, hi := xy[0].Y, xy[0].Y
	for _, v := range xy {
		lo, hi = min(lo, v.Y), max(hi, v.Y)
	}
	if hi > 2*lo {
		// A log scale needs a range to show (gonum/plot panics on one value).
		p.Y.Label.Text += " (log scale)"
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	l, pts, err := plotter.NewLinePoints(xy)
	if err != nil {
		return err
	}
	l.Color, pts.Color, l.Width = blue, blue, vg.Points(1.5)
	p.Add(l, pts)
	p.Legend.Add(fmt.Sprintf("%s with the current weights (tracking samples)", tk.metric()), l, pts)
	return plotio.SavePNG(p, path, 8*vg.Inch, 5*vg.Inch)
}

// onePlot draws one PNG, name in the folder out, with draw, and returns
// its name.
func onePlot(out, name string, draw func(path string) error) ([]string, error) {
	if err := draw(filepath.Join(out, name)); err != nil {
		return nil, err
	}
	return []string{name}, nil
}
