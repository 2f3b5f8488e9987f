package kernels_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/fisherflow/fisherflow/internal/testutil"
	"github.com/fisherflow/fisherflow/kernels"
)

const prec = testutil.Prec

func bf(x float64) *big.Float { return testutil.Big(x) }

func bigRow[T kernels.Float](x []T) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// spherePairs returns n pairs of unit rows of length d on the positive
// orthant: random pairs, one-hot corners, identical rows and close pairs
// at angles down to about 1e-12.
func spherePairs[T kernels.Float](r *rand.Rand, n, d int) (x, y []T) {
	x, y = make([]T, n*d), make([]T, n*d)
	p := randSimplexRows[float64](r, 2*n, d)
	sp := make([]float64, len(p))
	kernels.ToSphere(sp, p, d)
	for i := 0; i < n; i++ {
		a, b := sp[2*i*d:(2*i+1)*d], sp[(2*i+1)*d:(2*i+2)*d]
		switch i % 5 {
		case 3: // identical
			b = a
		case 4: // close: perturb and renormalise
			eps := math.Ldexp(1, -10-r.IntN(30))
			c := make([]float64, d)
			for j := range c {
				c[j] = math.Abs(a[j] + eps*(r.Float64()-0.5))
			}
			kernels.Scale(1/kernels.Norm2(c), c)
			b = c
		}
		for j := 0; j < d; j++ {
			x[i*d+j], y[i*d+j] = T(a[j]), T(b[j])
		}
	}
	return x, y
}

// sphereDims are the row lengths the sphere tests sweep: 2..8 take the
// SIMD paths' short-row kernels (across rows; the 25 rows of a test end
// in a partial block on every path), 1 and 9..11 the generic loops on
// every path, and the lengths from 12 up the long-row kernels with every
// kind of tail (mask lengths 1..15 of a 16-lane vector, 1..7 of 8 lanes).
var sphereDims = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 17, 19, 23, 29, 31, 40, 160}

func TestSphereDist(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		testSphereDist[float32](t)
		testSphereDist[float64](t)
	})
}

func testSphereDist[T kernels.Float](t *testing.T) {
	r := newRand(21)
	u := unit[T]()
	for _, d := range sphereDims {
		n := 25
		x, y := spherePairs[T](r, n, d)
		dst := testutil.NewGuarded[T](n, 1, 0)
		kernels.SphereDist(dst.S(), x, y, d)
		if err := dst.Check(); err != nil {
			t.Fatal(err)
		}
		pw := make([]T, n*n)
		kernels.PairwiseSphereDist(pw, x, y, d)
		for i := 0; i < n; i++ {
			want := testutil.Angle(bigRow(x[i*d:(i+1)*d]), bigRow(y[i*d:(i+1)*d]))
			if !relClose(float64(dst.S()[i]), want, (float64(d)+8)*u) {
				t.Fatalf("d=%d pair %d: got %v want %s", d, i, dst.S()[i], want.Text('g', 17))
			}
			if i%5 == 3 && dst.S()[i] != 0 {
				t.Fatalf("identical rows: angle %v, want 0", dst.S()[i])
			}
			// Every seventh pair, and the pairs (i, i): identical and
			// close ones among them.
			for _, j := range []int{0, 7, 14, 21, i} {
				want := testutil.Angle(bigRow(x[i*d:(i+1)*d]), bigRow(y[j*d:(j+1)*d]))
				if !relClose(float64(pw[i*n+j]), want, (float64(d)+8)*u) {
					t.Fatalf("pairwise d=%d (%d,%d): got %v want %s", d, i, j, pw[i*n+j], want.Text('g', 17))
				}
			}
			if i%5 == 3 && pw[i*n+i] != 0 {
				t.Fatalf("pairwise identical rows: angle %v, want 0", pw[i*n+i])
			}
		}
	}
	// Corners: e1, e2 are pi/2 apart.
	got := []T{0}
	kernels.SphereDist(got, []T{1, 0, 0}, []T{0, 1, 0}, 3)
	if math.Abs(float64(got[0])-math.Pi/2) > 2*u {
		t.Errorf("corner angle %v", got[0])
	}
}

func TestSlerp(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		testSlerp[float32](t)
		testSlerp[float64](t)
	})
}

