package mol

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// Splits is a train/validation/test partition of a data set as ascending
// indices into it, with the seed that drew it, ready to be recorded as
// JSON in a run folder.
type Splits struct {
	Seed  uint64 `json:"seed"`
	Train []int  `json:"train"`
	Val   []int  `json:"val"`
	Test  []int  `json:"test"`
}

// Split partitions mols by a fixed seed into train, validation and test
// sets of the given fractions (e.g. {0.8, 0.1, 0.1}; non-negative, adding
// up to 1): validation and test get round(frac·n) molecules each and
// train the rest. The shuffle is a Fisher-Yates shuffle driven by PCG's
// output words and Lemire's bounded draw, both written out here, so that
// a seed gives the same split whatever Go's library does with its own
// shuffles.
func Split(mols []*Molecule, seed uint64, fracs [3]float64) (Splits, error) {
	sum := 0.0
	for _, f := range fracs {
		if !(f >= 0) || math.IsInf(f, 0) {
			return Splits{}, fmt.Errorf("split: fractions %v must be non-negative", fracs)
		}
		sum += f
	}
	if math.Abs(sum-1) > 1e-9 {
		return Splits{}, fmt.Errorf("split: fractions %v add up to %v, not 1", fracs, sum)
	}
	n := len(mols)
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	src := rand.NewPCG(seed, 0x6d6f6c)
	for i := n - 1; i > 0; i-- {
		j := boundedDraw(src, uint64(i+1))
		perm[i], perm[j] = perm[j], perm[i]
	}
	nVal := int(math.Round(fracs[1] * float64(n)))
	nTest := min(int(math.Round(fracs[2]*float64(n))), n-nVal)
	s := Splits{Seed: seed,
		Val:   slices.Sorted(slices.Values(perm[:nVal])),
		Test:  slices.Sorted(slices.Values(perm[nVal : nVal+nTest])),
		Train: slices.Sorted(slices.Values(perm[nVal+nTest:]))}
	return s, nil
}

// boundedDraw returns a uniform integer in [0, n) from src by Lemire's
// multiply-and-reject method.
func boundedDraw(src *rand.PCG, n uint64) int {
	for {
		hi, lo := bits.Mul64(src.Uint64(), n)
		if lo >= n || lo >= (-n)%n {
			return int(hi)
		}
	}
}

// Pick returns the molecules at the given indices (of a Splits).
func Pick(mols []*Molecule, idx []int) ([]*Molecule, error) {
	out := make([]*Molecule, len(idx))
	for k, i := range idx {
		if i < 0 || i >= len(mols) {
			return nil, fmt.Errorf("pick: index %d is outside the %d molecules", i, len(mols))
		}
		out[k] = mols[i]
	}
	return out, nil
}
