package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// gradCheck compares analytic gradients with central differences of the
// scalar loss L = sum_i w_i y_i, for every parameter and (unless
// paramsOnly) every input element, in float64. forward recomputes y from
// the current parameters and x; backward adds parameter gradients and
// sets dx for dy = w.
func gradCheck(t *testing.T, name string, ps Params[float64], x []float64, forward func(x []float64) []float64, backward func(dx, dy, x []float64), paramsOnly ...bool) {
	t.Helper()
	r := rand.New(rand.NewPCG(9, 9))
	y := forward(x)
	w := make([]float64, len(y))
	for i := range w {
		w[i] = r.NormFloat64()
	}
	loss := func() float64 {
		yy := forward(x)
		var s float64
		for i, v := range yy {
			s += w[i] * v
		}
		return s
	}
	ps.ZeroGrad()
	forward(x)
	dx := make([]float64, len(x))
	backward(dx, append([]float64(nil), w...), x)
	const h = 1e-6
	check := func(what string, v []float64, i int, analytic float64) {
		old := v[i]
		v[i] = old + h
		lp := loss()
		v[i] = old - h
		lm := loss()
		v[i] = old
		num := (lp - lm) / (2 * h)
		if d := math.Abs(num - analytic); d > 1e-6*math.Max(1, math.Abs(num)) {
			t.Errorf("%s: d/d%s[%d]: analytic %.10g, numeric %.10g", name, what, i, analytic, num)
		}
	}
	for _, p := range ps {
		for i := range p.W {
			check(p.Name, p.W, i, p.G[i])
		}
	}
	if len(paramsOnly) > 0 && paramsOnly[0] {
		return
	}
	for i := range x {
		check("x", x, i, dx[i])
	}
}

func randSlice(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	return x
}

func TestLinearGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	l := NewLinear[float64]("l", 5, 7, r)
	batch := 3
	y := make([]float64, batch*7)
	gradCheck(t, "Linear", l.Params(), randSlice(r, batch*5),
		func(x []float64) []float64 { l.Forward(y, x, batch); return y },
		func(dx, dy, x []float64) { l.Backward(dx, dy, x, batch) })
}

func TestActivationGrads(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	x := randSlice(r, 40)
	x[0] = 0.3 // away from LeakyReLU's kink
	for _, a := range []struct {
		name string
		f, b func(y, x []float64)
		bw   func(dx, dy, x []float64)
	}{
		{"LeakyReLU", LeakyReLU[float64]{0.01}.Forward, nil, LeakyReLU[float64]{0.01}.Backward},
		{"SiLU", (&SiLU[float64]{}).Forward, nil, (&SiLU[float64]{}).Backward},
		{"GELU", (&GELU[float64]{}).Forward, nil, (&GELU[float64]{}).Backward},
	} {
		y := make([]float64, len(x))
		xx := append([]float64(nil), x...)
		for i := range xx {
			if math.Abs(xx[i]) < 1e-3 {
				xx[i] = 0.5
			}
		}
		gradCheck(t, a.name, nil, xx,
			func(x []float64) []float64 { a.f(y, x); return y },
			a.bw)
	}
}

func TestLayerNormGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	l := NewLayerNorm[float64]("ln", 6)
	for i := range l.Gain.W {
		l.Gain.W[i] = 1 + 0.3*r.NormFloat64()
		l.Shift.W[i] = 0.3 * r.NormFloat64()
	}
	y := make([]float64, 4*6)
	gradCheck(t, "LayerNorm", l.Params(), randSlice(r, 4*6),
		func(x []float64) []float64 { l.Forward(y, x); return y },
		func(dx, dy, x []float64) { l.Backward(dx, dy, x) })
}

func TestBestMLPGrad(t *testing.T) {
	for _, c := range []struct{ in, hidden int }{{6, 5}, {5, 5}} { // with and without the residual of block 0 and 3
		r := rand.New(rand.NewPCG(4, uint64(c.in)))
		batch := 3
		m := NewBestMLP[float64](c.in, c.hidden, 4, batch, r)
		ts := []float64{0.1, 0.5, 0.9}
		// BestMLP does not compute the gradient of its input (x is
		// data), so only its parameters are checked.
		x := randSlice(r, batch*c.in)
		gradCheck(t, "BestMLP", m.Params(), x,
			func(x []float64) []float64 { return m.Forward(x, ts, batch) },
			func(dx, dy, x []float64) { m.Backward(dy, batch) },
			true)
	}
}

