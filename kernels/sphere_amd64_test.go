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
	}
	if avx2 {
		testRowPrims(t, "avx2", sumAVX2F32, sumMinAVX2F32, rootQuotAVX2F32)
		testRowPrims(t, "avx2", sumAVX2F64, sumMinAVX2F64, rootQuotAVX2F64)
	}
}

// TestStreamKernels checks every non-temporal (emit.MapStream) kernel
// this CPU runs against its ordinary twin (streamKernels): the same bits
// for every length 0-130 at each of the 16 element offsets of dst from a
// 64-byte boundary (the masked head, the aligned loops and the masked
// tail in every combination), with guards on both sides of dst untouched.
func TestStreamKernels(t *testing.T) {
	k32, k64 := streamKernels()
	for _, k := range k32 {
		testStream(t, k)
	}
	for _, k := range k64 {
		testStream(t, k)
	}
}

func testStream[T float32 | float64](t *testing.T, k streamPair[T]) {
	for n := 0; n <= 130; n++ {
		x := make([]T, n+1)[1:]
		for i := range x {
			x[i] = T(1+i%9) / 3
		}
		for off := 0; off < 16; off++ {
			checkStream(t, k, x, off, 7.5)
		}
	}
}

// checkStream runs k's stream kernel on x into a dst off elements past
// a 64-byte boundary, guarded on both sides, and compares it bit for bit
// with k's ordinary kernel (s and y = 1/s for rootQuot).
func checkStream[T float32 | float64](t *testing.T, k streamPair[T], x []T, off int, s T) {
	const guard = 12345
	want := make([]T, len(x))
	k.ref(want, x, s, 1/s)
	buf := make([]T, len(x)+2*64)
	base := int((64 - uintptr(unsafe.Pointer(&buf[0]))%64) % 64 / unsafe.Sizeof(buf[0]))
	o := base + 16 + off
	for i := range buf {
		buf[i] = guard
	}
	k.stream(buf[o:o+len(x)], x, s, 1/s)
	storeFence()
	for i := range buf {
		in := i >= o && i < o+len(x)
		if !in && buf[i] != guard {
			t.Fatalf("%s %T n=%d off=%d: wrote buf[%d] outside dst", k.name, buf[0], len(x), off, i)
		}
		if in && math.Float64bits(float64(buf[i])) != math.Float64bits(float64(want[i-o])) {
			t.Fatalf("%s %T n=%d off=%d: [%d] = %v, ordinary %v", k.name, buf[0], len(x), off, i-o, buf[i], want[i-o])
		}
	}
}

// TestElementwiseStream checks that each path's sqrt and square give the
// same bits streamed (outputs of streamBytes or more) as not; the stream
// kernels themselves are TestStreamKernels'.
func TestElementwiseStream(t *testing.T) {
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
		k32, k64 := streamKernels()
		for _, k := range k64 {
			checkStream(t, k, x64, int(off%16), s)
		}
		for _, k := range k32 {
			checkStream(t, k, x32, int(off%16), float32(s))
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

// streamKernels returns every non-temporal kernel this CPU runs with its
// ordinary twin, float32 and float64.
func streamKernels() (k32 []streamPair[float32], k64 []streamPair[float64]) {
	f := cpu.Detected()
	if f.AVX512 && f.AVX2FMA {
		k32 = append(k32, streamPair[float32]{"avx512 rootQuot", rootQuotAVX512F32, rootQuotStreamAVX512F32},
			unaryPair("avx512 sqrt", sqrtAVX512F32, sqrtStreamAVX512F32), unaryPair("avx512 square", squareAVX512F32, squareStreamAVX512F32))
		k64 = append(k64, streamPair[float64]{"avx512 rootQuot", rootQuotAVX512F64, rootQuotStreamAVX512F64},
			unaryPair("avx512 sqrt", sqrtAVX512F64, sqrtStreamAVX512F64), unaryPair("avx512 square", squareAVX512F64, squareStreamAVX512F64))
	}
	if f.AVX2FMA {
		k32 = append(k32, streamPair[float32]{"avx2 rootQuot", rootQuotAVX2F32, rootQuotStreamAVX2F32},
			unaryPair("avx2 sqrt", sqrtAVX2F32, sqrtStreamAVX2F32), unaryPair("avx2 square", squareAVX2F32, squareStreamAVX2F32))
		k64 = append(k64, streamPair[float64]{"avx2 rootQuot", rootQuotAVX2F64, rootQuotStreamAVX2F64},
			unaryPair("avx2 sqrt", sqrtAVX2F64, sqrtStreamAVX2F64), unaryPair("avx2 square", squareAVX2F64, squareStreamAVX2F64))
	}
	return k32, k64
}
