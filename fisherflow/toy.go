package fisherflow

import (
	"math"
	"math/rand/v2"
)

// Toy is the synthetic benchmark of Dirichlet and Fisher flow matching:
// Len independent categoricals over K classes, each with
// probabilities softmax(U[0,1)^K), drawn once from the seed.
type Toy struct {
	K, Len int
	// Probs[p][c] is the target probability of class c at position p.
	Probs [][]float64
}

// NewToy draws the target distribution.
func NewToy(k, positions int, seed uint64) *Toy {
	r := rand.New(rand.NewPCG(seed, 0x70a))
	t := &Toy{K: k, Len: positions}
	for p := 0; p < positions; p++ {
		row := make([]float64, k)
		var s float64
		for c := range row {
			row[c] = math.Exp(r.Float64())
			s += row[c]
		}
		for c := range row {
			row[c] /= s
		}
		t.Probs = append(t.Probs, row)
	}
	return t
}

// Sample fills seq (n sequences x Len) with draws from the target.
func (t *Toy) Sample(r *rand.Rand, seq []int) {
	for i := range seq {
		probs := t.Probs[i%t.Len]
		u := r.Float64()
		c := 0
		for c < t.K-1 && u >= probs[c] {
			u -= probs[c]
			c++
		}
		seq[i] = c
	}
}

// Counts returns counts[p][c], the number of sequences in seqs (n x
// Len categories) with class c at position p.
func (t *Toy) Counts(seqs []int) [][]int {
	counts := make([][]int, t.Len)
	for p := range counts {
		counts[p] = make([]int, t.K)
	}
	for i, c := range seqs {
		counts[i%t.Len][c]++
	}
	return counts
}

// KL returns the mean over positions of KL(empirical || target), sum_c
// q_c log(q_c/p_c) with 0 log 0 = 0, for counts[p][c] of generated classes.
func (t *Toy) KL(counts [][]int) float64 {
	var kl float64
	for p, row := range counts {
		n := 0
		for _, c := range row {
			n += c
		}
		for c, cnt := range row {
			if cnt == 0 {
				continue
			}
			q := float64(cnt) / float64(n)
			kl += q * math.Log(q/t.Probs[p][c])
		}
	}
	return kl / float64(len(counts))
}
