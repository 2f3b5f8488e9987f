package kernels

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// TestFMA32 checks fma32 against the exactly rounded a*b + c, on random
// operands and on sums built to fall on float32 midpoints and in the
// subnormal range.
func TestFMA32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	exact := func(a, b, c float32) float32 {
		p := new(big.Float).SetPrec(300).SetFloat64(float64(a))
		p.Mul(p, new(big.Float).SetPrec(300).SetFloat64(float64(b)))
		p.Add(p, new(big.Float).SetPrec(300).SetFloat64(float64(c)))
		f, _ := p.Float32()
		return f
	}
	rnd := func() float32 {
		return float32(math.Ldexp(r.Float64()-0.5, r.IntN(80)-40))
	}
	for i := 0; i < 200000; i++ {
		a, b, c := rnd(), rnd(), rnd()
		switch i % 4 {
		case 1: // c cancels most of a*b: the sum keeps the product's low bits
			c = -float32(float64(a) * float64(b))
		case 2: // a midpoint of float32 plus a tiny tail
			m := float32(1 + r.Float64())
			a, b = m, 1+0x1p-24
			c = float32(math.Ldexp(float64(r.IntN(3)-1), -60+r.IntN(20)))
		case 3: // results in float32's subnormal range
			a = float32(math.Ldexp(r.Float64(), -70))
			b = float32(math.Ldexp(r.Float64(), -70))
			c = float32(math.Ldexp(r.Float64()-0.5, -140))
		}
		if got, want := fma32(a, b, c), exact(a, b, c); math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fma32(%v, %v, %v) = %v, want %v", a, b, c, got, want)
		}
	}
}
