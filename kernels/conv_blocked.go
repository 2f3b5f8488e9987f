package kernels

// convGather is an operand of a convolution's product gathered from
// sequences of positions x ch values while it is packed (an implicit
// im2col): for row i (a position of the batch, sequences one after
// another) and tap s, the values x[(i + off0 + s*step)*ch + c], c < ch,
// or zeros where that position falls outside i's sequence. The product's
// other index runs over taps x channels, s*ch + c; past the taps, with a
// bias (gemmCall.bias), comes a column of ones. The zero value (ch = 0)
// is no gather.
type convGather[T float32 | float64] struct {
	x          []T
	ch, length int
	taps       int
	off0, step int
}

// run returns the offset in x of the position that row i reads at tap s,
// or -1 if it is padding, and how many rows from i on (up to end) continue
// alike: consecutive positions of x, or padding.
func (g *convGather[T]) run(i, s, end int) (o, n int) {
	l := i % g.length
	p := l + g.off0 + s*g.step
	switch {
	case p < 0:
		return -1, min(end-i, -p, g.length-l)
	case p >= g.length:
		return -1, min(end-i, g.length-l)
	}
	return (i - l + p) * g.ch, min(end-i, g.length-p, g.length-l)
}

// packAGather is packA for a gathered A (op(A) = A, its steps the taps x
// channels): each tap's part of a panel is six consecutive positions of
// x packed as six rows of a matrix, padding is cleared, and panels that
// meet a sequence's edge go value by value. The taps that are padding for
// the whole panel are marked in buf.askip, so that the micro-kernel
// skips them (macro): with a large dilation, a good part of the
// (position, tap) pairs of a sequence.
func (g *gemmCall[T]) packAGather(dst []T, ic, pc, mb, kb, lo, hi int) {
	ga, mr := &g.ga, g.mk.mr
	for ip := lo; ip < hi; ip++ {
		pan := dst[ip*mr*kb : (ip+1)*mr*kb]
		rows := min(mr, mb-ip*mr)
		i0 := ic + ip*mr
		var skip uint64 // the slice's taps that are all padding here
		for p := pc; p < pc+kb; {
			s, c0 := p/ga.ch, p%ga.ch
			if s == ga.taps { // the bias's column of ones, the last step
				for r := range mr {
					pan[(p-pc)*mr+r] = 1
				}
				p++
				continue
			}
			n := min(pc+kb, (s+1)*ga.ch) - p // steps in this tap
			d := pan[(p-pc)*mr : (p-pc+n)*mr]
			o, run := ga.run(i0, s, i0+rows)
			switch {
			case run == rows && o < 0:
				// Marked, the micro-kernel skips the tap and its values
				// are not read.
				if t := s - pc/ga.ch; t < 64 {
					skip |= 1 << t
				} else {
					clear(d)
				}
			case run == rows && rows == 6 && mr == 6:
				g.packRows6(d, ga.x, o+c0, ga.ch, n)
			default:
				for r := 0; r < mr; r++ {
					o := -1
					if r < rows {
						o, _ = ga.run(i0+r, s, i0+r+1)
					}
					for q := 0; q < n; q++ {
						var v T
						if o >= 0 {
							v = ga.x[o+c0+q]
						}
						d[q*mr+r] = v
					}
				}
			}
			p += n
		}
		g.buf.askip[ic/mr+ip] = skip
	}
}

// packBGather is packB for a gathered B (op(B) = B, its rows the
// positions, its columns the taps x channels): a panel within one tap
// copies runs of consecutive positions (packN) and clears padding; a
// panel across taps or at the right edge goes column by column.
func (g *gemmCall[T]) packBGather(dst []T, pc, jc, kb, nb, lo, hi int) {
	gb, nr := &g.gb, g.mk.nr
	for jp := lo; jp < hi; jp++ {
		pan := dst[jp*nr*kb : (jp+1)*nr*kb]
		cols := min(nr, nb-jp*nr)
		j0 := jc + jp*nr
		if s, c0 := j0/gb.ch, j0%gb.ch; cols == nr && c0+nr <= gb.ch {
			for p := pc; p < pc+kb; {
				o, n := gb.run(p, s, pc+kb)
				d := pan[(p-pc)*nr : (p-pc+n)*nr]
				switch {
				case o < 0:
					clear(d)
				case g.mk.packN != nil:
					g.mk.packN(n, &gb.x[o+c0], gb.ch, &d[0])
				default:
					for q := 0; q < n; q++ {
						copy(d[q*nr:(q+1)*nr], gb.x[o+c0+q*gb.ch:])
					}
				}
				p += n
			}
			continue
		}
		for j := 0; j < nr; j++ {
			if j >= cols {
				for q := 0; q < kb; q++ {
					pan[q*nr+j] = 0
				}
				continue
			}
			s, c := (j0+j)/gb.ch, (j0+j)%gb.ch
			for p := pc; p < pc+kb; {
				o, n := gb.run(p, s, pc+kb)
				for q := 0; q < n; q++ {
					var v T
					if o >= 0 {
						v = gb.x[o+c+q*gb.ch]
					}
					pan[(p-pc+q)*nr+j] = v
				}
				p += n
			}
		}
	}
}

