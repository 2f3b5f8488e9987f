package kernels

import "math"

// angle returns 2*atan2(|x-y|, |x+y|), accumulated in float64.
func angle[T float32 | float64](x, y []T) float64 {
	y = y[:len(x)]
	var sm, sp float64
	for i, v := range x {
		a, b := float64(v), float64(y[i])
		dm, dp := a-b, a+b
		sm += dm * dm
		sp += dp * dp
	}
	return 2 * math.Atan2(math.Sqrt(sm), math.Sqrt(sp)) // both >= 0: no quadrant issue
}

func sphereDistGeneric[T float32 | float64](dst, x, y []T, d int) {
	for i := range dst {
		dst[i] = T(angle(x[i*d:(i+1)*d], y[i*d:(i+1)*d]))
	}
}

func pairwiseSphereDistGeneric[T float32 | float64](dst, x, y []T, d int) {
	m := len(y) / d
	for i := 0; i < len(x)/d; i++ {
		xi, out := x[i*d:(i+1)*d], dst[i*m:(i+1)*m]
		for j := range out {
			out[j] = T(angle(xi, y[j*d:(j+1)*d]))
		}
	}
}

func slerpGeneric[T float32 | float64](dst, x0, x1, t []T, d int) {
	for r, tr := range t {
		a, b, out := x0[r*d:(r+1)*d], x1[r*d:(r+1)*d], dst[r*d:(r+1)*d]
		theta := angle(a, b)
		if theta == 0 {
			copy(out, a)
			continue
		}
		tt := float64(tr)
		s := sinc(theta)
		ca := (1 - tt) * sinc((1-tt)*theta) / s
		cb := tt * sinc(tt*theta) / s
		for i := range out {
			out[i] = T(ca*float64(a[i]) + cb*float64(b[i]))
		}
	}
}

func logMapGeneric[T float32 | float64](dst, x, y []T, d int) {
	for r := 0; r < len(x); r += d {
		a, b, out := x[r:r+d], y[r:r+d], dst[r:r+d]
		theta := angle(a, b)
		h := math.Sin(theta / 2)
		c := 2 * h * h // 1 - cos(theta), without cancellation
		k := 1 / sinc(theta)
		for i := range out {
			av := float64(a[i])
			out[i] = T(((float64(b[i]) - av) + c*av) * k)
		}
	}
}

func expMapGeneric[T float32 | float64](dst, x, v []T, d int) {
	for r := 0; r < len(x); r += d {
		a, w, out := x[r:r+d], v[r:r+d], dst[r:r+d]
		var s float64
		for _, f := range w {
			s += float64(f) * float64(f)
		}
		n := math.Sqrt(s)
		cs, sc := math.Cos(n), sinc(n)
		for i := range out {
			out[i] = T(cs*float64(a[i]) + sc*float64(w[i]))
		}
	}
}

func projectTangentGeneric[T float32 | float64](dst, x, v []T, d int) {
	for r := 0; r < len(x); r += d {
		a, w, out := x[r:r+d], v[r:r+d], dst[r:r+d]
		var p float64
		for i, f := range w {
			p += float64(a[i]) * float64(f)
		}
		for i := range out {
			out[i] = T(float64(w[i]) - p*float64(a[i]))
		}
	}
}
