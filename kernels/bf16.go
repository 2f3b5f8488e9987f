package kernels

// bfloat16 is float32's sign and 8-bit exponent with 7 stored mantissa
// bits (8 significant): the same range as float32 at a unit roundoff of
// 2^-8. A bfloat16 is held in a uint16, its bits being the high half of
// the float32 it stands for.

// ToBF16 sets dst[i] to src[i] rounded to bfloat16, to nearest with ties
// to even: |FromBF16(ToBF16(x)) - x| <= 2^-8 |x| for normal x, and x at
// or beyond 0x1.ffp127 in magnitude (halfway to the largest bfloat16's
// successor and above) becomes an infinity of its sign. As the
// AVX512_BF16 instructions do on every path, a subnormal x (|x| <
// 2^-126) becomes a zero of its sign, and a NaN stays a NaN (its high
// half with the quiet bit set). It panics if len(dst) != len(src).
func ToBF16(dst []uint16, src []float32) {
	checkSame("ToBF16", []string{"dst", "src"}, len(dst), len(src))
	active.Load().bf16.toBF16(dst, src)
}

// FromBF16 sets dst[i] to the bfloat16 src[i] as a float32, exactly. It
// panics if len(dst) != len(src).
func FromBF16(dst []float32, src []uint16) {
	checkSame("FromBF16", []string{"dst", "src"}, len(dst), len(src))
	active.Load().bf16.fromBF16(dst, src)
}

