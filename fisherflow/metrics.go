package fisherflow

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/fisherflow/fisherflow/kernels"
)

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
	var js float64
	for p := 0; p < positions; p++ {
		js += jsDivergence(fa[p], fb[p])
	}
	return js / float64(positions)
}

// jsDivergence is the Jensen-Shannon divergence (natural log) between two
// discrete distributions on the same bins, with 0 log 0 = 0.
func jsDivergence(p, q []float64) float64 {
	kl := func(a, m float64) float64 {
		if a == 0 {
			return 0
		}
		return a * math.Log(a/m)
	}
	var js float64
	for i := range p {
		m := (p[i] + q[i]) / 2
		js += (kl(p[i], m) + kl(q[i], m)) / 2
	}
	return js
}

// KmerJS returns the k-mer spectrum distance between two sets of
// sequences (n x length symbols): the Jensen-Shannon divergence (natural
// log, at most log 2) between the frequencies of the alphabet^k k-mers
// over every window of every sequence of each set. Windows that contain a
// symbol outside 0..alphabet-1 (an N, a padding class) are skipped. It is
// 0 for identical spectra; the DNA benchmarks report it for k = 3..6.
func KmerJS(a, b []int, length, alphabet, k int) float64 {
	if length <= 0 || alphabet <= 0 || k <= 0 || len(a)%length != 0 || len(b)%length != 0 {
		panic(fmt.Sprintf("fisherflow.KmerJS: length %d, alphabet %d, k %d, len(a)=%d, len(b)=%d", length, alphabet, k, len(a), len(b)))
	}
	bins := 1
	for range k {
		bins *= alphabet
	}
	spectrum := func(s []int) []float64 {
		f := make([]float64, bins)
		var n float64
		for start := 0; start < len(s); start += length {
			seq := s[start : start+length]
		window:
			for i := 0; i+k <= length; i++ {
				code := 0
				for _, c := range seq[i : i+k] {
					if c < 0 || c >= alphabet {
						continue window
					}
					code = code*alphabet + c
				}
				f[code]++
				n++
			}
		}
		if n > 0 {
			for i := range f {
				f[i] /= n
			}
		}
		return f
	}
	return jsDivergence(spectrum(a), spectrum(b))
}

// FrechetDistance returns the Fréchet distance between Gaussians fitted
// to two sets of embeddings (rows of dim values; x holds len(x)/dim
// points, y len(y)/dim): |mu_x - mu_y|^2 + Tr(S_x + S_y - 2 (S_x^(1/2)
// S_y S_x^(1/2))^(1/2)), with unbiased covariances. This is the
// distance behind FID and, on the embeddings of a sequence classifier,
// the FBD of the DNA benchmarks; it is computed over whole sets (not per
// batch), so its small-sample bias is that of the covariances. The
// square roots come from symmetric eigendecompositions with negative
// rounding-level eigenvalues clipped to 0. Each set needs at least two
// points.
func FrechetDistance(x, y []float64, dim int) (float64, error) {
	if dim < 1 || len(x)%dim != 0 || len(y)%dim != 0 || len(x) < 2*dim || len(y) < 2*dim {
		return 0, fmt.Errorf("fisherflow.FrechetDistance: %d and %d values are not two or more rows of %d", len(x), len(y), dim)
	}
	mx, sx := meanCov(x, dim)
	my, sy := meanCov(y, dim)
	var d2 float64
	for i := range mx {
		d2 += (mx[i] - my[i]) * (mx[i] - my[i])
	}
	root, err := symSqrt(sx)
	if err != nil {
		return 0, err
	}
	var m mat.Dense
	m.Mul(root, sy)
	m.Mul(&m, root)
	ms := mat.NewSymDense(dim, nil) // root S_y root, symmetrised
	for i := 0; i < dim; i++ {
		for j := i; j < dim; j++ {
			ms.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(ms, false) {
		return 0, fmt.Errorf("fisherflow.FrechetDistance: eigendecomposition failed")
	}
	var trSqrt float64
	for _, l := range eig.Values(nil) {
		trSqrt += math.Sqrt(max(l, 0))
	}
	return d2 + mat.Trace(sx) + mat.Trace(sy) - 2*trSqrt, nil
}

// meanCov returns the mean and the unbiased covariance of rows of dim.
func meanCov(x []float64, dim int) ([]float64, *mat.SymDense) {
	n := len(x) / dim
	mu := make([]float64, dim)
	for r := 0; r < n; r++ {
		kernels.Axpy(1, x[r*dim:(r+1)*dim], mu)
	}
	kernels.Scale(1/float64(n), mu)
	c := mat.NewSymDense(dim, nil)
	d := make([]float64, dim)
	for r := 0; r < n; r++ {
		for i, v := range x[r*dim : (r+1)*dim] {
			d[i] = v - mu[i]
		}
		c.SymRankOne(c, 1/float64(n-1), mat.NewVecDense(dim, d))
	}
	return mu, c
}

// symSqrt returns the square root of the symmetric positive semidefinite
// s (eigenvalues below 0, from rounding, taken as 0).
func symSqrt(s *mat.SymDense) (*mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, fmt.Errorf("fisherflow.FrechetDistance: eigendecomposition failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	n := len(vals)
	root := mat.NewDense(n, n, nil)
	scaled := mat.DenseCopyOf(&vecs)
	for j, l := range vals {
		f := math.Sqrt(max(l, 0))
		for i := 0; i < n; i++ {
			scaled.Set(i, j, scaled.At(i, j)*f)
		}
	}
	root.Mul(scaled, vecs.T())
	return root, nil
}

// A SequencePredictor maps sequences (of class indices) to one number
// each. For the promoter benchmark's SP-MSE that number is the Sei
// network's mean H3K4me3 prediction (Sei's 21,907 outputs, the 2,350
// whose target is H3K4me3, on the 1024-bp one-hot sequence centred in
// 4096 bp of 0.25 padding). Sei and its weights are not available to this
// project, so no implementation ships with it: plug in any predictor.
type SequencePredictor interface {
	Predict(seqs [][]int) ([]float64, error)
}

// SPMSE returns the mean over pairs of (p(generated_i) - p(truth_i))^2:
// the promoter benchmark's SP-MSE when p is Sei's H3K4me3 predictor and
// generated_i was sampled under the signal of truth_i.
func SPMSE(p SequencePredictor, generated, truth [][]int) (float64, error) {
	if len(generated) != len(truth) || len(truth) == 0 {
		return 0, fmt.Errorf("fisherflow.SPMSE: %d generated sequences for %d true ones (want equal, at least one)", len(generated), len(truth))
	}
	pg, err := p.Predict(generated)
	if err != nil {
		return 0, fmt.Errorf("fisherflow.SPMSE: generated sequences: %w", err)
	}
	pt, err := p.Predict(truth)
	if err != nil {
		return 0, fmt.Errorf("fisherflow.SPMSE: true sequences: %w", err)
	}
	if len(pg) != len(generated) || len(pt) != len(truth) {
		return 0, fmt.Errorf("fisherflow.SPMSE: the predictor returned %d and %d values for %d pairs", len(pg), len(pt), len(truth))
	}
	var s float64
	for i := range pg {
		d := pg[i] - pt[i]
		s += d * d
	}
	return s / float64(len(pg)), nil
}
