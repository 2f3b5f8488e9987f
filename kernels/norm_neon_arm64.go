//go:build !purego

package kernels

// neonScaleShift and neonColMoments adapt asm/neon's norm loop kernels,
// which take their count from their last input slice, by cutting b to it
// (the primitives allow a longer b; the public functions pass equal
// lengths). Hand-written: asm/neon's path tables wrap the kernels in them
// by name.
func neonScaleShift[T float32 | float64](fn func(dst, a, s, b []T, t, c T) int) func(dst, a, s, b []T, t, c T) int {
	return func(dst, a, s, b []T, t, c T) int { return fn(dst, a, s, b[:len(dst)], t, c) }
}

func neonColMoments[T float32 | float64](fn func(sum, dot []float64, a, b []T, shift float64) int) func(sum, dot []float64, a, b []T, shift float64) int {
	return func(sum, dot []float64, a, b []T, shift float64) int { return fn(sum, dot, a, b[:len(a)], shift) }
}
