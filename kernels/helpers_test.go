package kernels_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

// forEachPath runs f once with each kernel path this CPU supports forced,
// then restores the path that was active.
func forEachPath(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	prev := kernels.Path()
	defer func() {
		if err := kernels.UsePath(prev); err != nil {
			t.Fatal(err)
		}
	}()
	for _, p := range kernels.Paths() {
		if err := kernels.UsePath(p); err != nil {
			t.Fatal(err)
		}
		t.Run(p, f)
	}
}

// withPath runs f with the named path forced.
func withPath(name string, f func()) {
	prev := kernels.Path()
	if err := kernels.UsePath(name); err != nil {
		panic(err)
	}
	defer kernels.UsePath(prev)
	f()
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// randBits returns a random finite float64 drawn uniformly over bit
// patterns: every exponent, subnormals included, is equally likely.
func randBits(r *rand.Rand) float64 {
	for {
		x := math.Float64frombits(r.Uint64())
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return x
		}
	}
}

// randBits32 is randBits for float32.
func randBits32(r *rand.Rand) float32 {
	for {
		x := math.Float32frombits(r.Uint32())
		if !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0) {
			return x
		}
	}
}

// unit returns the unit roundoff of T.
func unit[T kernels.Float]() float64 {
	if T(1+0x1p-30) == 1 {
		return 0x1p-24
	}
	return 0x1p-53
}

// sizes are the lengths tests sweep: 0..70 and a few large ones with
// awkward tails.
func sizes() []int {
	var s []int
	for n := 0; n <= 70; n++ {
		s = append(s, n)
	}
	return append(s, 127, 128, 129, 1000, 4099)
}

// sameFloat reports whether a and b are equal or both NaN.
func sameFloat(a, b float64) bool {
	return a == b || (a != a && b != b)
}