// GemmBF16 is Gemm with bfloat16 operands: it computes C = alpha *
// op(A) * op(B) + beta * C (arguments, transposes and BLAS semantics as
// Gemm's) with op(A) and op(B) rounded to bfloat16 (ToBF16) and products
// and sums in float32. A and B stay float32 in memory; each element is
// rounded once per use while packing, which costs little beside the
// product (one conversion per element and block of the other operand).
//
// The products of pairs of steps (2q, 2q+1) are exact, and each step's
// product is added to its float32 accumulator in a fixed order: the
// odd step's then the even one's, each sum rounded to nearest and a
// subnormal sum flushed to zero (VDPBF16PS's arithmetic), the
// accumulators starting at zero for each slice of k of the blocking and
// each slice's sum added to C by a fused multiply-add with alpha. Every
// path gives the same bits, for any thread count. Each element has error
// at most (2^-7 + 2^-15 + (k+2)*2^-23) * (|alpha| (|op(A)| |op(B)|)_ij +
// |beta C_ij|) plus k*2^-126 (the flushed subnormals), where 2^-7 +
// 2^-15 covers the rounding of both operands to bfloat16.
//
// The CPUs with AVX512_BF16 run it at up to twice the rate of the float32
// Gemm (VDPBF16PS); other paths run the generic loops, far slower than
// Gemm, so call it where that instruction is present (HasBF16).
func GemmBF16(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panicf("GemmBF16: negative dimension m=%d n=%d k=%d", m, n, k)
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("a", ar, ac, len(a), lda)
	checkMatrix("b", br, bc, len(b), ldb)
	checkMatrix("c", m, n, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	active.Load().bf16.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Conv1dBF16 is Conv1d with bfloat16 operands: the product of x's taps
// and w is GemmBF16's (x and w rounded to bfloat16 while packed, products
// and sums in float32, the same bits on every path), and the bias is
// added exactly in float32 beforehand: y = beta*y + bias, then the
// product is added. Its error is GemmBF16's for an inner dimension of
// Kernel*In, relative to |conv(x, w)| + |beta*y + bias|.
func Conv1dBF16(s ConvShape, x, w, bias []float32, beta float32, y []float32) {
	s.check("Conv1dBF16", len(x), len(y), len(w))
	if bias != nil && len(bias) != s.Out {
		panicf("Conv1dBF16: len(bias)=%d, want Out=%d (or nil)", len(bias), s.Out)
	}
	active.Load().bf16.conv(convForward, s, y, x, w, bias, beta)
}

// Conv1dBackwardDataBF16 is Conv1dBackwardData with bfloat16 operands (dy
// and w rounded), with GemmBF16's arithmetic and error for an inner
// dimension of Kernel*Out.
func Conv1dBackwardDataBF16(s ConvShape, dy, w []float32, beta float32, dx []float32) {
	s.check("Conv1dBackwardDataBF16", len(dx), len(dy), len(w))
	active.Load().bf16.conv(convBackData, s, dx, dy, w, nil, beta)
}

// Conv1dBackwardFilterBF16 is Conv1dBackwardFilter with bfloat16
// operands (x and dy rounded), with GemmBF16's arithmetic and error for
// an inner dimension of Batch*Length.
func Conv1dBackwardFilterBF16(s ConvShape, x, dy []float32, beta float32, dw []float32) {
	s.check("Conv1dBackwardFilterBF16", len(x), len(dy), len(dw))
	active.Load().bf16.conv(convBackFilter, s, dw, x, dy, nil, beta)
}

// HasBF16 reports whether the active path multiplies bfloat16 in
// hardware (AVX512_BF16's VDPBF16PS), so that GemmBF16 is faster than
// Gemm.
func HasBF16() bool { return active.Load().bf16.hw }

// bf16Ops is one path's bfloat16 kernels.
type bf16Ops struct {
	toBF16   func(dst []uint16, src []float32)
	fromBF16 func(dst []float32, src []uint16)
	gemm     func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
	conv     func(op int, s ConvShape, out, a, b, bias []float32, beta float32)
	// mk is the micro-kernel behind gemm, for the tests.
	mk microKernel[float32]
	hw bool
}

// newBF16Ops returns the bfloat16 kernels with the conversions to and
// from bfloat16 and the micro-kernel mk (pairs of steps, bf16 packing).
func newBF16Ops(to func(dst []uint16, src []float32), from func(dst []float32, src []uint16), mk microKernel[float32], hw bool) *bf16Ops {
	mk.pairs = true
	mk.toBF16 = to
	bg := newBlockedWith(mk, scaleGeneric[float32], bf16Blocking())
	return &bf16Ops{toBF16: to, fromBF16: from, gemm: bg.gemmBF16, conv: bg.convBF16, mk: mk, hw: hw}
}

// bf16Blocking is the blocking of every path's bfloat16 products, from
// the caches at 2 bytes per step of a panel.
func bf16Blocking() blocking { return blockingFor(bf16MR, bf16NR, 2) }

// gemmBF16 is GemmBF16 on checked arguments: always blocked (the packing
// is where the operands are rounded).
func (bg *blocked[T]) gemmBF16(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	bg.exec(gemmCall[T]{transA: transA, transB: transB, m: m, n: n, k: k,
		alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc}, beta)
}

// convBF16 is a bfloat16 convolution product on checked arguments: always
// the blocked product (no per-tap sum, whose order would differ), with a
// forward bias added to y first in float32.
func (bg *blocked[T]) convBF16(op int, s ConvShape, out, a, b, bias []T, beta T) {
	rows, cols := s.Batch*s.Length, s.Out
	switch op {
	case convBackData:
		cols = s.In
	case convBackFilter:
		rows, cols = s.Out, s.Kernel*s.In
	}
	if bias != nil {
		for r := 0; r < rows; r++ {
			row := out[r*cols : (r+1)*cols]
			for j, v := range bias {
				switch beta {
				case 0:
					row[j] = v
				case 1:
					row[j] += v
				default:
					row[j] = T(beta*row[j]) + v // rounded, never fused
				}
			}
		}
		beta = 1
	}
	if s.Batch*s.Length == 0 {
		scaleC(beta, out, rows, cols, cols, bg.scale)
		return
	}
	bg.convBlocked(op, s, out, a, b, nil, beta)
}
