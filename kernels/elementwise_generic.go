package kernels

import "math"

// The generic elementwise kernels evaluate every element in float64 with
// the math package and round once to T, except the functions of
// vecmath.go, in T's own arithmetic.

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

// acosGeneric, atan2Generic, sinGeneric and cosGeneric run the vector
// math functions of vecmath.go in T's arithmetic, so they return the SIMD
// paths' bits.
func acosGeneric[T float32 | float64](dst, x []T) {
	dst = dst[:len(x)]
	if !is64[T]() {
		d32, x32 := f32s(dst), f32s(x)
		for i, v := range x32 {
			d32[i] = vmAcos32(v)
		}
		return
	}
	for i, v := range x {
		dst[i] = T(vmAcos(float64(v)))
	}
}

func atan2Generic[T float32 | float64](dst, y, x []T) {
	dst, y = dst[:len(x)], y[:len(x)]
	if !is64[T]() {
		d32, y32, x32 := f32s(dst), f32s(y), f32s(x)
		for i, v := range x32 {
			d32[i] = vmAtan232(y32[i], v)
		}
		return
	}
	for i, v := range x {
		dst[i] = T(vmAtan2(float64(y[i]), float64(v)))
	}
}

func sinGeneric[T float32 | float64](dst, x []T) {
	dst = dst[:len(x)]
	if !is64[T]() {
		d32, x32 := f32s(dst), f32s(x)
		for i, v := range x32 {
			d32[i] = vmSin32(v)
		}
		return
	}
	for i, v := range x {
		dst[i] = T(vmSin(float64(v)))
	}
}

func cosGeneric[T float32 | float64](dst, x []T) {
	dst = dst[:len(x)]
	if !is64[T]() {
		d32, x32 := f32s(dst), f32s(x)
		for i, v := range x32 {
			d32[i] = vmCos32(v)
		}
		return
	}
	for i, v := range x {
		dst[i] = T(vmCos(float64(v)))
	}
}

// expGeneric and logGeneric are the vector math functions of vecmath.go,
// one element at a time, so they return the SIMD paths' bits.
func expGeneric[T float32 | float64](dst, x []T) {
	dst = dst[:len(x)]
	if !is64[T]() {
		for i, v := range x {
			dst[i] = T(vmExp32(float32(v)))
		}
		return
	}
	for i, v := range x {
		dst[i] = T(vmExp(float64(v)))
	}
}

func logGeneric[T float32 | float64](dst, x []T) {
	dst = dst[:len(x)]
	if !is64[T]() {
		for i, v := range x {
			dst[i] = T(vmLog32(float32(v)))
		}
		return
	}
	for i, v := range x {
		dst[i] = T(vmLog(float64(v)))
	}
}
