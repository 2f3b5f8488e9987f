package kernels_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

// convShapes cover kernel 1, taps that reach past short sequences, channel
// counts that are not multiples of the tiles, and the promoter's layers
// at a reduced length.
var convShapes = []kernels.ConvShape{
	{Batch: 0, Length: 5, In: 3, Out: 2, Kernel: 3, Dilation: 1},
	{Batch: 1, Length: 1, In: 1, Out: 1, Kernel: 1, Dilation: 1},
	{Batch: 2, Length: 7, In: 3, Out: 5, Kernel: 9, Dilation: 2},
	{Batch: 3, Length: 40, In: 5, Out: 64, Kernel: 9, Dilation: 1},
	{Batch: 2, Length: 33, In: 64, Out: 70, Kernel: 9, Dilation: 4},
	{Batch: 2, Length: 50, In: 70, Out: 13, Kernel: 5, Dilation: 16},
	{Batch: 1, Length: 100, In: 256, Out: 256, Kernel: 9, Dilation: 64},
	{Batch: 3, Length: 37, In: 96, Out: 4, Kernel: 1, Dilation: 1},
	{Batch: 2, Length: 64, In: 33, Out: 129, Kernel: 3, Dilation: 3},
}

// convRef returns element e of op's result (forward, data, filter) in
// float64 and the sum of its terms' magnitudes, from the definitions.
func convRef[T kernels.Float](op int, s kernels.ConvShape, x, w, dy []T, e int) (float64, float64) {
	L, K, In, Out, half := s.Length, s.Kernel, s.In, s.Out, (s.Kernel-1)/2
	var sum, abs float64
	add := func(a, b T) {
		sum += float64(a) * float64(b)
		abs += math.Abs(float64(a) * float64(b))
	}
	switch op {
	case 0: // y[r, o]
		r, o := e/Out, e%Out
		bi, l := r/L, r%L
		for k := 0; k < K; k++ {
			if p := l + (k-half)*s.Dilation; p >= 0 && p < L {
				for c := 0; c < In; c++ {
					add(w[(o*K+k)*In+c], x[(bi*L+p)*In+c])
				}
			}
		}
	case 1: // dx[r, c]
		r, c := e/In, e%In
		bi, l := r/L, r%L
		for k := 0; k < K; k++ {
			if p := l - (k-half)*s.Dilation; p >= 0 && p < L {
				for o := 0; o < Out; o++ {
					add(w[(o*K+k)*In+c], dy[(bi*L+p)*Out+o])
				}
			}
		}
	case 2: // dw[o, k, c]
		o, k, c := e/(K*In), e/In%K, e%In
		for bi := 0; bi < s.Batch; bi++ {
			for l := 0; l < L; l++ {
				if p := l + (k-half)*s.Dilation; p >= 0 && p < L {
					add(dy[(bi*L+l)*Out+o], x[(bi*L+p)*In+c])
				}
			}
		}
	}
	return sum, abs
}

// TestConv compares the three convolutions on every path with their
// definitions in float64, within (n+2)u of the terms' magnitudes (n the
// inner dimension) plus beta's part, for beta 0 (the output filled with
// NaN, which must not show), 1 and 0.5.
func TestConv(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		testConv[float32](t)
		testConv[float64](t)
	})
}

func testConv[T kernels.Float](t *testing.T) {
	r := newRand(41)
	for _, s := range convShapes {
		checkConv[T](t, r, s)
	}
}

