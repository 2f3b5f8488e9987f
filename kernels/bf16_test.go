package kernels

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// bf16Oracle rounds the float32 bits x to bfloat16 from the definition:
// of the two bfloat16 around x the nearer, on a tie the one with an even
// last bit; subnormals flushed to a signed zero, NaN quieted.
func bf16Oracle(x uint32) uint16 {
	f := math.Float32frombits(x)
	if f != f {
		return uint16(x>>16) | 0x40
	}
	if x&0x7f800000 == 0 {
		return uint16(x>>16) & 0x8000
	}
	lo := uint16(x >> 16) // truncation toward zero
	hi := lo + 1          // next away from zero (an infinity past the largest)
	v := math.Abs(float64(f))
	dlo := v - math.Abs(float64(math.Float32frombits(uint32(lo)<<16)))
	vhi := math.Abs(float64(math.Float32frombits(uint32(hi) << 16)))
	if hi&0x7fff == 0x7f80 {
		vhi = 0x1p128 // rounding as if the exponent were unbounded, then overflow
	}
	dhi := vhi - v
	switch {
	case dlo < dhi:
		return lo
	case dhi < dlo:
		return hi
	case lo&1 == 0:
		return lo
	}
	return hi
}

// bf16TestBits returns n float32 bit patterns: every class (zeros,
// subnormals, normals, ties, the largest values, infinities, NaNs) and
// random bits.
func bf16TestBits(r *rand.Rand, n int) []uint32 {
	special := []uint32{0, 0x80000000, 1, 0x807fffff, 0x00800000, 0x3f808000, 0x3f818000,
		0x3f808001, 0x3f807fff, 0x7f7fffff, 0x7f7f8000, 0x7f7f7fff, 0xff7f8000, 0x7f800000,
		0xff800000, 0x7fc00000, 0x7f800001, 0xffbfffff, 0x7fff8000, 0x3f800000, 0xbf8f8000}
	out := make([]uint32, n)
	for i := range out {
		switch {
		case i < len(special):
			out[i] = special[i]
		case i%3 == 0: // a tie or near one
			out[i] = r.Uint32()&^0xffff | 0x8000 | uint32(r.IntN(2))
		default:
			out[i] = r.Uint32()
		}
	}
	return out
}

// TestBF16ConvertPaths checks ToBF16 against the oracle on every path,
// over lengths 0..70 at each of four offsets (unaligned slices, every
// tail length of the vector loops), and FromBF16 as the exact widening.
func TestBF16ConvertPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	bits := bf16TestBits(r, 80)
	src := make([]float32, len(bits))
	for i, b := range bits {
		src[i] = math.Float32frombits(b)
	}
	for _, p := range supportedPaths() {
		for off := 0; off < 4; off++ {
			for n := 0; off+n <= 74 && n <= 70; n++ {
				s := src[off : off+n]
				dst := make([]uint16, n+off+1)
				for i := range dst {
					dst[i] = 0xdead
				}
				p.bf16.toBF16(dst[off:off+n], s)
				for i := range s {
					if want := bf16Oracle(math.Float32bits(s[i])); dst[off+i] != want {
						t.Fatalf("%s: ToBF16(%#08x) = %#04x, want %#04x (n=%d off=%d)", p.name, math.Float32bits(s[i]), dst[off+i], want, n, off)
					}
				}
				for i := range dst {
					if (i < off || i >= off+n) && dst[i] != 0xdead {
						t.Fatalf("%s: ToBF16 wrote outside dst (n=%d off=%d, index %d)", p.name, n, off, i)
					}
				}
				back := make([]float32, n+1)
				back[n] = 7
				p.bf16.fromBF16(back[:n], dst[off:off+n])
				for i := 0; i < n; i++ {
					if math.Float32bits(back[i]) != uint32(dst[off+i])<<16 {
						t.Fatalf("%s: FromBF16(%#04x) = %#08x", p.name, dst[off+i], math.Float32bits(back[i]))
					}
				}
				if back[n] != 7 {
					t.Fatalf("%s: FromBF16 wrote past dst", p.name)
				}
			}
		}
	}
}

