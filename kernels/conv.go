package kernels

// ConvShape is the shape of a batched 1-d convolution with "same" padding
// over sequences laid out channels-last: an input x of Batch x Length x
// In values, an output y of Batch x Length x Out, and a weight w of Out x
// Kernel x In (PyTorch's Conv1d weight with its last two axes exchanged):
//
//	y[b, l, o] = sum_{k, c} w[o, k, c] * x[b, l + (k - (Kernel-1)/2)*Dilation, c],
//
// with x = 0 outside positions 0..Length-1 of its sequence: tap k reads
// the position (k - (Kernel-1)/2)*Dilation away.
type ConvShape struct {
	Batch, Length int // sequences, positions per sequence
	In, Out       int // channels of x and y
	Kernel        int // taps, odd
	Dilation      int // positions between taps, >= 1
}

func (s ConvShape) check(fn string, nx, ny, nw int) {
	if s.Batch < 0 || s.Length < 0 || s.In <= 0 || s.Out <= 0 || s.Kernel <= 0 || s.Kernel%2 == 0 || s.Dilation <= 0 {
		panicf("%s: invalid shape %+v (Kernel odd, channels and Dilation positive)", fn, s)
	}
	rows := s.Batch * s.Length
	if nx != rows*s.In || ny != rows*s.Out || nw != s.Out*s.Kernel*s.In {
		panicf("%s: shape %+v needs len(x)=%d, len(y)=%d, len(w)=%d; got %d, %d, %d",
			fn, s, rows*s.In, rows*s.Out, s.Out*s.Kernel*s.In, nx, ny, nw)
	}
}

// The convolutions' products (ops.conv).
const (
	convForward    = iota // y = beta*y + conv(x, w)
	convBackData          // dx = beta*dx + conv^T(dy, w)
	convBackFilter        // dw = beta*dw + (dy, x) correlation
)

// Conv1d sets y = beta*y + conv(x, w) + bias for the convolution of
// shape s (see ConvShape), the bias (Out values, or nil for none) added
// at every position; with beta = 0, y is not read (NaN in y does not
// propagate), as Gemm's C. It is one product of Batch*Length x
// Kernel*In(+1) by Kernel*In(+1) x Out whose left operand is gathered
// from x while it is packed (an implicit im2col: no Kernel-times copy of
// x is made; the bias is one more step, against ones), on the threads of
// SetThreads; its error is Gemm's for an inner dimension of Kernel*In+1.
// x and y must not overlap.
func Conv1d[T Float](s ConvShape, x, w, bias []T, beta T, y []T) {
	s.check("Conv1d", len(x), len(y), len(w))
	if bias != nil && len(bias) != s.Out {
		panicf("Conv1d: len(bias)=%d, want Out=%d (or nil)", len(bias), s.Out)
	}
	conv(convForward, s, y, x, w, bias, beta)
}

// Conv1dBackwardData sets dx = beta*dx + the gradient with respect to x
// of sum(dy * Conv1d(x, w)):
//
//	dx[b, l, c] = sum_{k, o} w[o, k, c] * dy[b, l - (k - (Kernel-1)/2)*Dilation, o],
//
// dy outside its sequence being 0. It is one product of Batch*Length x
// Kernel*Out by Kernel*Out x In (dy gathered while packed, w rearranged
// into a pooled buffer); error as Gemm's for an inner dimension of
// Kernel*Out. dx must not overlap dy or w.
func Conv1dBackwardData[T Float](s ConvShape, dy, w []T, beta T, dx []T) {
	s.check("Conv1dBackwardData", len(dx), len(dy), len(w))
	conv(convBackData, s, dx, dy, w, nil, beta)
}

// Conv1dBackwardFilter sets dw = beta*dw + the gradient with respect to
// w of sum(dy * Conv1d(x, w)):
//
//	dw[o, k, c] = sum_{b, l} dy[b, l, o] * x[b, l + (k - (Kernel-1)/2)*Dilation, c],
//
// one product of Out x Batch*Length by Batch*Length x Kernel*In (x
// gathered while packed); error as Gemm's for an inner dimension of
// Batch*Length. Use beta = 1 to accumulate gradients. dw must not
// overlap x or dy.
func Conv1dBackwardFilter[T Float](s ConvShape, x, dy []T, beta T, dw []T) {
	s.check("Conv1dBackwardFilter", len(x), len(dy), len(dw))
	conv(convBackFilter, s, dw, x, dy, nil, beta)
}

// conv dispatches a convolution product: out = beta*out + op(a, b) (+
// bias, forward only), with a and b as the public functions take them (x
// and w, dy and w, x and dy).
func conv[T Float](op int, s ConvShape, out, a, b, bias []T, beta T) {
	if is64[T]() {
		impl64().conv(op, s, f64s(out), f64s(a), f64s(b), f64s(bias), float64(beta))
		return
	}
	impl32().conv(op, s, f32s(out), f32s(a), f32s(b), f32s(bias), float32(beta))
}

// convTaps computes a convolution product as a sum over the taps of
// products by gemm (with beta = 1 after one scaling of out and the
// bias), each over the positions of one sequence whose tap stays inside
// it: the generic path's convolution, and every path's on small shapes.
func convTaps[T float32 | float64](gemm gemmFunc[T], scale func(T, []T), op int, s ConvShape, out, a, b, bias []T, beta T) {
	L, K, In, Out, half := s.Length, s.Kernel, s.In, s.Out, (s.Kernel-1)/2
	rows, cols := s.Batch*L, Out
	switch op {
	case convBackData:
		cols = In
	case convBackFilter:
		rows, cols = Out, K*In
	}
	scaleC(beta, out, rows, cols, cols, scale)
	if bias != nil {
		for r := 0; r < rows; r++ {
			row := out[r*cols : (r+1)*cols]
			for j, v := range bias {
				row[j] += v
			}
		}
	}
	for bi := 0; bi < s.Batch; bi++ {
		for k := 0; k < K; k++ {
			off := (k - half) * s.Dilation
			lo, hi := max(0, -off), min(L, L-off) // positions l with l+off inside
			if lo >= hi {
				continue
			}
			r := bi*L + lo // first row of the tap's product
			switch op {
			case convForward: // y[l] += x[l+off] w_k^T
				gemm(false, true, hi-lo, Out, In, 1, a[(r+off)*In:], In, b[k*In:], K*In, 1, out[r*Out:], Out)
			case convBackData: // dx[l+off] += dy[l] w_k
				gemm(false, false, hi-lo, In, Out, 1, a[r*Out:], Out, b[k*In:], K*In, 1, out[(r+off)*In:], In)
			case convBackFilter: // dw_k += dy[l]^T x[l+off]
				gemm(true, false, Out, In, hi-lo, 1, b[r*Out:], Out, a[(r+off)*In:], In, 1, out[k*In:], K*In)
			}
		}
	}
}

// gemmFunc is the signature of ops.gemm.
type gemmFunc[T float32 | float64] func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)