func TestMLPGrad(t *testing.T) {
	for _, depth := range []int{2, 4} {
		r := rand.New(rand.NewPCG(5, uint64(depth)))
		batch := 3
		m := NewMLP[float64](3, 6, depth, batch, r)
		ts := []float64{0.2, 0.6, 0.95}
		gradCheck(t, "MLP", m.Params(), randSlice(r, batch*3),
			func(x []float64) []float64 { return m.Forward(x, ts, batch) },
			func(dx, dy, x []float64) { m.Backward(dy, batch) },
			true)
	}
}

// The branch-free LeakyReLU equals its definition bit for bit, specials
// included (x = -0 is not negative; NaN and infinities pass through).
func TestLeakyReLUExact(t *testing.T) {
	testLeakyExact[float32](t)
	testLeakyExact[float64](t)
}

func testLeakyExact[T Float](t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x := []T{0, T(math.Copysign(0, -1)), T(math.Inf(1)), T(math.Inf(-1)), T(math.NaN()), 1e-30, -1e-30}
	for len(x) < 1000 {
		x = append(x, T(r.NormFloat64()))
	}
	dy := make([]T, len(x))
	for i := range dy {
		dy[i] = T(r.NormFloat64())
	}
	a := LeakyReLU[T]{Slope: 0.01}
	y, dx := make([]T, len(x)), make([]T, len(x))
	a.Forward(y, x)
	a.Backward(dx, dy, x)
	same := func(p, q T) bool {
		return math.Float64bits(float64(p)) == math.Float64bits(float64(q)) || (p != p && q != q)
	}
	for i, v := range x {
		wy, wd := v, dy[i]
		if v < 0 {
			wy, wd = v*a.Slope, dy[i]*a.Slope
		}
		if !same(y[i], wy) || !same(dx[i], wd) {
			t.Fatalf("x=%v: forward %v want %v, backward %v want %v", v, y[i], wy, dx[i], wd)
		}
	}
}

func TestGroupNormGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct{ groups, channels, batch, length int }{{1, 6, 2, 3}, {3, 6, 2, 4}, {2, 4, 3, 1}} {
		g := NewGroupNorm[float64]("gn", c.groups, c.channels)
		for i := range g.Gain.W {
			g.Gain.W[i] = 1 + 0.3*r.NormFloat64()
			g.Shift.W[i] = 0.3 * r.NormFloat64()
		}
		n := c.batch * c.length * c.channels
		y := make([]float64, n)
		gradCheck(t, "GroupNorm", g.Params(), randSlice(r, n),
			func(x []float64) []float64 { g.Forward(y, x, c.batch, c.length); return y },
			func(dx, dy, x []float64) { g.Backward(dx, dy, x, c.batch, c.length) })
	}
}

// GroupNorm with one group over sequences of length 1 is LayerNorm.
func TestGroupNormMatchesLayerNorm(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	g := NewGroupNorm[float64]("gn", 1, 5)
	l := NewLayerNorm[float64]("ln", 5)
	for i := range g.Gain.W {
		g.Gain.W[i] = 1 + 0.3*r.NormFloat64()
		l.Gain.W[i] = g.Gain.W[i]
		g.Shift.W[i] = r.NormFloat64()
		l.Shift.W[i] = g.Shift.W[i]
	}
	x := randSlice(r, 4*5)
	yg, yl := make([]float64, len(x)), make([]float64, len(x))
	g.Forward(yg, x, 4, 1)
	l.Forward(yl, x)
	for i := range yg {
		if math.Abs(yg[i]-yl[i]) > 1e-12 {
			t.Fatalf("GroupNorm(1, C) at length 1 differs from LayerNorm at %d: %v vs %v", i, yg[i], yl[i])
		}
	}
}

func TestGaussianFourierGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	g := NewGaussianFourier[float64](8, 3, r) // scale 3 keeps the FD step resolved
	ts := []float64{0.1, 0.5, 0.93}
	y := make([]float64, len(ts)*8)
	gradCheck(t, "GaussianFourier", nil, ts,
		func(x []float64) []float64 { g.Forward(y, x); return y },
		func(dx, dy, x []float64) { g.Backward(dx, dy, x) })
	// sin^2 + cos^2 = 1 for every frequency.
	g.Forward(y, ts)
	for r := range ts {
		for j := 0; j < 4; j++ {
			if s, c := y[r*8+j], y[r*8+4+j]; math.Abs(s*s+c*c-1) > 1e-12 {
				t.Fatalf("row %d frequency %d: sin^2+cos^2 = %v", r, j, s*s+c*c)
			}
		}
	}
}