// TestBF16Bound checks the stated bound of ToBF16 on random normal values
// and the generic rounding against the oracle on many random patterns.
func TestBF16Bound(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n := 1 << 18
	if testing.Short() {
		n = 1 << 14
	}
	for i := 0; i < n; i++ {
		x := r.Uint32()
		if got, want := bf16Of(x), bf16Oracle(x); got != want {
			t.Fatalf("bf16Of(%#08x) = %#04x, want %#04x", x, got, want)
		}
		f := math.Float32frombits(x)
		if x&0x7f800000 == 0 || x&0x7f800000 == 0x7f800000 || math.Abs(float64(f)) >= 0x1.ffp127 {
			continue
		}
		back := float64(math.Float32frombits(uint32(bf16Of(x)) << 16))
		if e := math.Abs(back - float64(f)); e > 0x1p-8*math.Abs(float64(f)) {
			t.Fatalf("ToBF16(%g) = %g: error %g > 2^-8 |x|", f, back, e)
		}
	}
}

// FuzzToBF16 compares every path's conversion with the oracle.
func FuzzToBF16(f *testing.F) {
	f.Add([]byte{0, 0x80, 0x80, 0x3f, 1, 0, 0x80, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		src := make([]float32, len(data)/4)
		for i := range src {
			src[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		for _, p := range supportedPaths() {
			dst := make([]uint16, len(src))
			p.bf16.toBF16(dst, src)
			for i, v := range src {
				if want := bf16Oracle(math.Float32bits(v)); dst[i] != want {
					t.Fatalf("%s: ToBF16(%#08x) = %#04x, want %#04x", p.name, math.Float32bits(v), dst[i], want)
				}
			}
		}
	})
}

// TestBF16MicroKernels runs each path's bfloat16 micro-kernel, both the
// adding and the storing one, on random packed panels against the
// generic one: the same bits.
func TestBF16MicroKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	// With scale 2^-63 the products are near 2^-126, so that sums
	// underflow and are flushed (VDPBF16PS's FTZ), and products underflow.
	scale := 1.0
	word := func() uint32 {
		w := uint32(bf16Of(math.Float32bits(float32(r.NormFloat64() * scale))))
		return w | uint32(bf16Of(math.Float32bits(float32(r.NormFloat64()*scale))))<<16
	}
	for _, p := range supportedPaths() {
		mk := p.bf16.mk
		for trial, kc := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 257, 1, 4, 9, 33} {
			scale = 1
			if trial >= 12 {
				scale = 0x1p-63
			}
			a, b := make([]float32, kc*bf16MR+1), make([]float32, kc*bf16NR+1)
			for i := range a {
				a[i] = math.Float32frombits(word())
			}
			for i := range b {
				b[i] = math.Float32frombits(word())
			}
			ldc := bf16NR + 3
			for _, set := range []bool{false, true} {
				c := make([]float32, bf16MR*ldc)
				for i := range c {
					c[i] = float32(r.NormFloat64())
				}
				want := append([]float32(nil), c...)
				alpha := float32(r.NormFloat64())
				fn, ref := mk.fn, gemmKernelBF16Generic
				if set {
					fn, ref = mk.set, gemmSetKernelBF16Generic
				}
				fn(kc, &a[0], &b[0], &c[0], ldc, alpha)
				ref(kc, &a[0], &b[0], &want[0], ldc, alpha)
				for i := range c {
					if math.Float32bits(c[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s: kc=%d set=%v: c[%d] = %g (%#08x), generic %g (%#08x)", p.name, kc, set, i, c[i], math.Float32bits(c[i]), want[i], math.Float32bits(want[i]))
					}
				}
			}
		}
	}
}

// gemmBF16Ref is GemmBF16's arithmetic written out: for each kc slice of
// k, each element's accumulator takes the slice's pairs of steps in order
// (dpPair), and C = alpha*acc on the first slice when beta = 0, else C =
// fma(acc, alpha, C) after C = beta*C.
func gemmBF16Ref(tA, tB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc, kc int) {
	set := beta == 0 && alpha != 0 && k != 0
	if !set {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				switch beta {
				case 0:
					c[i*ldc+j] = 0
				case 1:
				default:
					c[i*ldc+j] *= beta
				}
			}
		}
		if alpha == 0 || k == 0 {
			return
		}
	}
	at := func(i, p int) uint32 {
		if tA {
			return uint32(bf16Of(math.Float32bits(a[p*lda+i])))
		}
		return uint32(bf16Of(math.Float32bits(a[i*lda+p])))
	}
	bt := func(p, j int) uint32 {
		if tB {
			return uint32(bf16Of(math.Float32bits(b[j*ldb+p])))
		}
		return uint32(bf16Of(math.Float32bits(b[p*ldb+j])))
	}
	for pc := 0; pc < k; pc += kc {
		end := min(pc+kc, k)
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var acc float32
				for p := pc; p < end; p += 2 {
					aw, bw := at(i, p), bt(p, j)
					if p+1 < end {
						aw |= at(i, p+1) << 16
						bw |= bt(p+1, j) << 16
					}
					acc = dpPair(acc, aw, bw)
				}
				if set && pc == 0 {
					c[i*ldc+j] = acc * alpha
				} else {
					c[i*ldc+j] = fma32(acc, alpha, c[i*ldc+j])
				}
			}
		}
	}
}

