package kernels

import "math"

// The generic elementwise kernels evaluate every element in float64 with
// the math package or the scalar functions of scalar.go, and round once to T,
// so float32 results are within 0.5 ULP + 2^-29 ULP of exact.

func sqrtGeneric[T float32 | float64](dst, x []T) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = T(math.Sqrt(float64(v)))
	}
}

func squareGeneric[T float32 | float64](dst, x []T) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = v * v
	}
}

func acosGeneric[T float32 | float64](dst, x []T) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = T(acos(float64(v)))
	}
}

func atan2Generic[T float32 | float64](dst, y, x []T) {
	dst, y = dst[:len(x)], y[:len(x)]
	for i, v := range x {
		dst[i] = T(atan2(float64(y[i]), float64(v)))
	}
}

func sinGeneric[T float32 | float64](dst, x []T) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = T(math.Sin(float64(v)))
	}
}

func cosGeneric[T float32 | float64](dst, x []T) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = T(math.Cos(float64(v)))
	}
}

func expGeneric[T float32 | float64](dst, x []T) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = T(exp(float64(v)))
	}
}

func logGeneric[T float32 | float64](dst, x []T) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = T(log(float64(v)))
	}
}