func TestConv1dGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, c := range []struct{ in, out, kernel, dil, batch, length int }{
		{3, 2, 3, 1, 2, 5}, {2, 3, 3, 2, 2, 7}, {2, 2, 5, 3, 1, 4}, {1, 1, 1, 1, 3, 2},
	} {
		conv := NewConv1d[float64]("conv", c.in, c.out, c.kernel, c.dil, r)
		y := make([]float64, c.batch*c.length*c.out)
		gradCheck(t, "Conv1d", conv.Params(), randSlice(r, c.batch*c.length*c.in),
			func(x []float64) []float64 { conv.Forward(y, x, c.batch, c.length); return y },
			func(dx, dy, x []float64) { conv.Backward(dx, dy, x, c.batch, c.length) })
	}
}

// Conv1d's forward pass against the definition written as loops; the
// dilation makes the outer taps read only padding (length 9, offsets up
// to 2*5).
func TestConv1dDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	in, out, kernel, dil, batch, length := 3, 4, 5, 5, 2, 9
	conv := NewConv1d[float64]("conv", in, out, kernel, dil, r)
	x := randSlice(r, batch*length*in)
	y := make([]float64, batch*length*out)
	conv.Forward(y, x, batch, length)
	for b := 0; b < batch; b++ {
		for l := 0; l < length; l++ {
			for o := 0; o < out; o++ {
				want := conv.Bias.W[o]
				for k := 0; k < kernel; k++ {
					p := l + (k-(kernel-1)/2)*dil
					if p < 0 || p >= length {
						continue
					}
					for ch := 0; ch < in; ch++ {
						want += conv.Weight.W[(o*kernel+k)*in+ch] * x[(b*length+p)*in+ch]
					}
				}
				if got := y[(b*length+l)*out+o]; math.Abs(got-want) > 1e-12 {
					t.Fatalf("y[%d,%d,%d] = %v, want %v", b, l, o, got, want)
				}
			}
		}
	}
}

// The two reference ConvNets at a small size (8 channels, 3 blocks
// cycling dilations 1 and 2, kernel 3, length 5): the promoter with a
// conditioning signal, the enhancer with class labels (one of them the
// "no class" of guidance); parameters against finite differences.
func TestConvNetGrad(t *testing.T) {
	small := func(c ConvNetConfig) ConvNetConfig {
		c.Channels, c.Blocks, c.Kernel, c.Dilations, c.Fourier = 8, 3, 3, []int{1, 2}, 2
		return c
	}
	for _, c := range []struct {
		name  string
		cfg   ConvNetConfig
		class []int
	}{
		{"promoter", small(PromoterConfig(5)), nil},
		{"enhancer", small(EnhancerConfig(5, 3)), []int{1, 3}},
	} {
		r := rand.New(rand.NewPCG(21, 22))
		batch := 2
		m := NewConvNet[float64](c.cfg, batch, r)
		for _, p := range m.Params() { // norms start at gain 1, shift 0: move them
			for i := range p.W {
				p.W[i] += 0.1 * r.NormFloat64()
			}
		}
		var signal []float64
		if c.cfg.Signal > 0 {
			signal = randSlice(r, batch*5*c.cfg.Signal)
		}
		m.Condition(signal, c.class, batch)
		ts := []float64{0.3, 0.8}
		gradCheck(t, c.name, m.Params(), randSlice(r, batch*5*4),
			func(x []float64) []float64 { return m.Forward(x, ts, batch) },
			func(dx, dy, x []float64) { m.Backward(dy, batch) },
			true)
		if m.Width() != 20 {
			t.Fatalf("%s: Width %d, want 20", c.name, m.Width())
		}
	}
}

// The classifier at a small size (6 channels, 3 blocks cycling
// dilations 1 and 2, kernel 3, length 5, 3 classes): parameters and
// inputs against finite differences, through the cross-entropy loss.
func TestClassifierGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	cfg := ClassifierConfig{Length: 5, Categories: 4, Classes: 3, Channels: 6, Blocks: 3, Kernel: 3, Dilations: []int{1, 2}}
	batch := 2
	m := NewClassifier[float64](cfg, batch, r)
	for _, p := range m.Params() { // norms start at gain 1, shift 0: move them
		for i := range p.W {
			p.W[i] += 0.1 * r.NormFloat64()
		}
	}
	gradCheck(t, "Classifier", m.Params(), randSlice(r, batch*5*4),
		func(x []float64) []float64 { return m.Forward(x, batch) },
		func(dx, dy, x []float64) { m.Backward(dy, batch) },
		true)
	if len(m.Embedding(batch)) != batch*6 {
		t.Fatalf("embedding length %d", len(m.Embedding(batch)))
	}
	// CrossEntropy's gradient against finite differences of its loss.
	logits, labels := randSlice(r, batch*3), []int{2, 0}
	d := make([]float64, len(logits))
	CrossEntropy(d, logits, labels, 3)
	tmp := make([]float64, len(logits))
	for i := range logits {
		old := logits[i]
		logits[i] = old + 1e-6
		lp := CrossEntropy(tmp, logits, labels, 3)
		logits[i] = old - 1e-6
		lm := CrossEntropy(tmp, logits, labels, 3)
		logits[i] = old
		if num := (lp - lm) / 2e-6; math.Abs(num-d[i]) > 1e-7 {
			t.Errorf("CrossEntropy: d/dlogit[%d] analytic %v, numeric %v", i, d[i], num)
		}
	}
	if l := CrossEntropy(d[:3], []float64{1000, 0, 0}, []int{0}, 3); !(l >= 0 && l < 1e-9) {
		t.Errorf("CrossEntropy of a confident right answer = %v", l)
	}
}