// TestGemmBF16Paths runs each path's GemmBF16, with its own blocking and
// with tiny blockings that cross every block boundary, on 1 to 3
// threads, over sizes with partial tiles, transposes, alpha and beta,
// against gemmBF16Ref: the same bits. It also checks the stated error
// bound against the float64 product of the unrounded operands, and that
// nothing outside C is written.
func TestGemmBF16Paths(t *testing.T) {
	defer SetThreads(SetThreads(0))
	r := rand.New(rand.NewPCG(9, 10))
	trials := 120
	if testing.Short() {
		trials = 40
	}
	for _, p := range supportedPaths() {
		for trial := 0; trial < trials; trial++ {
			bl := bf16Blocking()
			gemm := p.bf16.gemm
			if trial%2 == 1 {
				bl = blocking{kc: 8 * (1 + r.IntN(3)), mc: bf16MR * (1 + r.IntN(3)), nc: bf16NR * (1 + r.IntN(2)), flopsPerThread: 1}
				gemm = newBlockedWith(p.bf16.mk, scaleGeneric[float32], bl).gemmBF16
			}
			SetThreads(1 + r.IntN(3))
			m, n, k := 1+r.IntN(3*bf16MR+2), 1+r.IntN(2*bf16NR+8), r.IntN(3*bl.kc/2+3)
			if trial%2 == 0 && trial%8 == 0 && !testing.Short() {
				k = bl.kc + 1 + r.IntN(64) // two slices of the real blocking
			}
			if trial%2 == 0 && testing.Short() {
				k = r.IntN(70)
			}
			if trial%5 == 4 { // eight whole panels and more (packA48Pairs)
				m = 48 + r.IntN(20)
				if trial%2 == 1 {
					bl.mc = bf16MR * (8 + r.IntN(4))
					gemm = newBlockedWith(p.bf16.mk, scaleGeneric[float32], bl).gemmBF16
				}
			}
			tA, tB := r.IntN(2) == 1, r.IntN(2) == 1
			alpha := []float32{1, -0.75, 0, 1.5}[r.IntN(4)]
			beta := []float32{0, 1, 0.5, -2}[r.IntN(4)]
			checkGemmBF16(t, p.name, gemm, bl.kc, r, tA, tB, m, n, k, alpha, beta)
		}
	}
}

