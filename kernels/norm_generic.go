package kernels

import "math"

// momentsGeneric sums in four interleaved pairs of partial sums (four
// additions in flight instead of one chain).
func momentsGeneric[T float32 | float64](x []T, shift float64) (s1, s2 float64) {
	var a0, a1, a2, a3, b0, b1, b2, b3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d0, d1, d2, d3 := float64(x[i])-shift, float64(x[i+1])-shift, float64(x[i+2])-shift, float64(x[i+3])-shift
		a0, a1, a2, a3 = a0+d0, a1+d1, a2+d2, a3+d3
		b0, b1, b2, b3 = math.FMA(d0, d0, b0), math.FMA(d1, d1, b1), math.FMA(d2, d2, b2), math.FMA(d3, d3, b3)
	}
	for ; i < len(x); i++ {
		d := float64(x[i]) - shift
		a0, b0 = a0+d, math.FMA(d, d, b0)
	}
	return (a0 + a1) + (a2 + a3), (b0 + b1) + (b2 + b3)
}

func colMomentsGeneric[T float32 | float64](sum, dot []float64, a, b []T, shift float64) {
	sum, dot, b = sum[:len(a)], dot[:len(a)], b[:len(a)]
	for i, v := range a {
		av := float64(v)
		sum[i] += av
		dot[i] = math.FMA(av, float64(b[i])-shift, dot[i])
	}
}

func scaleShiftGeneric[T float32 | float64](dst, a, s, b []T, t, c T) {
	a, s, b = a[:len(dst)], s[:len(dst)], b[:len(dst)]
	tf, cf := float64(t), float64(c)
	for i := range dst {
		r := T(math.FMA(float64(b[i]), tf, cf))
		dst[i] = T(math.FMA(float64(a[i]), float64(s[i]), float64(r)))
	}
}
