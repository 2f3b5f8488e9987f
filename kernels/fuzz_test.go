package kernels_test

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

// One fuzz target per kernel family. Each compares every path this CPU
// supports with the generic path and checks properties that hold for any
// input; none may panic. Run with make fuzz (or go test -fuzz=FuzzX).

func floatsFrom(data []byte) []float64 {
	x := make([]float64, len(data)/8)
	for i := range x {
		x[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
	}
	return x
}

func float32sFrom(data []byte) []float32 {
	x := make([]float32, len(data)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return x
}

func bytesOf(x ...float64) []byte {
	b := make([]byte, 8*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
	}
	return b
}

// onPaths calls f on the generic path and then on every other path,
// passing fresh output slices; cmp compares each path's outputs with the
// generic ones.
func onPaths[T kernels.Float](t *testing.T, n int, f func(dst []T), cmp func(path string, got, want []T)) {
	want := make([]T, n)
	withPath("generic", func() { f(want) })
	for _, p := range kernels.Paths() {
		got := make([]T, n)
		withPath(p, func() { f(got) })
		cmp(p, got, want)
	}
}

func FuzzElementwise(f *testing.F) {
	f.Add(bytesOf(0, -0.0, 1, -1, math.Inf(1), math.NaN(), 0x1p-1074, 709.5, -745.1, 1e300, 0.5))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzElementwise(t, floatsFrom(data))
		fuzzElementwise(t, float32sFrom(data))
	})
}

func fuzzElementwise[T kernels.Float](t *testing.T, x []T) {
	y := make([]T, len(x))
	for i := range y {
		y[i] = x[len(x)-1-i]
	}
	names := []string{"Sqrt", "Square", "Acos", "Sin", "Cos", "Exp", "Log", "Atan2", "Sigmoid"}
	for k, name := range names {
		onPaths(t, len(x), func(dst []T) { elementwiseAll(dst, x, y)[k]() }, func(p string, got, want []T) {
			for i := range got {
				// Every path computes these with the same operations
				// (correctly rounded Sqrt and Square, the vector math
				// of elementwise_exp.go and elementwise_trig.go): the bits must agree, NaN with NaN.
				if got[i] != want[i] && !(got[i] != got[i] && want[i] != want[i]) || math.Signbit(float64(got[i])) != math.Signbit(float64(want[i])) && got[i] == got[i] {
					t.Fatalf("%s %s(%v): %v, generic %v", p, name, x[i], got[i], want[i])
				}
				g := float64(got[i])
				switch name {
				case "Acos":
					if !(g >= 0 && g <= math.Pi+1e-6) && !(math.Abs(float64(x[i])) > 1 || x[i] != x[i]) {
						t.Fatalf("Acos(%v) = %v", x[i], g)
					}
				case "Sin", "Cos":
					if math.Abs(g) > 1 || g != g && !math.IsInf(float64(x[i]), 0) && x[i] == x[i] {
						t.Fatalf("%s(%v) = %v", name, x[i], g)
					}
				case "Sigmoid":
					if !(g >= 0 && g <= 1) && !(g != g && x[i] != x[i]) {
						t.Fatalf("Sigmoid(%v) = %v", x[i], g)
					}
				case "Exp", "Sqrt", "Square":
					if g < 0 || g != g && x[i] == x[i] && !(name == "Sqrt" && x[i] < 0) {
						t.Fatalf("%s(%v) = %v", name, x[i], g)
					}
				}
			}
		})
	}
}

func FuzzLevel1(f *testing.F) {
	f.Add(bytesOf(1, 2, 3, -4, 1e300, 1e300, 1e-320))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzLevel1(t, floatsFrom(data))
		fuzzLevel1(t, float32sFrom(data))
	})
}

func fuzzLevel1[T kernels.Float](t *testing.T, x []T) {
	n := len(x)
	var mx, abs float64
	finite := true
	for _, v := range x {
		a := math.Abs(float64(v))
		mx = max(mx, a)
		abs += a
		finite = finite && a <= math.MaxFloat64
	}
	u := unit[T]()
	onPaths(t, 3, func(dst []T) {
		dst[0], dst[1], dst[2] = kernels.Sum(x), kernels.Dot(x, x), kernels.Norm2(x)
	}, func(p string, got, want []T) {
		if !finite {
			return
		}
		if e := math.Abs(float64(got[0]) - float64(want[0])); !(e <= 2*float64(n)*u*abs) && !math.IsInf(abs, 0) && !math.IsInf(float64(want[0]), 0) {
			t.Fatalf("%s Sum: %v vs generic %v", p, got[0], want[0])
		}
		nrm := float64(got[2])
		if n > 0 && !(nrm >= mx*(1-2*u) && nrm <= math.Sqrt(float64(n))*mx*(1+float64(n)*u)) && !math.IsInf(nrm, 1) {
			t.Fatalf("%s Norm2 = %v outside [max, sqrt(n) max] = [%v, %v]", p, nrm, mx, math.Sqrt(float64(n))*mx)
		}
		if !closeULP(got[2], want[2], uint64(n+4)) {
			t.Fatalf("%s Norm2: %v vs generic %v", p, got[2], want[2])
		}
	})
}

func FuzzSimplexSphere(f *testing.F) {
	f.Add(uint8(3), bytesOf(1, 0, 0, 0.2, 0.3, 0.5, 1e-300, 1, 2, 0, 0, 0))
	f.Add(uint8(4), bytesOf(0.1, 0.2, 0.3, 0.4, 0.25, 0.25, 0.25, 0.25, 1, 0, 0, 0, 0.7, 0.1, 0.1, 0.1))
	f.Fuzz(func(t *testing.T, db uint8, data []byte) {
		d := int(db%16) + 1
		fuzzSphere(t, d, floatsFrom(data))
		fuzzSphere(t, d, float32sFrom(data))
	})
}