// checkGemmBF16 runs gemm on random operands of the given shape (padded
// leading dimensions, sentinels around C) against gemmBF16Ref with the
// blocking kc: the same bits, within the stated bound of the float64
// product of the unrounded operands, and nothing outside C written.
func checkGemmBF16(t *testing.T, name string, gemm func(bool, bool, int, int, int, float32, []float32, int, []float32, int, float32, []float32, int), kc int, r *rand.Rand, tA, tB bool, m, n, k int, alpha, beta float32) {
	t.Helper()
	ar, ac, br, bc := m, k, k, n
	if tA {
		ar, ac = k, m
	}
	if tB {
		br, bc = n, k
	}
	lda, ldb, ldc := max(ac, 1)+r.IntN(3), max(bc, 1)+r.IntN(3), n+r.IntN(3)
	a, b := make([]float32, ar*lda+1), make([]float32, br*ldb+1)
	for i := range a {
		a[i] = float32(r.NormFloat64())
	}
	for i := range b {
		b[i] = float32(r.NormFloat64())
	}
	const sentinel = -12345.5
	c := make([]float32, m*ldc+1)
	for i := range c {
		c[i] = sentinel
		if i < m*ldc && i%ldc < n {
			c[i] = float32(r.NormFloat64())
		}
	}
	c0 := append([]float32(nil), c...)
	want := append([]float32(nil), c...)
	gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	gemmBF16Ref(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, want, ldc, kc)
	for i := range c {
		if i >= m*ldc || i%ldc >= n {
			if c[i] != sentinel {
				t.Fatalf("%s: wrote c[%d] outside C", name, i)
			}
			continue
		}
		row, col := i/ldc, i%ldc
		if math.Float32bits(c[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: %dx%dx%d tA=%v tB=%v alpha=%g beta=%g kc=%d: C[%d,%d] = %g, reference %g", name, m, n, k, tA, tB, alpha, beta, kc, row, col, c[i], want[i])
		}
		var exact, mag float64
		for q := 0; q < k; q++ {
			var av, bv float64
			if tA {
				av = float64(a[q*lda+row])
			} else {
				av = float64(a[row*lda+q])
			}
			if tB {
				bv = float64(b[col*ldb+q])
			} else {
				bv = float64(b[q*ldb+col])
			}
			exact += av * bv
			mag += math.Abs(av * bv)
		}
		cb := float64(beta) * float64(c0[i])
		if beta == 0 {
			cb = 0
		}
		exact = float64(alpha)*exact + cb
		bound := (0x1p-7+0x1p-15+float64(k+2)*0x1p-23)*(math.Abs(float64(alpha))*mag+math.Abs(cb)) + float64(k)*0x1p-126
		if e := math.Abs(float64(c[i]) - exact); e > bound {
			t.Fatalf("%s: %dx%dx%d: C[%d,%d] error %g > bound %g", name, m, n, k, row, col, e, bound)
		}
	}
}

// im2col returns the explicit matrix that a convGather reads: row i,
// column t*ch+c is x at position l+off0+t*step of row i's sequence (l its
// position there), or 0 outside the sequence.
func im2col(x []float32, rows, length, ch, taps, off0, step int) []float32 {
	m := make([]float32, rows*taps*ch)
	for i := 0; i < rows; i++ {
		l := i % length
		for t := 0; t < taps; t++ {
			p := l + off0 + t*step
			if p < 0 || p >= length {
				continue
			}
			copy(m[(i*taps+t)*ch:][:ch], x[(i-l+p)*ch:][:ch])
		}
	}
	return m
}

// TestConvBF16Paths checks the three bfloat16 convolutions on every path
// against gemmBF16Ref on the explicit im2col matrices (the same bits),
// over shapes with partial tiles, dilations, a bias and beta.
func TestConvBF16Paths(t *testing.T) {
	defer SetThreads(SetThreads(0))
	r := rand.New(rand.NewPCG(11, 12))
	kc := bf16Blocking().kc
	trials := 30
	if testing.Short() {
		trials = 10
	}
	for _, p := range supportedPaths() {
		for trial := 0; trial < trials; trial++ {
			SetThreads(1 + r.IntN(3))
			s := ConvShape{Batch: r.IntN(3), Length: 1 + r.IntN(40), In: 1 + r.IntN(20), Out: 1 + r.IntN(70),
				Kernel: 1 + 2*r.IntN(3), Dilation: 1 + r.IntN(3)}
			switch {
			case trial == 0 && testing.Short():
				s = ConvShape{Batch: 2, Length: 50, In: 33, Out: 70, Kernel: 9, Dilation: 2}
			case trial == 0: // K*In and Batch*Length > kc: two slices of k
				s = ConvShape{Batch: 2, Length: 300, In: 65, Out: 70, Kernel: 9, Dilation: 2}
			case trial == 1: // taps of padding for whole panels
				s = ConvShape{Batch: 2, Length: 30, In: 7, Out: 9, Kernel: 7, Dilation: 4}
			case trial == 2: // even channels: A gathered in pairs (packAGatherPairs)
				s = ConvShape{Batch: 2, Length: 40, In: 64, Out: 70, Kernel: 5, Dilation: 2}
			case trial == 3 && !testing.Short(): // and over two slices of k
				s = ConvShape{Batch: 1, Length: 30, In: 130, Out: 66, Kernel: 5, Dilation: 3}
			}
			rows, K, In, Out := s.Batch*s.Length, s.Kernel, s.In, s.Out
			reach := (K - 1) / 2 * s.Dilation
			fill := func(n int) []float32 {
				v := make([]float32, n)
				for i := range v {
					v[i] = float32(r.NormFloat64())
				}
				return v
			}
			x, w, dy := fill(rows*In), fill(Out*K*In), fill(rows*Out)
			beta := []float32{0, 1, 0.5}[r.IntN(3)]
			var bias []float32
			if r.IntN(2) == 0 {
				bias = fill(Out)
			}
			check := func(name string, got, want []float32) {
				t.Helper()
				for i := range got {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s: %s %+v beta=%g: [%d] = %g, reference %g", p.name, name, s, beta, i, got[i], want[i])
					}
				}
			}
			// Forward: y = beta*y + bias, then + im2col(x) w^T.
			y := fill(rows * Out)
			want := append([]float32(nil), y...)
			p.bf16.conv(convForward, s, y, x, w, bias, beta)
			wb := beta
			if bias != nil {
				for i := range want {
					v := bias[i%Out]
					switch beta {
					case 0:
						want[i] = v
					case 1:
						want[i] += v
					default:
						want[i] = float32(beta*want[i]) + v
					}
				}
				wb = 1
			}
			if rows > 0 {
				gemmBF16Ref(false, true, rows, Out, K*In, 1, im2col(x, rows, s.Length, In, K, -reach, s.Dilation), K*In, w, K*In, wb, want, Out, kc)
			}
			check("forward", y, want)
			// Backward data: dx = beta*dx + im2col(dy, mirrored) w'.
			dx := fill(rows * In)
			want = append([]float32(nil), dx...)
			p.bf16.conv(convBackData, s, dx, dy, w, nil, beta)
			if rows > 0 {
				wsw := swapWeights(nil, w, [3]int{Out, K, In})
				gemmBF16Ref(false, false, rows, In, K*Out, 1, im2col(dy, rows, s.Length, Out, K, reach, -s.Dilation), K*Out, wsw, In, beta, want, In, kc)
			}
			check("backward data", dx, want)
			// Backward filter: dw = beta*dw + dy^T im2col(x).
			dw := fill(Out * K * In)
			want = append([]float32(nil), dw...)
			p.bf16.conv(convBackFilter, s, dw, x, dy, nil, beta)
			if rows > 0 {
				gemmBF16Ref(true, false, Out, K*In, rows, 1, dy, Out, im2col(x, rows, s.Length, In, K, -reach, s.Dilation), K*In, beta, want, K*In, kc)
			} else {
				for i := range want {
					want[i] = map[float32]float32{0: 0, 1: want[i], 0.5: 0.5 * want[i]}[beta]
				}
			}
			check("backward filter", dw, want)
		}
	}
}

