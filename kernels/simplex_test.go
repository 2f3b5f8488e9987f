package kernels_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/fisherflow/fisherflow/internal/testutil"
	"github.com/fisherflow/fisherflow/kernels"
)

// randSimplexRows returns n rows of length d on the simplex, mixing dense
// rows, sparse rows with exact zeros, one-hot corners and unnormalised
// weights.
func randSimplexRows[T kernels.Float](r *rand.Rand, n, d int) []T {
	p := make([]T, n*d)
	for i := 0; i < n; i++ {
		row := p[i*d : (i+1)*d]
		switch i % 4 {
		case 0: // one-hot
			row[r.IntN(d)] = 1
		case 1: // sparse, unnormalised
			for j := range row {
				if r.IntN(3) == 0 {
					row[j] = T(r.Float64() * 10)
				}
			}
			row[r.IntN(d)] = T(0.5 + r.Float64())
		default: // dense with a wide range of magnitudes
			var s float64
			for j := range row {
				v := math.Ldexp(r.Float64(), -r.IntN(30))
				row[j] = T(v)
				s += float64(row[j])
			}
			for j := range row {
				row[j] = T(float64(row[j]) / s)
			}
		}
	}
	return p
}

func TestToSphere(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		testToSphere[float32](t)
		testToSphere[float64](t)
	})
}

func testToSphere[T kernels.Float](t *testing.T) {
	r := newRand(5)
	u := unit[T]()
	for _, d := range []int{1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 16, 17, 19, 23, 29, 31, 33, 64, 160} {
		for _, n := range []int{0, 1, 3, 9} {
			p := randSimplexRows[T](r, n, d)
			dst := testutil.NewGuarded[T](n*d, d%3, 0)
			kernels.ToSphere(dst.S(), p, d)
			if err := dst.Check(); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < n; i++ {
				row, out := p[i*d:(i+1)*d], dst.S()[i*d:(i+1)*d]
				ref := sphereRef(row)
				for j, v := range row {
					want := ref(j)
					if !relClose(float64(out[j]), want, (float64(d)/2+2)*u) {
						t.Fatalf("d=%d row %d [%d]: got %v want %s", d, i, j, out[j], want.Text('g', 17))
					}
					if v == 1 && out[j] != 1 || v == 0 && out[j] != 0 {
						t.Fatalf("corner not exact: p=%v -> %v", v, out[j])
					}
				}
			}
			// In place.
			pc := append([]T(nil), p...)
			kernels.ToSphere(pc, pc, d)
			for i := range pc {
				if pc[i] != dst.S()[i] {
					t.Fatalf("aliased ToSphere differs at %d", i)
				}
			}
		}
	}
	// Tiny entries keep their relative accuracy, down to the smallest
	// subnormal and in rows whose sums are huge; roots that are
	// themselves subnormal are within one subnormal step.
	tiny := []float64{0x1p-149, 0x1p-140, 3 * 0x1p-135, 0x1p-127, 0x1p-126, 0x1.8p-126, 0x1p-100, 0x1p-60, 0.25, 1}
	smallest, minNormal := 0x1p-1074, 0x1p-1022
	if u == 0x1p-24 {
		smallest, minNormal = 0x1p-149, 0x1p-126
	}
	for _, sum := range []float64{1, 0x1p60, 0x1p126} {
		d := 16
		row := make([]T, d)
		for j := range row {
			row[j] = T(tiny[j%len(tiny)])
		}
		row[d-1] = T(sum)
		out := make([]T, d)
		kernels.ToSphere(out, row, d)
		ref := sphereRef(row)
		for j, v := range row {
			want := ref(j)
			w, _ := want.Float64()
			if w < minNormal {
				if math.Abs(float64(out[j])-w) > smallest+(float64(d)/2+2)*u*math.Abs(w) {
					t.Fatalf("row sum %g: [%d] = %g got %g, want %g (subnormal)", sum, j, float64(v), float64(out[j]), w)
				}
				continue
			}
			if !relClose(float64(out[j]), want, (float64(d)/2+2)*u) {
				t.Fatalf("row sum %g: [%d] = %g got %g want %s", sum, j, float64(v), float64(out[j]), want.Text('g', 17))
			}
		}
	}
	// Invalid rows: zero, Inf and NaN rows become NaN; a negative entry
	// gives NaN in that entry only.
	nan, inf := T(math.NaN()), T(math.Inf(1))
	p := []T{0, 0, 0, 1, inf, 0, nan, 1, 1, 0.5, -0.25, 0.75}
	dst := make([]T, len(p))
	kernels.ToSphere(dst, p, 3)
	for i := 0; i < 9; i++ {
		if dst[i] == dst[i] {
			t.Errorf("invalid row entry %d = %v, want NaN", i, dst[i])
		}
	}
	if dst[9] != T(math.Sqrt(0.5)) || dst[10] == dst[10] || dst[11] != T(math.Sqrt(0.75)) {
		t.Errorf("negative entry row = %v", dst[9:])
	}
}