// checkConv runs the three convolutions of shape s on random data with
// each beta (the forward one with a bias but for beta = 1) and compares
// them with their definitions.
func checkConv[T kernels.Float](t *testing.T, r *rand.Rand, s kernels.ConvShape) {
	t.Helper()
	u := unit[T]()
	rows := s.Batch * s.Length
	rnd := func(n int) []T {
		v := make([]T, n)
		for i := range v {
			v[i] = T(r.Float64()*2 - 1)
		}
		return v
	}
	x, w, dy, bias := rnd(rows*s.In), rnd(s.Out*s.Kernel*s.In), rnd(rows*s.Out), rnd(s.Out)
	inner := []int{s.Kernel * s.In, s.Kernel * s.Out, rows}
	for op, name := range []string{"Conv1d", "Conv1dBackwardData", "Conv1dBackwardFilter"} {
		for _, beta := range []T{0, 1, 0.5} {
			n := []int{rows * s.Out, rows * s.In, len(w)}[op]
			out, old := rnd(n), []T(nil)
			if beta == 0 {
				for i := range out {
					out[i] = T(math.NaN())
				}
			}
			old = append(old, out...)
			switch op {
			case 0:
				b := bias
				if beta == 1 {
					b = nil // both with and without a bias
				}
				kernels.Conv1d(s, x, w, b, beta, out)
			case 1:
				kernels.Conv1dBackwardData(s, dy, w, beta, out)
			case 2:
				kernels.Conv1dBackwardFilter(s, x, dy, beta, out)
			}
			for e := range out {
				want, abs := convRef(op, s, x, w, dy, e)
				if op == 0 && beta != 1 {
					b := float64(bias[e%s.Out])
					want, abs = want+b, abs+math.Abs(b)
				}
				bound := 2 * float64(inner[op]+3) * u * abs
				if beta != 0 {
					want += float64(beta) * float64(old[e])
					bound += 2 * u * math.Abs(float64(beta)*float64(old[e]))
				}
				if got := float64(out[e]); math.Abs(got-want) > bound+1e-300 || got != got {
					t.Fatalf("%s %s %+v beta=%v: [%d] = %v, want %v (bound %g)", name, fmt.Sprintf("%T", out[0]), s, beta, e, got, want, bound)
				}
			}
		}
	}
}

// TestConvPanics checks the shape checks.
func TestConvPanics(t *testing.T) {
	s := kernels.ConvShape{Batch: 1, Length: 4, In: 2, Out: 3, Kernel: 3, Dilation: 1}
	x, w, y := make([]float32, 8), make([]float32, 18), make([]float32, 12)
	for name, f := range map[string]func(){
		"even kernel": func() {
			s := s
			s.Kernel = 2
			kernels.Conv1d(s, x, make([]float32, 12), nil, 0, y)
		},
		"short x":      func() { kernels.Conv1d(s, x[:7], w, nil, 0, y) },
		"short bias":   func() { kernels.Conv1d(s, x, w, make([]float32, 2), 0, y) },
		"short dw":     func() { kernels.Conv1dBackwardFilter(s, x, y, 0, w[:17]) },
		"long dx":      func() { kernels.Conv1dBackwardData(s, y, w, 0, make([]float32, 9)) },
		"dilation 0":   func() { s := s; s.Dilation = 0; kernels.Conv1d(s, x, w, nil, 0, y) },
		"negative len": func() { s := s; s.Length = -1; kernels.Conv1d(s, nil, w, nil, 0, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// FuzzConv1d checks the three convolutions of the active path against
// their definitions on fuzzed shapes (any dilation, taps reaching past
// the sequences, channel counts off the tiles).
func FuzzConv1d(f *testing.F) {
	f.Add(uint64(1), uint8(2), uint8(30), uint8(7), uint8(70), uint8(4), uint8(3))
	f.Fuzz(func(t *testing.T, seed uint64, batch, length, in, out, kernel, dil uint8) {
		s := kernels.ConvShape{Batch: int(batch % 4), Length: 1 + int(length%64), In: 1 + int(in%80), Out: 1 + int(out%80),
			Kernel: 1 + 2*int(kernel%6), Dilation: 1 + int(dil%20)}
		r := newRand(seed)
		checkConv[float32](t, r, s)
		checkConv[float64](t, r, s)
	})
}
