//go:build !purego

package kernels

import (
	"encoding/binary"
	"math"
	"testing"
	"unsafe"

	"github.com/fisherflow/fisherflow/internal/cpu"
)

// TestToSphereRowPrims checks ToSphere's row primitives on every
// instruction set this CPU runs, in both precisions: sumMin's sum is
// sum's to the bit and its minimum is the smallest nonzero element (zeros,
// the masked tail's lanes included, ignored); rootQuot is sqrt(x/s) within
// 1.5 rounding units of T (a quotient within half an ulp, its root
// rounded), exactly 1 where x = s, with a guard after dst untouched. All
// lengths 0-130.
func TestToSphereRowPrims(t *testing.T) {
	f := cpu.Detected()
	avx512, avx2 := f.AVX512 && f.AVX2FMA, f.AVX2FMA
	if avx512 {
		testRowPrims(t, "avx512", sumAVX512F32, sumMinAVX512F32, rootQuotAVX512F32)
		testRowPrims(t, "avx512", sumAVX512F64, sumMinAVX512F64, rootQuotAVX512F64)
		testStream(t, "avx512 rootQuot", quotOf(rootQuotAVX512F32), quotOf(rootQuotStreamAVX512F32))
		testStream(t, "avx512 rootQuot", quotOf(rootQuotAVX512F64), quotOf(rootQuotStreamAVX512F64))
	}
	if avx2 {
		testRowPrims(t, "avx2", sumAVX2F32, sumMinAVX2F32, rootQuotAVX2F32)
		testRowPrims(t, "avx2", sumAVX2F64, sumMinAVX2F64, rootQuotAVX2F64)
		testStream(t, "avx2 rootQuot", quotOf(rootQuotAVX2F32), quotOf(rootQuotStreamAVX2F32))
		testStream(t, "avx2 rootQuot", quotOf(rootQuotAVX2F64), quotOf(rootQuotStreamAVX2F64))
	}
}

// quotOf is rootQuot with s = 7.5.
func quotOf[T float32 | float64](f func(dst, x []T, s, y T)) func(dst, x []T) {
	return func(dst, x []T) { f(dst, x, 7.5, 1/7.5) }
}

// testStream checks a non-temporal (emit.MapStream) kernel against its
// ordinary twin: the same bits for every length 0-130 at each of the 16
// element offsets of dst from a 64-byte boundary (the masked head, the
// aligned loops and the masked tail in every combination), with guards
// on both sides of dst untouched.
func testStream[T float32 | float64](t *testing.T, name string, ref, stream func(dst, x []T)) {
	const guard = -3
	buf := make([]T, 130+2*64)
	for n := 0; n <= 130; n++ {
		x := make([]T, n+1)[1:]
		for i := range x {
			x[i] = T(1+i%9) / 3
		}
		want := make([]T, n)
		ref(want, x)
		for off := 0; off < 16; off++ {
			// dst starts off elements past a 64-byte boundary in buf.
			base := int((64 - uintptr(unsafe.Pointer(&buf[0]))%64) % 64 / unsafe.Sizeof(buf[0]))
			o := base + 16 + off
			for i := range buf {
				buf[i] = guard
			}
			stream(buf[o:o+n], x)
			storeFence()
			for i := range buf {
				switch {
				case i < o || i >= o+n:
					if buf[i] != guard {
						t.Fatalf("%s %T n=%d off=%d: wrote buf[%d] outside dst [%d, %d)", name, buf[0], n, off, i, o, o+n)
					}
				case buf[i] != want[i-o]:
					t.Fatalf("%s %T n=%d off=%d: [%d] = %v, want %v", name, buf[0], n, off, i-o, buf[i], want[i-o])
				}
			}
		}
	}
}