// sphereRef returns the exact ToSphere of row's entries (512-bit): entry
// j is sqrt(row[j] / sum(row)).
func sphereRef[T kernels.Float](row []T) func(j int) *big.Float {
	s := new(big.Float).SetPrec(512)
	for _, v := range row {
		s.Add(s, big.NewFloat(float64(v)))
	}
	return func(j int) *big.Float {
		q := new(big.Float).SetPrec(512).Quo(big.NewFloat(float64(row[j])), s)
		return q.Sqrt(q)
	}
}

// relClose reports |got - want| <= tol*|want| (or both zero).
func relClose(got float64, want *big.Float, tol float64) bool {
	d := new(big.Float).Sub(big.NewFloat(got), want)
	e, _ := d.Abs(d).Float64()
	w, _ := new(big.Float).Abs(want).Float64()
	return e <= tol*w
}

func TestToSimplex(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		testToSimplex[float32](t, 1)
		testToSimplex[float64](t, 1)
		testToSimplex[float64](t, 1e200)
		testToSimplex[float64](t, 1e-200)
		testToSimplex[float64](t, 0x1p-1070)
		testToSimplex[float32](t, 1e30)
		testToSimplex[float32](t, 1e-30)
	})
}

func testToSimplex[T kernels.Float](t *testing.T, scale float64) {
	r := newRand(6)
	u := unit[T]()
	for _, d := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 16, 19, 23, 31, 160} {
		n := 7
		x := make([]T, n*d)
		for i := range x {
			x[i] = T((r.Float64() - 0.3) * scale)
		}
		x[r.IntN(d)] = T(scale) // no all-zero row from subnormal rounding
		dst := testutil.NewGuarded[T](n*d, 1, 0)
		kernels.ToSimplex(dst.S(), x, d)
		if err := dst.Check(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			row, out := x[i*d:(i+1)*d], dst.S()[i*d:(i+1)*d]
			s := new(big.Float).SetPrec(2048)
			for _, v := range row {
				b := big.NewFloat(float64(v))
				s.Add(s, b.Mul(b, b))
			}
			if s.Sign() == 0 {
				continue
			}
			for j, v := range row {
				b := new(big.Float).SetPrec(2048).SetFloat64(float64(v))
				want := b.Quo(b.Mul(b, b), s)
				if !relClose(float64(out[j]), want, (float64(d)+2)*u) {
					t.Fatalf("scale %g d=%d row %d [%d]: got %v want %s", scale, d, i, j, out[j], want.Text('g', 17))
				}
			}
		}
	}
	// Corners are exact; invalid rows are NaN.
	nan, inf := T(math.NaN()), T(math.Inf(1))
	x := []T{0, -1, 0, 0, 0, 0, 1, inf, 0, nan, 1, 1}
	dst := make([]T, len(x))
	kernels.ToSimplex(dst, x, 3)
	if dst[0] != 0 || dst[1] != 1 || dst[2] != 0 {
		t.Errorf("corner: %v", dst[:3])
	}
	for i := 3; i < 12; i++ {
		if dst[i] == dst[i] {
			t.Errorf("invalid row entry %d = %v, want NaN", i, dst[i])
		}
	}
	// Round trip from the simplex.
	p := randSimplexRows[T](newRand(9), 8, 5)
	kernels.ToSphere(dst[:0:0], p[:0], 5)
	sph := make([]T, len(p))
	kernels.ToSphere(sph, p, 5)
	kernels.ToSimplex(sph, sph, 5)
	for i := 0; i < 8; i++ {
		var s float64
		for j := 0; j < 5; j++ {
			s += float64(p[i*5+j])
		}
		for j := 0; j < 5; j++ {
			want := float64(p[i*5+j]) / s
			if math.Abs(float64(sph[i*5+j])-want) > 20*u*math.Max(want, 1e-30)+1e-300 {
				t.Fatalf("round trip row %d: %v vs %v", i, sph[i*5:i*5+5], p[i*5:i*5+5])
			}
		}
	}
}
