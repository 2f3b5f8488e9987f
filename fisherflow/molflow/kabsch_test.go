package molflow

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomRotation returns a uniformly random rotation (from a normalised
// Gaussian quaternion).
func randomRotation(r *rand.Rand) Rotation {
	return quatRotation([4]float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64(), r.NormFloat64()})
}

// centredCloud returns n random points with zero mean.
func centredCloud(r *rand.Rand, n int) []float64 {
	p := make([]float64, 3*n)
	for i := range p {
		p[i] = r.NormFloat64()
	}
	removeMean3(p)
	return p
}

func maxRotDiff(a, b Rotation) float64 {
	m := 0.0
	for i := range 3 {
		for j := range 3 {
			m = max(m, math.Abs(a[i][j]-b[i][j]))
		}
	}
	return m
}

func TestKabschRecoversRotation(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		n := 3 + trial%20
		p := centredCloud(r, n)
		R := randomRotation(r)
		q := append([]float64(nil), p...)
		R.Apply(q)
		got, err := Kabsch(p, q)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxRotDiff(got, R); d > 1e-10 {
			t.Fatalf("trial %d (n=%d): rotation off by %g", trial, n, d)
		}
	}
}

func TestKabschReflectionGivesRotation(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 50; trial++ {
		p := centredCloud(r, 8)
		q := append([]float64(nil), p...)
		for i := 0; i < len(q); i += 3 {
			q[i] = -q[i] // a mirror image: the covariance has det < 0
		}
		R, err := Kabsch(p, q)
		if err != nil {
			t.Fatal(err)
		}
		if d := R.Det(); math.Abs(d-1) > 1e-12 {
			t.Fatalf("det %v, want 1", d)
		}
		// Optimal among proper rotations: no random rotation does better.
		best := rmsd(R, p, q)
		for k := 0; k < 200; k++ {
			S := randomRotation(r)
			if e := rmsd(S, p, q); e < best-1e-12 {
				t.Fatalf("random rotation beats Kabsch: %v < %v", e, best)
			}
		}
	}
}

func rmsd(R Rotation, p, q []float64) float64 {
	x := append([]float64(nil), p...)
	R.Apply(x)
	s := 0.0
	for i := range x {
		s += (x[i] - q[i]) * (x[i] - q[i])
	}
	return s
}

func TestKabschDegenerate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	R0 := randomRotation(r)
	line := []float64{-1, -2, -3, 0, 0, 0, 1, 2, 3}
	lineRot := append([]float64(nil), line...)
	R0.Apply(lineRot)
	cases := map[string][2][]float64{
		"coincident":       {make([]float64, 12), make([]float64, 12)},
		"one point":        {[]float64{0, 0, 0}, []float64{0, 0, 0}},
		"empty":            {nil, nil},
		"collinear":        {line, lineRot},
		"collinear-zero":   {line, make([]float64, 9)},
		"planar":           {[]float64{1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0}, []float64{0, 1, 0, 0, -1, 0, -1, 0, 0, 1, 0, 0}},
		"non-finite input": {[]float64{math.NaN(), 0, 0}, []float64{1, 0, 0}},
	}
	for name, c := range cases {
		R, err := Kabsch(c[0], c[1])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := range 3 {
			for j := range 3 {
				if math.IsNaN(R[i][j]) || math.IsInf(R[i][j], 0) {
					t.Fatalf("%s: non-finite rotation %v", name, R)
				}
			}
		}
		if d := R.Det(); math.Abs(d-1) > 1e-12 {
			t.Fatalf("%s: det %v", name, d)
		}
		if name == "collinear" || name == "planar" {
			if e := rmsd(R, c[0], c[1]); e > 1e-20 {
				t.Fatalf("%s: residual %g, want an exact fit", name, e)
			}
		}
	}
	if _, err := Kabsch(make([]float64, 6), make([]float64, 3)); err == nil {
		t.Fatal("mismatched lengths: want an error")
	}
}