func testSlerp[T kernels.Float](t *testing.T) {
	r := newRand(22)
	u := unit[T]()
	for _, d := range sphereDims {
		n := 25
		x0, x1 := spherePairs[T](r, n, d)
		ts := make([]T, n)
		for i := range ts {
			ts[i] = T(r.Float64())
		}
		ts[0], ts[1] = 0, 1
		dst := testutil.NewGuarded[T](n*d, 2, 0)
		kernels.Slerp(dst.S(), x0, x1, ts, d)
		if err := dst.Check(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			a, b, out := x0[i*d:(i+1)*d], x1[i*d:(i+1)*d], dst.S()[i*d:(i+1)*d]
			th := testutil.Angle(bigRow(a), bigRow(b))
			exact := ts[i] == 0 || ts[i] == 1 || th.Sign() == 0
			var ca, cb *big.Float
			if th.Sign() == 0 {
				ca, cb = bf(1), bf(0)
			} else {
				s, _ := testutil.SinCosBig(th)
				tt := bf(float64(ts[i]))
				sa, _ := testutil.SinCosBig(new(big.Float).SetPrec(prec).Mul(new(big.Float).SetPrec(prec).Sub(bf(1), tt), th))
				sb, _ := testutil.SinCosBig(new(big.Float).SetPrec(prec).Mul(tt, th))
				ca, cb = sa.Quo(sa, s), sb.Quo(sb, s)
			}
			for j := range out {
				want := new(big.Float).SetPrec(prec).Mul(ca, bf(float64(a[j])))
				want.Add(want, new(big.Float).SetPrec(prec).Mul(cb, bf(float64(b[j]))))
				if e := absErr(float64(out[j]), want); e > (float64(d)+10)*u {
					t.Fatalf("d=%d row %d t=%v [%d]: got %v want %s", d, i, ts[i], j, out[j], want.Text('g', 17))
				}
				if exact {
					w := a[j]
					if ts[i] == 1 && th.Sign() != 0 {
						w = b[j]
					}
					if out[j] != w {
						t.Fatalf("d=%d row %d t=%v: not exact: %v vs %v", d, i, ts[i], out[j], w)
					}
				}
			}
		}
		// Aliasing dst with x0, then with x1.
		for _, which := range []int{0, 1} {
			c0, c1 := append([]T(nil), x0...), append([]T(nil), x1...)
			alias := [][]T{c0, c1}[which]
			kernels.Slerp(alias, c0, c1, ts, d)
			for i := range alias {
				if alias[i] != dst.S()[i] {
					t.Fatalf("aliased Slerp (x%d) differs at %d", which, i)
				}
			}
		}
	}
}

func absErr(got float64, want *big.Float) float64 {
	d := new(big.Float).Sub(bf(got), want)
	e, _ := d.Abs(d).Float64()
	return e
}

func TestLogExpMap(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		testLogExpMap[float32](t)
		testLogExpMap[float64](t)
	})
}

