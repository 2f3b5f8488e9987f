package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/fisherflow/fisherflow/internal/plotio"
)

// The cases the plots read: square GEMMs and elementwise or level-1
// kernels over n elements.
var (
	gemmCase = regexp.MustCompile(`^square/(f32|f64)/(\d+)x\d+x\d+(?:/threads=(\d+))?$`)
	sizeCase = regexp.MustCompile(`^(?:(\w+)/)?(f32|f64)/n=(\d+)$`)
)

// series is one line of a plot.
type series struct {
	name string
	xy   plotter.XYs
}

// Plots draws, from the medians of results, one PNG per GEMM precision
// (GFLOP/s against the size of square products, a line per path and
// thread count) and one per family of kernels over n elements (GB/s
// against n on a log scale, a line per path and precision; one PNG per
// kernel of families such as Level1 that hold several), into dir. It returns
// the file names written.
func Plots(dir string, results []Result) (names []string, err error) {
	defer func() {
		if r := recover(); r != nil { // gonum/plot panics on degenerate data
			err = fmt.Errorf("drawing failed: %v", r)
		}
	}()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	fig := medians(results)
	plots := map[string][]*series{} // file name -> lines
	var order []string
	add := func(file, line string, x, y float64) {
		if _, ok := plots[file]; !ok {
			order = append(order, file)
		}
		ls := plots[file]
		i := slices.IndexFunc(ls, func(s *series) bool { return s.name == line })
		if i < 0 {
			ls = append(ls, &series{name: line})
			i = len(ls) - 1
			plots[file] = ls
		}
		ls[i].xy = append(ls[i].xy, plotter.XY{X: x, Y: y})
	}
	for _, r := range results { // in benchmark order, each case once
		m, ok := fig[[3]string{r.Family, r.Path, r.Case}]
		if !ok {
			continue
		}
		delete(fig, [3]string{r.Family, r.Path, r.Case})
		v, unit := m.Figure()
		if g := gemmCase.FindStringSubmatch(r.Case); g != nil && r.Family == "Gemm" {
			if unit != "GFLOP/s" {
				continue
			}
			n, _ := strconv.Atoi(g[2])
			line := r.Path
			if g[3] != "" {
				line += ", " + g[3] + " thread(s)"
			}
			add("gemm-"+g[1]+".png", line, float64(n), v)
			continue
		}
		if s := sizeCase.FindStringSubmatch(r.Case); s != nil && unit == "GB/s" {
			n, _ := strconv.Atoi(s[3])
			file := strings.ToLower(r.Family)
			if s[1] != "" { // a family of several kernels (Level1): one plot each
				file += "-" + strings.ToLower(s[1])
			}
			add(file+".png", r.Path+" "+s[2], float64(n), v)
		}
	}
	for _, file := range order {
		p := plot.New()
		p.Add(plotter.NewGrid())
		p.Legend.Top = true
		if strings.HasPrefix(file, "gemm-") {
			p.Legend.Left = true
			p.Title.Text = "GEMM, square, " + strings.TrimSuffix(strings.TrimPrefix(file, "gemm-"), ".png")
			p.X.Label.Text, p.Y.Label.Text = "m = n = k", "GFLOP/s"
		} else {
			p.Title.Text = strings.TrimSuffix(file, ".png")
			p.X.Label.Text, p.Y.Label.Text = "n (elements)", "GB/s"
			p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
		}
		for i, s := range plots[file] {
			slices.SortFunc(s.xy, func(a, b plotter.XY) int { return int(a.X - b.X) })
			l, pts, err := plotter.NewLinePoints(s.xy)
			if err != nil {
				return names, fmt.Errorf("%s: %w", file, err)
			}
			c := plotio.Color(i)
			l.Color, pts.Color = c, c
			if i >= len(plotio.Palette) { // colours repeat: dash the second round
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
			}
			p.Add(l, pts)
			p.Legend.Add(s.name, l)
		}
		// Headroom above the lines for the legend.
		p.Y.Min, p.Y.Max = 0, p.Y.Max*(1+0.09*float64(len(plots[file])))
		if err := plotio.SavePNG(p, filepath.Join(dir, file), 8*vg.Inch, 5*vg.Inch); err != nil {
			return names, err
		}
		names = append(names, file)
	}
	return names, nil
}