// BenchmarkBF16MicroKernel times the active path's bfloat16 micro-kernel
// as the blocked product runs it: one A panel of kc = 256 pairs against
// eight B panels (512 KiB, half of a 1 MiB L2), into one C tile; the
// ceiling of GemmBF16 without packing.
func BenchmarkBF16MicroKernel(b *testing.B) {
	mk := active.Load().bf16.mk
	const kc, panels = 256, 8
	a, bp := make([]float32, bf16MR*kc), make([]float32, panels*bf16NR*kc)
	for i := range a {
		a[i] = math.Float32frombits(0x3f803f80)
	}
	for i := range bp {
		bp[i] = math.Float32frombits(0x3f003f00)
	}
	c := make([]float32, bf16MR*bf16NR)
	for b.Loop() {
		for p := 0; p < panels; p++ {
			mk.fn(kc, &a[0], &bp[p*bf16NR*kc], &c[0], bf16NR, 1)
		}
	}
	b.ReportMetric(float64(b.N)*panels*2*bf16MR*bf16NR*2*kc/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// FuzzGemmBF16 runs every path's GemmBF16 (its own blocking, the threads
// of SetThreads) on random operands of fuzzed shape, transposes, alpha and
// beta against gemmBF16Ref (checkGemmBF16).
func FuzzGemmBF16(f *testing.F) {
	f.Add(uint64(1), uint8(7), uint8(65), uint8(33), false, true, int8(4), int8(0))
	f.Add(uint64(2), uint8(13), uint8(3), uint8(1), true, false, int8(-3), int8(2))
	f.Fuzz(func(t *testing.T, seed uint64, mb, nb, kb uint8, tA, tB bool, alpha, beta int8) {
		r := rand.New(rand.NewPCG(seed, 0x5eed))
		m, n, k := 1+int(mb%70), 1+int(nb%140), int(kb)
		kc := bf16Blocking().kc
		for _, p := range supportedPaths() {
			checkGemmBF16(t, p.name, p.bf16.gemm, kc, r, tA, tB, m, n, k, float32(alpha)/4, float32(beta)/4)
		}
	})
}
