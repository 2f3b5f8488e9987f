package kernels

import (
	"fmt"
	"unsafe"
)

// Float is the set of element types the kernels accept.
type Float interface {
	~float32 | ~float64
}

// is64 reports whether T is a 64-bit float.
func is64[T Float]() bool {
	var z T
	return unsafe.Sizeof(z) == 8
}

// f32s and f64s reinterpret a []T as its underlying float type. They are
// only called after is64 told which one T is.
func f32s[T Float](s []T) []float32 {
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

func f64s[T Float](s []T) []float64 {
	return unsafe.Slice((*float64)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// panicf panics with a message prefixed by the package name.
func panicf(format string, args ...any) {
	panic(fmt.Sprintf("kernels."+format, args...))
}

// checkSame panics unless every length equals the first one. names and
// lens come in pairs: the argument name and its length.
func checkSame(fn string, names []string, lens ...int) {
	for i := 1; i < len(lens); i++ {
		if lens[i] != lens[0] {
			panicf("%s: len(%s)=%d != len(%s)=%d", fn, names[i], lens[i], names[0], lens[0])
		}
	}
}

// checkRows panics unless d > 0 and n (the length of the slice called name)
// is a multiple of d. It returns the number of rows.
func checkRows(fn, name string, n, d int) int {
	if d <= 0 {
		panicf("%s: row length d=%d must be positive", fn, d)
	}
	if n%d != 0 {
		panicf("%s: len(%s)=%d is not a multiple of the row length d=%d", fn, name, n, d)
	}
	return n / d
}