// TestElementwiseStream checks Sqrt's and Square's non-temporal kernels
// (testStream) on every instruction set this CPU runs, and that each
// path's sqrt and square give the same bits streamed (outputs of
// streamBytes or more) as not.
func TestElementwiseStream(t *testing.T) {
	f := cpu.Detected()
	if f.AVX512 && f.AVX2FMA {
		testStream(t, "avx512 sqrt", sqrtAVX512F32, sqrtStreamAVX512F32)
		testStream(t, "avx512 sqrt", sqrtAVX512F64, sqrtStreamAVX512F64)
		testStream(t, "avx512 square", squareAVX512F32, squareStreamAVX512F32)
		testStream(t, "avx512 square", squareAVX512F64, squareStreamAVX512F64)
	}
	if f.AVX2FMA {
		testStream(t, "avx2 sqrt", sqrtAVX2F32, sqrtStreamAVX2F32)
		testStream(t, "avx2 sqrt", sqrtAVX2F64, sqrtStreamAVX2F64)
		testStream(t, "avx2 square", squareAVX2F32, squareStreamAVX2F32)
		testStream(t, "avx2 square", squareAVX2F64, squareStreamAVX2F64)
	}
	save := streamBytes
	defer func() { streamBytes = save }()
	for _, p := range paths {
		if !p.supported() {
			continue
		}
		testStreamed(t, p.name+" sqrt", p.f32.sqrt)
		testStreamed(t, p.name+" square", p.f32.square)
		testStreamed(t, p.name+" sqrt", p.f64.sqrt)
		testStreamed(t, p.name+" square", p.f64.square)
	}
}

// testStreamed checks that f gives the same bits on 1000 elements with
// streamBytes 0 (streamed) and MaxInt (not).
func testStreamed[T float32 | float64](t *testing.T, name string, f func(dst, x []T)) {
	x := make([]T, 1001)[1:]
	for i := range x {
		x[i] = T(i%13) / 7
	}
	var got [2][]T
	for k, sb := range []int{math.MaxInt, 0} {
		streamBytes = sb
		got[k] = make([]T, len(x)+3)[3:]
		f(got[k], x)
	}
	for i := range x {
		if got[0][i] != got[1][i] {
			t.Fatalf("%s %T: [%d] streamed %v, cached %v", name, x[0], i, got[1][i], got[0][i])
		}
	}
}

// TestToSphereStream checks that ToSphere on every path gives the same
// bits whether its rows are written by non-temporal stores (outputs of
// streamBytes or more) or not, rows of every fast-row offset and with
// rows that take the fallbacks (tiny quotients: divSqrt; zero sums: the
// generic row) mixed in, and in place (dst = p).
func TestToSphereStream(t *testing.T) {
	save := streamBytes
	defer func() { streamBytes = save }()
	for _, p := range paths {
		if !p.supported() || p.name == "generic" {
			continue
		}
		testToSphereStream(t, p.name, p.f32)
		testToSphereStream(t, p.name, p.f64)
	}
}

func testToSphereStream[T float32 | float64](t *testing.T, name string, o *ops[T]) {
	for _, d := range []int{12, 13, 31, 160} {
		rows := 37
		x := make([]T, rows*d+1)[1:] // unaligned rows
		for i := range x {
			x[i] = T(1 + (i*7)%11)
		}
		x[5*d+3] = T(minNormalOf[T]()) // a quotient below the normal range
		clear(x[9*d : 10*d])           // a zero row
		var got [2][]T
		for k, sb := range []int{math.MaxInt, 0} {
			streamBytes = sb
			got[k] = make([]T, len(x)+3)
			o.toSphere(got[k][3:], x, d) // dst offset by 3 elements
		}
		// In place, streamed.
		in := append([]T(nil), x...)
		o.toSphere(in, in, d)
		for i := range got[0] {
			if math.Float64bits(float64(got[0][i])) != math.Float64bits(float64(got[1][i])) {
				t.Fatalf("%s %T d=%d: [%d] streamed %v, cached %v", name, x[0], d, i, got[1][i], got[0][i])
			}
			if i >= 3 && math.Float64bits(float64(in[i-3])) != math.Float64bits(float64(got[0][i])) {
				t.Fatalf("%s %T d=%d: [%d] streamed in place %v, cached %v", name, x[0], d, i-3, in[i-3], got[0][i])
			}
		}
	}
}

