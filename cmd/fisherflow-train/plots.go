package main

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/fisherflow/fisherflow/internal/atomicfile"
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
func writePlots(out string, tk *task, rows []metricRow, classes []int, probs []float64) (names []string, err error) {
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
	if tk.toy != nil && len(classes) > 0 {
		if err := add("marginals.png", marginalsPlot(filepath.Join(out, "marginals.png"), tk, classes)); err != nil {
			return names, err
		}
	}
	if tk.points != nil && len(probs) > 0 {
		if err := add("smiley.png", smileyPlot(filepath.Join(out, "smiley.png"), tk, probs)); err != nil {
			return names, err
		}
	}
	return names, nil
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
func metricPlot(path string, tk *task, rows []metricRow) error {
	var xy plotter.XYs
	for _, r := range rows {
		if !math.IsNaN(r.metric) && r.metric > 0 {
			xy = append(xy, plotter.XY{X: float64(r.step), Y: r.metric})
		}
	}
	if len(xy) == 0 {
		return errNoData
	}
	title := map[string]string{
		"KL":              "KL(generated || target) during training",
		"energy distance": "Energy distance to held-out points during training",
		"JS":              "Jensen-Shannon divergence of per-position marginals to held-out data",
		"motif recall":    "Motif where the signal peaks, share of generated sequences",
		"k-mer JS":        "k-mer spectrum distance (k=3..6) to the test split",
	}[tk.metric]
	p := newPlot(title, "step", tk.metric)
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
	p.Legend.Add(fmt.Sprintf("%s with the current weights (tracking samples)", tk.metric), l, pts)
	return plotio.SavePNG(p, path, 8*vg.Inch, 5*vg.Inch)
}

// marginalsPlot: generated class frequency against the target
// probability, every position and class; a perfect model lies on y = x.
func marginalsPlot(path string, tk *task, classes []int) error {
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

// smileyPlot: held-out data and generated points in the triangle, side by
// side.
func smileyPlot(path string, tk *task, probs []float64) error {
	var held []float64
	for _, q := range tk.points.P {
		held = append(held, q...)
	}
	panel := func(title string, pts []float64, c color.Color) (*plot.Plot, error) {
		p := newPlot(title, "", "")
		p.HideAxes()
		tri, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 0}, {X: 0.5, Y: math.Sqrt(3) / 2}, {X: 0, Y: 0}})
		if err != nil {
			return nil, err
		}
		tri.Color = grey
		xy := planar(pts)
		var s plotter.XYs
		for i := 0; i+1 < len(xy); i += 2 {
			s = append(s, plotter.XY{X: xy[i], Y: xy[i+1]})
		}
		sc, err := plotter.NewScatter(s)
		if err != nil {
			return nil, err
		}
		sc.Color, sc.Radius, sc.Shape = c, vg.Points(1.3), draw.CircleGlyph{}
		p.Add(tri, sc)
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -0.02, 1.02, -0.02, 0.9
		for _, v := range []struct {
			x, y float64
			s    string
		}{{0, 0, "class 0"}, {1, 0, "class 1"}, {0.5, math.Sqrt(3) / 2, "class 2"}} {
			l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: v.x, Y: v.y}}, Labels: []string{v.s}})
			if err == nil {
				p.Add(l)
			}
		}
		return p, nil
	}
	a, err := panel(fmt.Sprintf("Held-out data (%d points)", len(held)/3), held, blue)
	if err != nil {
		return err
	}
	b, err := panel(fmt.Sprintf("Generated (%d points)", len(probs)/3), probs, orange)
	if err != nil {
		return err
	}
	img := vgimg.New(12*vg.Inch, 5.5*vg.Inch)
	dc := draw.New(img)
	cs := plot.Align([][]*plot.Plot{{a, b}}, draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 4}, dc)
	a.Draw(cs[0][0])
	b.Draw(cs[0][1])
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, buf.Bytes())
}