// convSmall is the size of a convolution (positions x Kernel*In x Out)
// below which it runs as a sum of per-tap products (convTaps).
const convSmall = 1 << 15

// conv is ops.conv: each convolution as one blocked product with an
// operand gathered while packed (see ConvShape for the definitions):
//
//	forward:       y  (rows x Out) = A(x)  (rows x K*In)  w^T (K*In x Out)
//	backward data: dx (rows x In)  = A(dy) (rows x K*Out) w'  (K*Out x In)
//	filter:        dw (Out x K*In) = dy^T  (Out x rows)   B(x) (rows x K*In)
//
// where A(x) and B(x) gather x's taps (convGather; A(dy) with the taps
// mirrored) and w' is w with its first two axes exchanged, laid out in a
// pooled buffer.
func (bg *blocked[T]) conv(op int, s ConvShape, out, a, b, bias []T, beta T) {
	if s.Batch*s.Length*s.Kernel*s.In*s.Out <= convSmall {
		convTaps(bg.gemm, bg.scale, op, s, out, a, b, bias, beta)
		return
	}
	bg.convBlocked(op, s, out, a, b, bias, beta)
}

// convBlocked is conv's blocked product, at any size. A forward bias is
// one more step of the product (gemmCall.bias).
func (bg *blocked[T]) convBlocked(op int, s ConvShape, out, a, b, bias []T, beta T) {
	L, K, In, Out := s.Length, s.Kernel, s.In, s.Out
	rows, reach := s.Batch*L, (K-1)/2*s.Dilation
	g := gemmCall[T]{alpha: 1}
	switch op {
	case convForward:
		g.m, g.n, g.k = rows, Out, K*In
		g.ga = convGather[T]{x: a, ch: In, length: L, taps: K, off0: -reach, step: s.Dilation}
		g.transB, g.b, g.ldb, g.c, g.ldc = true, b, K*In, out, Out
		if bias != nil {
			g.bias, g.k = bias, g.k+1
		}
	case convBackData:
		g.m, g.n, g.k = rows, In, K*Out
		g.ga = convGather[T]{x: a, ch: Out, length: L, taps: K, off0: reach, step: -s.Dilation}
		g.w, g.wShape = b, [3]int{Out, K, In}
		g.ldb, g.c, g.ldc = In, out, In
	case convBackFilter:
		g.m, g.n, g.k = Out, K*In, rows
		g.transA, g.a, g.lda = true, b, Out
		g.gb = convGather[T]{x: a, ch: In, length: L, taps: K, off0: -reach, step: s.Dilation}
		g.c, g.ldc = out, K*In
	}
	bg.exec(g, beta)
}

// swapWeights lays out w (d0 x d1 x d2) as w' (d1 x d0 x d2) in buf.
func swapWeights[T float32 | float64](buf, w []T, d [3]int) []T {
	buf = grow(buf, len(w))
	for i := 0; i < d[0]; i++ {
		for j := 0; j < d[1]; j++ {
			copy(buf[(j*d[0]+i)*d[2]:][:d[2]], w[(i*d[1]+j)*d[2]:])
		}
	}
	return buf
}

// convState is a convolution's part of a gemmCall: its operand gathered
// from the sequences, A's or B's (blocked.conv), and the weights that B
// is once rearranged into buf.w (wShape, its three axes, of which the
// first two are exchanged).
type convState[T float32 | float64] struct {
	ga, gb convGather[T]
	w      []T
	wShape [3]int
	// bias, if not nil (a convolution's, n values), is one more step of
	// the product: B's last row, against a column of ones in A (whose
	// gather has it after its taps).
	bias []T
}

// packBias writes the bias row as step steps of a B panel (zeros past
// cols) when the slice holds it (steps < the slice's kb).
func (g *gemmCall[T]) packBias(pan []T, j0, cols, steps int) {
	nr := g.mk.nr
	if g.bias == nil || (steps+1)*nr > len(pan) {
		return
	}
	d := pan[steps*nr : (steps+1)*nr]
	copy(d, g.bias[j0:j0+cols])
	clear(d[cols:])
}
