package fisherflow

import "math"

// EnergyDistance returns the energy distance between two point sets of
// the same dimension (rows of dim),
//
//	2 E|X - Y| - E|X - X'| - E|Y - Y'|,
//
// with the within-set means over distinct pairs (the unbiased U-statistic),
// so it is about 0 for two samples of one distribution and positive when
// they differ. It needs at least two points in each set.
func EnergyDistance(x, y []float64, dim int) float64 {
	nx, ny := len(x)/dim, len(y)/dim
	mean := func(a, b []float64, na, nb int, same bool) float64 {
		var s float64
		for i := 0; i < na; i++ {
			ai := a[i*dim : (i+1)*dim]
			j0 := 0
			if same {
				j0 = i + 1
			}
			for j := j0; j < nb; j++ {
				bj := b[j*dim : (j+1)*dim]
				var d2 float64
				for k := range ai {
					d := ai[k] - bj[k]
					d2 += d * d
				}
				s += math.Sqrt(d2)
			}
		}
		if same {
			return s / float64(na*(na-1)/2)
		}
		return s / float64(na*nb)
	}
	return 2*mean(x, y, nx, ny, false) - mean(x, x, nx, nx, true) - mean(y, y, ny, ny, true)
}

// JSMarginals returns the mean over positions of the Jensen-Shannon
// divergence (natural log, at most log 2) between the per-position class
// frequencies of two sets of sequences (n x positions classes in [0, k)).
// Unlike KL it stays finite when one set never shows a class.
func JSMarginals(a, b []int, positions, k int) float64 {
	freq := func(s []int) [][]float64 {
		f := make([][]float64, positions)
		for p := range f {
			f[p] = make([]float64, k)
		}
		n := float64(len(s) / positions)
		for i, c := range s {
			f[i%positions][c] += 1 / n
		}
		return f
	}
	fa, fb := freq(a), freq(b)
	kl := func(p, m float64) float64 {
		if p == 0 {
			return 0
		}
		return p * math.Log(p/m)
	}
	var js float64
	for p := 0; p < positions; p++ {
		for c := 0; c < k; c++ {
			m := (fa[p][c] + fb[p][c]) / 2
			js += (kl(fa[p][c], m) + kl(fb[p][c], m)) / 2
		}
	}
	return js / float64(positions)
}