func testLogExpMap[T kernels.Float](t *testing.T) {
	r := newRand(23)
	u := unit[T]()
	for _, d := range sphereDims {
		n := 25
		x, y := spherePairs[T](r, n, d)
		lg := testutil.NewGuarded[T](n*d, 1, 0)
		kernels.LogMap(lg.S(), x, y, d)
		ex := testutil.NewGuarded[T](n*d, 2, 0)
		kernels.ExpMap(ex.S(), x, lg.S(), d)
		for _, g := range []*testutil.Guarded[T]{lg, ex} {
			if err := g.Check(); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < n; i++ {
			a, b := x[i*d:(i+1)*d], y[i*d:(i+1)*d]
			v, back := lg.S()[i*d:(i+1)*d], ex.S()[i*d:(i+1)*d]
			th := testutil.Angle(bigRow(a), bigRow(b))
			// LogMap = (y - cos(th) x) * th/sin(th).
			k, c := bf(1), bf(1)
			if th.Sign() != 0 {
				s, cc := testutil.SinCosBig(th)
				k, c = new(big.Float).SetPrec(prec).Quo(th, s), cc
			}
			for j := range v {
				want := new(big.Float).SetPrec(prec).Sub(bf(float64(b[j])), new(big.Float).SetPrec(prec).Mul(c, bf(float64(a[j]))))
				want.Mul(want, k)
				if e := absErr(float64(v[j]), want); e > (float64(d)+10)*u {
					t.Fatalf("LogMap d=%d row %d [%d]: got %v want %s", d, i, j, v[j], want.Text('g', 17))
				}
				if th.Sign() == 0 && v[j] != 0 {
					t.Fatalf("LogMap of identical rows not zero: %v", v)
				}
				// Round trip.
				if math.Abs(float64(back[j])-float64(b[j])) > (2*float64(d)+20)*u {
					t.Fatalf("ExpMap(LogMap) d=%d row %d [%d]: %v, want %v", d, i, j, back[j], b[j])
				}
			}
		}
		// ExpMap against its formula for random tangent vectors of
		// norms up to 3, and ExpMap(x, 0) = x exactly.
		v := make([]T, n*d)
		for i := range v {
			v[i] = T((r.Float64() - 0.5) * 3 / math.Sqrt(float64(d)))
		}
		kernels.ProjectTangent(v, x, v, d)
		kernels.ExpMap(ex.S(), x, v, d)
		for i := 0; i < n; i++ {
			a, w, out := x[i*d:(i+1)*d], v[i*d:(i+1)*d], ex.S()[i*d:(i+1)*d]
			nn := new(big.Float).SetPrec(prec)
			for _, f := range w {
				b := bf(float64(f))
				nn.Add(nn, b.Mul(b, b))
			}
			nn.Sqrt(nn)
			s, c := testutil.SinCosBig(nn)
			if nn.Sign() != 0 {
				s.Quo(s, nn)
			}
			nv, _ := nn.Float64()
			for j := range out {
				want := new(big.Float).SetPrec(prec).Mul(c, bf(float64(a[j])))
				want.Add(want, new(big.Float).SetPrec(prec).Mul(s, bf(float64(w[j]))))
				if e := absErr(float64(out[j]), want); e > (float64(d)+6)*u*math.Max(1, nv) {
					t.Fatalf("ExpMap d=%d row %d [%d]: got %v want %s", d, i, j, out[j], want.Text('g', 17))
				}
			}
		}
		zero := make([]T, n*d)
		kernels.ExpMap(zero, x, zero, d)
		for i := range zero {
			if zero[i] != x[i] {
				t.Fatalf("ExpMap(x, 0) != x at %d", i)
			}
		}
	}
}

func TestProjectTangent(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		testProjectTangent[float32](t)
		testProjectTangent[float64](t)
	})
}

func testProjectTangent[T kernels.Float](t *testing.T) {
	r := newRand(24)
	u := unit[T]()
	for _, d := range sphereDims {
		n := 20
		x, _ := spherePairs[T](r, n, d)
		v := make([]T, n*d)
		for i := range v {
			v[i] = T(r.NormFloat64())
		}
		dst := testutil.NewGuarded[T](n*d, 3, 0)
		kernels.ProjectTangent(dst.S(), x, v, d)
		if err := dst.Check(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			a, w, out := x[i*d:(i+1)*d], v[i*d:(i+1)*d], dst.S()[i*d:(i+1)*d]
			p := new(big.Float).SetPrec(prec)
			var vn float64
			for j := range a {
				p.Add(p, new(big.Float).SetPrec(prec).Mul(bf(float64(a[j])), bf(float64(w[j]))))
				vn += float64(w[j]) * float64(w[j])
			}
			vn = math.Sqrt(vn)
			for j := range out {
				want := new(big.Float).SetPrec(prec).Sub(bf(float64(w[j])), new(big.Float).SetPrec(prec).Mul(p, bf(float64(a[j]))))
				if e := absErr(float64(out[j]), want); e > (float64(d)+3)*u*vn {
					t.Fatalf("d=%d row %d [%d]: got %v want %s", d, i, j, out[j], want.Text('g', 17))
				}
			}
		}
		// In place on v, and on x.
		vc, xc := append([]T(nil), v...), append([]T(nil), x...)
		kernels.ProjectTangent(vc, x, vc, d)
		kernels.ProjectTangent(xc, xc, v, d)
		for i := range vc {
			if vc[i] != dst.S()[i] || xc[i] != dst.S()[i] {
				t.Fatalf("aliased ProjectTangent differs at %d", i)
			}
		}
	}
}
