package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBlockedGemmBoundaries runs each path's micro-kernel with tiny
// blockings, so that every loop of the blocked GEMM crosses block
// boundaries (several kc slices, mc blocks and nc blocks, partial tiles
// at each), with 1 to 3 threads, against the generic loops.
func TestBlockedGemmBoundaries(t *testing.T) {
	for _, p := range supportedPaths() {
		testBlocked(t, p.name, p.f32.gemmMK, p.f32.scale)
		testBlocked(t, p.name, p.f64.gemmMK, p.f64.scale)
	}
}

func testBlocked[T float32 | float64](t *testing.T, name string, mk microKernel[T], scale func(T, []T)) {
	if mk.fn == nil {
		return
	}
	defer SetThreads(SetThreads(0))
	r := rand.New(rand.NewPCG(7, 8))
	u := 0x1p-53
	if !is64[T]() {
		u = 0x1p-24
	}
	for trial := 0; trial < 60; trial++ {
		bl := blocking{kc: 8 * (1 + r.IntN(3)), mc: mk.mr * (1 + r.IntN(3)), nc: mk.nr * (1 + r.IntN(3)), flopsPerThread: 1}
		gemm := newBlockedWith(mk, scale, bl).gemm
		SetThreads(1 + r.IntN(3))
		m, n, k := 1+r.IntN(3*bl.mc), 1+r.IntN(3*bl.nc), 1+r.IntN(3*bl.kc)
		tA, tB := r.IntN(2) == 1, r.IntN(2) == 1
		ar, ac, br, bc := m, k, k, n
		if tA {
			ar, ac = k, m
		}
		if tB {
			br, bc = n, k
		}
		lda, ldb, ldc := ac+r.IntN(3), bc+r.IntN(3), n+r.IntN(3)
		a, b := make([]T, ar*lda), make([]T, br*ldb)
		for i := range a {
			a[i] = T(r.Float64()*2 - 1)
		}
		for i := range b {
			b[i] = T(r.Float64()*2 - 1)
		}
		c, want := make([]T, m*ldc), make([]T, m*ldc)
		for i := range c {
			c[i] = T(r.Float64())
			want[i] = c[i]
		}
		alpha, beta := T(r.Float64()*2-1), T([]float64{0, 1, 0.5}[r.IntN(3)])
		gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		gemmGeneric(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, want, ldc)
		for i := range c {
			// Both within (k+2)u of exact; |entries| <= 1 bounds the sums by k.
			if d := math.Abs(float64(c[i] - want[i])); d > 2*float64(k+2)*u*(float64(k)+1) {
				t.Fatalf("%s %+v m=%d n=%d k=%d tA=%v tB=%v: C[%d] = %v, generic %v", name, bl, m, n, k, tA, tB, i, c[i], want[i])
			}
			if i%ldc >= n && c[i] != want[i] {
				t.Fatalf("%s: padding of C changed at %d", name, i)
			}
		}
	}
}

// TestBlockedConvBoundaries runs the convolutions' blocked products with
// tiny blockings, so that kc slices start and end inside taps, panels
// straddle taps and sequence edges, and 1 to 3 threads share the work,
// against the per-tap products of the generic loops.
func TestBlockedConvBoundaries(t *testing.T) {
	for _, p := range supportedPaths() {
		testBlockedConv(t, p.name, p.f32.gemmMK, p.f32.scale)
		testBlockedConv(t, p.name, p.f64.gemmMK, p.f64.scale)
	}
}

func testBlockedConv[T float32 | float64](t *testing.T, name string, mk microKernel[T], scale func(T, []T)) {
	if mk.fn == nil {
		return
	}
	defer SetThreads(SetThreads(0))
	r := rand.New(rand.NewPCG(9, 10))
	u := 0x1p-53
	if !is64[T]() {
		u = 0x1p-24
	}
	rnd := func(n int) []T {
		v := make([]T, n)
		for i := range v {
			v[i] = T(r.Float64()*2 - 1)
		}
		return v
	}
	for trial := 0; trial < 90; trial++ {
		bl := blocking{kc: 8 * (1 + r.IntN(3)), mc: mk.mr * (1 + r.IntN(3)), nc: mk.nr * (1 + r.IntN(3)), flopsPerThread: 1}
		bg := newBlockedWith(mk, scale, bl)
		SetThreads(1 + r.IntN(3))
		s := ConvShape{Batch: 1 + r.IntN(3), Length: 1 + r.IntN(30), In: 1 + r.IntN(2*mk.nr), Out: 1 + r.IntN(2*mk.nr),
			Kernel: []int{1, 3, 5, 9}[r.IntN(4)], Dilation: 1 + r.IntN(4)}
		op := trial % 3
		rows := s.Batch * s.Length
		var out, a, b []T
		inner := 0
		switch op {
		case convForward:
			out, a, b, inner = rnd(rows*s.Out), rnd(rows*s.In), rnd(s.Out*s.Kernel*s.In), s.Kernel*s.In
		case convBackData:
			out, a, b, inner = rnd(rows*s.In), rnd(rows*s.Out), rnd(s.Out*s.Kernel*s.In), s.Kernel*s.Out
		case convBackFilter:
			out, a, b, inner = rnd(s.Out*s.Kernel*s.In), rnd(rows*s.In), rnd(rows*s.Out), rows
		}
		want := append([]T(nil), out...)
		beta := T([]float64{0, 1, 0.5}[r.IntN(3)])
		var bias []T
		if op == convForward && r.IntN(2) == 0 {
			bias, inner = rnd(s.Out), inner+1
		}
		bg.convBlocked(op, s, out, a, b, bias, beta)
		convTaps(gemmGeneric[T], scaleGeneric[T], op, s, want, a, b, bias, beta)
		for i := range out {
			// |entries| <= 1: both within (inner+2)u(inner+1) of exact.
			if d := math.Abs(float64(out[i] - want[i])); d > 2*float64(inner+2)*u*(float64(inner)+1) || out[i] != out[i] {
				t.Fatalf("%s %+v op %d %+v beta=%v: [%d] = %v, per-tap %v", name, bl, op, s, beta, i, out[i], want[i])
			}
		}
	}
}
