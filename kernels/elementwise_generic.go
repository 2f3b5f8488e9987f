package kernels

import "math"

// The generic elementwise kernels evaluate every element in float64 with
// the math package and round once to T, except the vector math functions
// (elementwise_exp.go, elementwise_trig.go), in T's own arithmetic.

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
// math functions of elementwise_trig.go in T's arithmetic, so they return the SIMD
// paths' bits.
func acosGeneric[T float32 | float64](dst, x []T) { mapPrec(dst, x, vmAcos32, vmAcos) }

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

func sinGeneric[T float32 | float64](dst, x []T) { mapPrec(dst, x, vmSin32, vmSin) }

func cosGeneric[T float32 | float64](dst, x []T) { mapPrec(dst, x, vmCos32, vmCos) }

// mapPrec sets dst[i] = f32(x[i]) or f64(x[i]), the function of T's
// precision (the float32 and float64 versions of a vector math function).
func mapPrec[T float32 | float64](dst, x []T, f32 func(float32) float32, f64 func(float64) float64) {
	if !is64[T]() {
		d, s := f32s(dst), f32s(x)
		d = d[:len(s)]
		for i, v := range s {
			d[i] = f32(v)
		}
		return
	}
	d, s := f64s(dst), f64s(x)
	d = d[:len(s)]
	for i, v := range s {
		d[i] = f64(v)
	}
}

// expGeneric and logGeneric are the vector math functions of elementwise_exp.go,
// one element at a time, so they return the SIMD paths' bits.
func expGeneric[T float32 | float64](dst, x []T) { mapPrec(dst, x, vmExp32, vmExp) }

// sigmoidGeneric is vmSigmoid (vmSigmoid32) on every element.
func sigmoidGeneric[T float32 | float64](dst, x []T) { mapPrec(dst, x, vmSigmoid32, vmSigmoid) }

func logGeneric[T float32 | float64](dst, x []T) { mapPrec(dst, x, vmLog32, vmLog) }