// fuzzSphere maps rows to the orthant with ToSphere and checks the
// geometry kernels: unit rows, angles in [0, pi/2] (the orthant),
// ExpMap(LogMap) round trip, Slerp staying on the sphere, and agreement of
// every path with the generic one.
func fuzzSphere[T kernels.Float](t *testing.T, d int, raw []T) {
	n := len(raw) / d / 2
	if n == 0 {
		return
	}
	p := make([]T, 2*n*d)
	for i := range p {
		v := math.Abs(float64(raw[i]))
		if !(v <= 1e30) {
			v = 1
		}
		p[i] = T(v)
	}
	u := unit[T]()
	tol := (2*float64(d) + 20) * u
	sph := make([]T, len(p))
	kernels.ToSphere(sph, p, d)
	valid := make([]bool, 2*n)
	for r := 0; r < 2*n; r++ {
		row := sph[r*d : (r+1)*d]
		valid[r] = row[0] == row[0]
		if valid[r] {
			if e := math.Abs(float64(kernels.Norm2(row)) - 1); e > tol {
				t.Fatalf("ToSphere row %v has norm off by %g", row, e)
			}
			back := make([]T, d)
			kernels.ToSimplex(back, row, d)
			if e := math.Abs(float64(kernels.Sum(back)) - 1); e > tol {
				t.Fatalf("ToSimplex row sums to 1%+g", e)
			}
		}
	}
	x, y := sph[:n*d], sph[n*d:]
	dist := make([]T, n)
	kernels.SphereDist(dist, x, y, d)
	lg := make([]T, n*d)
	kernels.LogMap(lg, x, y, d)
	back := make([]T, n*d)
	kernels.ExpMap(back, x, lg, d)
	ts := make([]T, n)
	for i := range ts {
		ts[i] = T(float64(i%5) / 4)
	}
	mid := make([]T, n*d)
	kernels.Slerp(mid, x, y, ts, d)
	for i := 0; i < n; i++ {
		if !valid[i] || !valid[n+i] {
			continue
		}
		if th := float64(dist[i]); !(th >= 0 && th <= math.Pi/2+tol) {
			t.Fatalf("angle %v on the orthant", th)
		}
		for j := i * d; j < (i+1)*d; j++ {
			if math.Abs(float64(back[j])-float64(y[j])) > tol {
				t.Fatalf("ExpMap(LogMap(x, y)) = %v, want %v", back[i*d:(i+1)*d], y[i*d:(i+1)*d])
			}
		}
		if e := math.Abs(float64(kernels.Norm2(mid[i*d:(i+1)*d])) - 1); e > tol {
			t.Fatalf("Slerp left the sphere by %g", e)
		}
	}
	onPaths(t, n*n, func(dst []T) { kernels.PairwiseSphereDist(dst, x, y, d) }, func(path string, got, want []T) {
		for i := range got {
			if math.Abs(float64(got[i])-float64(want[i])) > tol*(1+float64(want[i])) && !(got[i] != got[i] && want[i] != want[i]) {
				t.Fatalf("%s PairwiseSphereDist[%d] = %v, generic %v", path, i, got[i], want[i])
			}
		}
	})
}

func FuzzGemm(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(5), uint8(7), false, true, int8(1), int8(0))
	f.Fuzz(func(t *testing.T, seed uint64, mb, nb, kb uint8, tA, tB bool, alpha, beta int8) {
		r := newRand(seed)
		m, n, k := int(mb%40), int(nb%40), int(kb%40)
		newGemmCase(r, tA, tB, m, n, k, float64(alpha)/4, float64(beta)/4).check(t)
		newGemmCase(r, tA, tB, m, n, k, float32(alpha)/4, float32(beta)/4).check(t)
	})
}

// FuzzUpdates checks that every path gives the generic path's bits for
// ScaleNeg and for an AdamW step (weights, and both moments), on any
// input, special values included.
func FuzzUpdates(f *testing.F) {
	f.Add(bytesOf(0, -0.0, 1, -1, math.Inf(1), math.NaN(), 0x1p-1074, 1e300, -3, 0.5, 2, 7))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzUpdates(t, floatsFrom(data))
		fuzzUpdates(t, float32sFrom(data))
	})
}

func fuzzUpdates[T kernels.Float](t *testing.T, x []T) {
	n := len(x)
	y := make([]T, n)
	for i := range y {
		y[i] = x[n-1-i]
	}
	same := func(p, what string, got, want []T) {
		for i := range got {
			if !sameFloat(float64(got[i]), float64(want[i])) {
				t.Fatalf("%s %s [%d] = %v, generic %v", p, what, i, got[i], want[i])
			}
		}
	}
	onPaths(t, n, func(dst []T) { kernels.ScaleNeg(dst, x, y, 0.01) }, func(p string, got, want []T) { same(p, "ScaleNeg", got, want) })
	// AdamW: the outputs are w and the moments, laid end to end.
	c := kernels.AdamWCoeffs{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Decay: 0.99, Step: 0.01, BiasCorr2: 0.03}
	onPaths(t, 3*n, func(dst []T) {
		w := append([]T(nil), x...)
		m, v := make([]float64, n), make([]float64, n)
		for i := range m {
			m[i], v[i] = float64(y[i]), math.Abs(float64(x[i]))
		}
		kernels.AdamW(w, y, m, v, c)
		copy(dst, w)
		for i := range m {
			dst[n+i], dst[2*n+i] = T(m[i]), T(v[i])
		}
	}, func(p string, got, want []T) { same(p, "AdamW w, m, v", got, want) })
}