// Conv1d runs a batch as one product whose taps are gathered across
// the sequences' edges: the same outputs and gradients as one sample at a
// time (no tap reads into the neighbouring sequence).
func TestConv1dBatch(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	const in, out, kernel, dil, batch, length = 64, 5, 9, 4, 9, 512
	conv := NewConv1d[float64]("conv", in, out, kernel, dil, r)
	x, dy := randSlice(r, batch*length*in), randSlice(r, batch*length*out)
	y, dx := make([]float64, len(dy)), make([]float64, len(x))
	conv.Forward(y, x, batch, length)
	conv.Backward(dx, dy, x, batch, length)
	gw, gb := append([]float64(nil), conv.Weight.G...), append([]float64(nil), conv.Bias.G...)
	clear(conv.Weight.G)
	clear(conv.Bias.G)
	ys, dxs := make([]float64, length*out), make([]float64, length*in)
	for b := 0; b < batch; b++ {
		xb, dyb := x[b*length*in:(b+1)*length*in], dy[b*length*out:(b+1)*length*out]
		conv.Forward(ys, xb, 1, length)
		conv.Backward(dxs, dyb, xb, 1, length)
		for i, v := range ys {
			if w := y[b*length*out+i]; math.Abs(v-w) > 1e-12*(1+math.Abs(w)) {
				t.Fatalf("sample %d: y[%d] = %v in the batch, %v alone", b, i, w, v)
			}
		}
		for i, v := range dxs {
			if w := dx[b*length*in+i]; math.Abs(v-w) > 1e-12*(1+math.Abs(w)) {
				t.Fatalf("sample %d: dx[%d] = %v in the batch, %v alone", b, i, w, v)
			}
		}
	}
	for i, v := range conv.Weight.G {
		if math.Abs(v-gw[i]) > 1e-10*(1+math.Abs(v)) {
			t.Fatalf("dW[%d] = %v in the batch, %v a sample at a time", i, gw[i], v)
		}
	}
	for i, v := range conv.Bias.G {
		if math.Abs(v-gb[i]) > 1e-10*(1+math.Abs(v)) {
			t.Fatalf("db[%d] = %v in the batch, %v a sample at a time", i, gb[i], v)
		}
	}
}

// TestLinearInputGrad checks InputGrad against the columns of Backward's
// dx, set (beta 0) and added (beta 1).
func TestLinearInputGrad(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	l := NewLinear[float64]("l", 7, 5, r)
	batch := 3
	x, dy := randSlice(r, batch*7), randSlice(r, batch*5)
	dx := make([]float64, batch*7)
	l.Backward(dx, dy, x, batch)
	lo, hi := 2, 6
	got := randSlice(r, batch*(hi-lo))
	base := append([]float64(nil), got...)
	l.InputGrad(got, hi-lo, lo, hi, dy, batch, 1)
	for i := range batch {
		for j := lo; j < hi; j++ {
			if e := got[i*(hi-lo)+j-lo] - (dx[i*7+j] + base[i*(hi-lo)+j-lo]); math.Abs(e) > 1e-12 {
				t.Fatalf("beta 1: row %d column %d off by %v", i, j, e)
			}
		}
	}
	l.InputGrad(got, hi-lo, lo, hi, dy, batch, 0)
	for i := range batch {
		for j := lo; j < hi; j++ {
			if math.Abs(got[i*(hi-lo)+j-lo]-dx[i*7+j]) > 1e-12 {
				t.Fatalf("beta 0: row %d column %d: %v, Backward %v", i, j, got[i*(hi-lo)+j-lo], dx[i*7+j])
			}
		}
	}
}