// FuzzStream compares every non-temporal kernel this CPU runs with its
// ordinary twin on arbitrary elements (NaN, Inf, subnormals and negative
// values included) at an arbitrary offset of dst from a 64-byte boundary:
// the same bits, nothing written outside dst.
func FuzzStream(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 1, 2, 3, 4, 5, 6, 7, 0x7f}, uint8(3), 2.5)
	f.Fuzz(func(t *testing.T, data []byte, off uint8, s float64) {
		if !(s > 0) || math.IsInf(s, 0) || s > math.MaxFloat32 || s < 0x1p-126 {
			s = 2.5
		}
		x64 := make([]float64, len(data)/8)
		for i := range x64 {
			x64[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
		}
		x32 := make([]float32, len(data)/4)
		for i := range x32 {
			x32[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		for _, k := range streamKernels64() {
			fuzzStream(t, k.name, x64, int(off%16), s, k.ref, k.stream)
		}
		for _, k := range streamKernels32() {
			fuzzStream(t, k.name, x32, int(off%16), s, k.ref, k.stream)
		}
	})
}

// streamPair is a kernel and its non-temporal twin, as rootQuot's
// signature (sqrt and square ignore s and y).
type streamPair[T float32 | float64] struct {
	name        string
	ref, stream func(dst, x []T, s, y T)
}

func unaryPair[T float32 | float64](name string, ref, stream func(dst, x []T)) streamPair[T] {
	return streamPair[T]{name,
		func(dst, x []T, _, _ T) { ref(dst, x) },
		func(dst, x []T, _, _ T) { stream(dst, x) }}
}

func streamKernels64() []streamPair[float64] {
	var out []streamPair[float64]
	f := cpu.Detected()
	if f.AVX512 && f.AVX2FMA {
		out = append(out, streamPair[float64]{"avx512 rootQuot", rootQuotAVX512F64, rootQuotStreamAVX512F64},
			unaryPair("avx512 sqrt", sqrtAVX512F64, sqrtStreamAVX512F64), unaryPair("avx512 square", squareAVX512F64, squareStreamAVX512F64))
	}
	if f.AVX2FMA {
		out = append(out, streamPair[float64]{"avx2 rootQuot", rootQuotAVX2F64, rootQuotStreamAVX2F64},
			unaryPair("avx2 sqrt", sqrtAVX2F64, sqrtStreamAVX2F64), unaryPair("avx2 square", squareAVX2F64, squareStreamAVX2F64))
	}
	return out
}

func streamKernels32() []streamPair[float32] {
	var out []streamPair[float32]
	f := cpu.Detected()
	if f.AVX512 && f.AVX2FMA {
		out = append(out, streamPair[float32]{"avx512 rootQuot", rootQuotAVX512F32, rootQuotStreamAVX512F32},
			unaryPair("avx512 sqrt", sqrtAVX512F32, sqrtStreamAVX512F32), unaryPair("avx512 square", squareAVX512F32, squareStreamAVX512F32))
	}
	if f.AVX2FMA {
		out = append(out, streamPair[float32]{"avx2 rootQuot", rootQuotAVX2F32, rootQuotStreamAVX2F32},
			unaryPair("avx2 sqrt", sqrtAVX2F32, sqrtStreamAVX2F32), unaryPair("avx2 square", squareAVX2F32, squareStreamAVX2F32))
	}
	return out
}

func fuzzStream[T float32 | float64](t *testing.T, name string, x []T, off int, s float64, ref, stream func(dst, x []T, s, y T)) {
	const guard = 12345
	st := T(s)
	want := make([]T, len(x))
	ref(want, x, st, 1/st)
	buf := make([]T, len(x)+2*64)
	base := int((64 - uintptr(unsafe.Pointer(&buf[0]))%64) % 64 / unsafe.Sizeof(buf[0]))
	o := base + 16 + off
	for i := range buf {
		buf[i] = guard
	}
	stream(buf[o:o+len(x)], x, st, 1/st)
	storeFence()
	for i := range buf {
		in := i >= o && i < o+len(x)
		if !in && buf[i] != guard {
			t.Fatalf("%s %T n=%d off=%d: wrote buf[%d] outside dst", name, buf[0], len(x), off, i)
		}
		if in && math.Float64bits(float64(buf[i])) != math.Float64bits(float64(want[i-o])) {
			t.Fatalf("%s %T n=%d off=%d: [%d] = %v, ordinary %v", name, buf[0], len(x), off, i-o, buf[i], want[i-o])
		}
	}
}
