package kernels

import (
	"math"
	"math/bits"
	"sync"
	"unsafe"
)

// bf16Scratch holds the rows that the pair packing rounds to bfloat16
// before interleaving them.
var bf16Scratch = sync.Pool{New: func() any { return new([]uint16) }}

// scratchBF16 returns a pooled buffer of at least n values, with n even.
func scratchBF16(n int) *[]uint16 {
	s := bf16Scratch.Get().(*[]uint16)
	if cap(*s) < n {
		*s = make([]uint16, n)
	}
	*s = (*s)[:n]
	return s
}

// words returns s (even length) as its pairs, one uint32 per pair with
// element 2q in the low half (little-endian, as amd64 and arm64 are).
func words(s []uint16) []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(s))), len(s)/2)
}

// asWords returns a float32 packing buffer as the words it holds.
func asWords(s []float32) []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// packAPairs is packA for a bfloat16 kernel: panel ip of the mb x kb
// block of op(A) at (ic, pc) holds, per pair q of steps, the mr words of
// rows ip*mr.., each op(A)[i, pc+2q] (low half) and op(A)[i, pc+2q+1]
// rounded to bfloat16; missing rows and an odd kb's last high halves are
// zero. A row of A stored by rows is contiguous over the steps, so it is
// rounded in one call of the path's conversion; other layouts (a
// transposed or gathered A) are packed as float32 first (packAOther).
func (g *gemmCall[T]) packAPairs(dst []float32, ic, pc, mb, kb, lo, hi int) {
	mr, kw := g.mk.mr, (kb+1)/2
	a := f32s(g.a)
	dw := asWords(dst)
	sp := scratchBF16(2 * kw)
	defer bf16Scratch.Put(sp)
	s := *sp
	s[len(s)-1] = 0
	sw := words(s)
	if g.transA && g.ga.ch == 0 && mr == 6 && g.mk.packN48BF16 != nil && g.mk.packA6T8 != nil {
		for ; lo+8 <= hi && (lo+8)*6 <= mb; lo += 8 {
			g.packA48Pairs(dw[lo*mr*kw:], a, ic+lo*mr, pc, kb)
		}
	}
	for ip := lo; ip < hi; ip++ {
		pan := dw[ip*mr*kw : (ip+1)*mr*kw]
		rows := min(mr, mb-ip*mr)
		i0 := ic + ip*mr
		if g.ga.ch > 0 && g.ga.ch%2 == 0 && mr == 6 && g.mk.packA6 != nil {
			g.packAGatherPairs(pan, i0, pc, rows, kb)
			continue
		}
		if g.transA || g.ga.ch > 0 {
			g.packAOther(pan, i0, pc, rows, kb)
			continue
		}
		if rows == 6 && mr == 6 && g.mk.packA6 != nil && kw >= 16 {
			g.packA6Pairs(pan, a[i0*g.lda+pc:], g.lda, kb)
			continue
		}
		for r := 0; r < mr; r++ {
			if r >= rows {
				for q := 0; q < kw; q++ {
					pan[q*mr+r] = 0
				}
				continue
			}
			g.mk.toBF16(s[:kb], a[(i0+r)*g.lda+pc:][:kb])
			for q, w := range sw {
				pan[q*mr+r] = w
			}
		}
	}
}

// packA48Pairs packs eight whole panels of a transposed A, columns i0..
// i0+48 (a step's 48 values contiguous): packN48BF16 rounds and
// interleaves pairs of steps into a scratch of kw rows of 48 words, and
// the float32 packA6T8 deals them to the eight panels (at dst, 6*kw words
// apart).
func (g *gemmCall[T]) packA48Pairs(dst []uint32, a []float32, i0, pc, kb int) {
	kw := (kb + 1) / 2
	sp := scratchBF16(96 * kw)
	defer bf16Scratch.Put(sp)
	sw := words(*sp)
	if kb >= 2 {
		g.mk.packN48BF16(kb/2, (*T)(unsafe.Pointer(&a[pc*g.lda+i0])), g.lda, (*T)(unsafe.Pointer(&sw[0])))
	}
	if kb%2 == 1 {
		last := a[(pc+kb-1)*g.lda+i0:][:48]
		row := sw[(kw-1)*48 : kw*48]
		for j, v := range last {
			row[j] = uint32(bf16Of(math.Float32bits(v)))
		}
	}
	g.mk.packA6T8(kw, (*T)(unsafe.Pointer(&sw[0])), 48, (*T)(unsafe.Pointer(&dst[0])))
}

// packAGatherPairs packs one panel (rows rows from i0) of a gathered A
// whose channels are even, so that no pair of steps spans two taps (pc,
// a multiple of kc, is even): within a tap, six consecutive positions of
// the sequence are six rows of x (row stride ch) packed by packA6Pairs, a
// tap of padding for the whole panel is zeros, and a panel at a
// sequence's edge goes value by value.
func (g *gemmCall[T]) packAGatherPairs(pan []uint32, i0, pc, rows, kb int) {
	ga, mr := &g.ga, g.mk.mr
	x := f32s(ga.x)
	for p := pc; p < pc+kb; {
		s, c0 := p/ga.ch, p%ga.ch
		n := min(pc+kb, (s+1)*ga.ch) - p // steps in this tap
		d := pan[(p-pc)/2*mr : (p-pc+n+1)/2*mr]
		o, run := ga.run(i0, s, i0+rows)
		switch {
		case run == rows && o < 0:
			clear(d)
		case run == rows && rows == 6 && n >= 32:
			g.packA6Pairs(d, x[o+c0:], ga.ch, n)
		default:
			for r := 0; r < mr; r++ {
				o := -1
				if r < rows {
					o, _ = ga.run(i0+r, s, i0+r+1)
				}
				for q := 0; 2*q < n; q++ {
					var w uint32
					if o >= 0 {
						w = uint32(bf16Of(math.Float32bits(x[o+c0+2*q])))
						if 2*q+1 < n {
							w |= uint32(bf16Of(math.Float32bits(x[o+c0+2*q+1]))) << 16
						}
					}
					d[q*mr+r] = w
				}
			}
		}
		p += n
	}
}

// packBGatherPairs packs a whole panel of a gathered B that lies within
// one tap (its steps the positions, its nr columns channels c0.. of tap
// s): a run of consecutive positions is rows of x (row stride ch), packed
// by packNBF16 two at a time, a run of padding is zeros, and a pair of
// steps that spans two runs (a sequence's edge) is rounded row by row.
func (g *gemmCall[T]) packBGatherPairs(pan []uint32, pc, j0, kb int) {
	gb, nr := &g.gb, g.mk.nr
	x := f32s(gb.x)
	s, c0 := j0/gb.ch, j0%gb.ch
	sp := scratchBF16(2 * nr)
	defer bf16Scratch.Put(sp)
	lo16, hi16 := (*sp)[:nr], (*sp)[nr:]
	for p := pc; p < pc+kb; {
		o, n := gb.run(p, s, pc+kb)
		d := pan[(p-pc)/2*nr:]
		if m := n / 2; m > 0 {
			if o < 0 {
				clear(d[:m*nr])
			} else {
				g.mk.packNBF16(m, (*T)(unsafe.Pointer(&x[o+c0])), gb.ch, (*T)(unsafe.Pointer(&d[0])))
			}
			p += 2 * m
			continue
		}
		// One step left in this run: it pairs with the next run's first.
		clear(lo16)
		if o >= 0 {
			g.mk.toBF16(lo16, x[o+c0:][:nr])
		}
		clear(hi16)
		if p+1 < pc+kb {
			if o1, _ := gb.run(p+1, s, p+2); o1 >= 0 {
				g.mk.toBF16(hi16, x[o1+c0:][:nr])
			}
		}
		for j, v := range lo16 {
			d[j] = uint32(v) | uint32(hi16[j])<<16
		}
		p += 2
	}
}

// floatScratch holds the float32 panels that packAOther and packBOther
// convert.
var floatScratch = sync.Pool{New: func() any { return new([]float32) }}

// packAOther packs one panel (rows rows from i0) of a transposed or
// gathered A: packAFloat packs it as float32, with the taps that the
// float32 kernels would skip (all padding for the panel) cleared, since
// the bfloat16 kernels run every step; then pairify converts it.
func (g *gemmCall[T]) packAOther(pan []uint32, i0, pc, rows, kb int) {
	mr := g.mk.mr
	tp := floatScratch.Get().(*[]float32)
	defer floatScratch.Put(tp)
	tmp := grow(*tp, mr*kb)
	*tp = tmp
	g.packAFloat(any(tmp).([]T), i0, pc, rows, kb, 0, 1)
	if g.ga.ch > 0 {
		ch, first := g.ga.ch, pc/g.ga.ch
		for skip := g.buf.askip[i0/mr]; skip != 0; skip &= skip - 1 {
			t := first + trailingZeros(skip)
			p0, p1 := max(pc, t*ch), min(pc+kb, (t+1)*ch)
			clear(tmp[(p0-pc)*mr : (p1-pc)*mr])
		}
	}
	g.pairify(pan, tmp, mr, kb)
}

// pairify sets the words of a panel of width w from the float32 panel
// tmp of kb steps of w values: word q*w+j holds steps 2q (low half) and
// 2q+1 of column j rounded to bfloat16. A whole B panel goes through
// packNBF16.
func (g *gemmCall[T]) pairify(pan []uint32, tmp []float32, w, kb int) {
	kw, q0 := (kb+1)/2, 0
	if w == g.mk.nr && g.mk.packNBF16 != nil && kb >= 2 {
		q0 = kb / 2
		g.mk.packNBF16(q0, (*T)(unsafe.Pointer(&tmp[0])), w, (*T)(unsafe.Pointer(&pan[0])))
	}
	if q0 == kw {
		return
	}
	// The remaining steps in one conversion, then interleaved.
	sp := scratchBF16(2 * w * (kw - q0))
	defer bf16Scratch.Put(sp)
	s := *sp
	clear(s[(kb-2*q0)*w:])
	g.mk.toBF16(s[:(kb-2*q0)*w], tmp[2*q0*w:kb*w])
	for q := q0; q < kw; q++ {
		lo16, hi16 := s[2*(q-q0)*w:][:w], s[(2*(q-q0)+1)*w:][:w]
		d := pan[q*w : (q+1)*w]
		for j, v := range lo16 {
			d[j] = uint32(v) | uint32(hi16[j])<<16
		}
	}
}

// packBOther packs one panel (cols columns from j0) of a gathered B, or
// of a B with a bias row, as float32 (packBFloat), then converts it.
func (g *gemmCall[T]) packBOther(pan []uint32, pc, j0, cols, kb int) {
	nr := g.mk.nr
	tp := floatScratch.Get().(*[]float32)
	defer floatScratch.Put(tp)
	tmp := grow(*tp, nr*kb)
	*tp = tmp
	g.packBFloat(any(tmp).([]T), pc, j0, kb, cols, 0, 1)
	g.pairify(pan, tmp, nr, kb)
}

// packA6Pairs packs a whole panel of six rows stored by rows (from a,
// row stride lda): each row is rounded into a scratch row of kw words,
// which the float32 packA6 (a transposition of 32-bit values) lays out
// sixteen pairs at a time; the last kw%16 pairs are copied here.
func (g *gemmCall[T]) packA6Pairs(pan []uint32, a []float32, lda, kb int) {
	kw := (kb + 1) / 2
	if g.mk.packA6BF16 != nil {
		// One pass (packA6BF16) over the whole pairs, sixteen at a time;
		// the rest here.
		q16 := kb / 2 / 16 * 16
		g.mk.packA6BF16(q16, (*T)(unsafe.Pointer(&a[0])), lda, (*T)(unsafe.Pointer(&pan[0])))
		for q := q16; q < kw; q++ {
			d := pan[q*6 : q*6+6 : q*6+6]
			for r := range d {
				w := uint32(bf16Of(math.Float32bits(a[r*lda+2*q])))
				if 2*q+1 < kb {
					w |= uint32(bf16Of(math.Float32bits(a[r*lda+2*q+1]))) << 16
				}
				d[r] = w
			}
		}
		return
	}
	sp := scratchBF16(12 * kw)
	defer bf16Scratch.Put(sp)
	s := *sp
	for r := 0; r < 6; r++ {
		row := s[r*2*kw : (r+1)*2*kw]
		row[2*kw-1] = 0
		g.mk.toBF16(row[:kb], a[r*lda:][:kb])
	}
	sw := words(s)
	q16 := kw / 16 * 16
	g.mk.packA6(q16, (*T)(unsafe.Pointer(&sw[0])), kw, (*T)(unsafe.Pointer(&pan[0])))
	for q := q16; q < kw; q++ {
		d := pan[q*6 : q*6+6 : q*6+6]
		for r := range d {
			d[r] = sw[r*kw+q]
		}
	}
}

// packBPairs is packB for a bfloat16 kernel: panel jp of the kb x nb
// block of op(B) at (pc, jc) holds, per pair q of steps, the nr words of
// columns jp*nr.., each op(B)[pc+2q, j] (low half) and op(B)[pc+2q+1, j]
// rounded to bfloat16, zero-padded.
func (g *gemmCall[T]) packBPairs(dst []float32, pc, jc, kb, nb, lo, hi int) {
	nr, kw := g.mk.nr, (kb+1)/2
	b := f32s(g.b)
	dw := asWords(dst)
	sp := scratchBF16(2 * max(kw*max(g.mk.tl, 1), nr))
	defer bf16Scratch.Put(sp)
	s := *sp
	for jp := lo; jp < hi; jp++ {
		pan := dw[jp*nr*kw : (jp+1)*nr*kw]
		cols := min(nr, nb-jp*nr)
		j0 := jc + jp*nr
		if g.gb.ch > 0 && g.bias == nil && cols == nr && j0%g.gb.ch+nr <= g.gb.ch && g.mk.packNBF16 != nil {
			g.packBGatherPairs(pan, pc, j0, kb)
			continue
		}
		if g.gb.ch > 0 || g.bias != nil {
			g.packBOther(pan, pc, j0, cols, kb)
			continue
		}
		if g.transB {
			// op(B)[p,j] = b[j*ldb+p]: a column's steps are contiguous,
			// so its words are its rounded values taken in pairs.
			j1 := 0
			if tl := g.mk.tl; g.mk.packT != nil && kw >= tl {
				// Whole groups of tl columns: each column's words into a
				// scratch row, then the float32 transposing copy.
				j1 = cols / tl * tl
				q1 := kw / tl * tl
				rows := s[:2*kw*tl]
				sw := words(rows)
				for j := 0; j < j1; j += tl {
					for t := 0; t < tl; t++ {
						row := rows[2*kw*t : 2*kw*(t+1)]
						row[2*kw-1] = 0
						g.mk.toBF16(row[:kb], b[(j0+j+t)*g.ldb+pc:][:kb])
					}
					g.mk.packT(q1, (*T)(unsafe.Pointer(&sw[0])), kw, (*T)(unsafe.Pointer(&pan[j])), nr)
					for t := 0; t < tl; t++ {
						for q := q1; q < kw; q++ {
							pan[q*nr+j+t] = sw[t*kw+q]
						}
					}
				}
			}
			s[2*kw-1] = 0
			sw := words(s[:2*kw])
			for j := j1; j < cols; j++ {
				g.mk.toBF16(s[:kb], b[(j0+j)*g.ldb+pc:][:kb])
				for q, w := range sw {
					pan[q*nr+j] = w
				}
			}
			if cols < nr {
				for q := 0; q < kw; q++ {
					clear(pan[q*nr+cols : (q+1)*nr])
				}
			}
			continue
		}
		q0 := 0
		if cols == nr && g.mk.packNBF16 != nil && kb >= 2 {
			q0 = kb / 2
			g.mk.packNBF16(q0, (*T)(unsafe.Pointer(&b[pc*g.ldb+j0])), g.ldb, (*T)(unsafe.Pointer(&dst[jp*nr*kw])))
		}
		lo16, hi16 := s[:cols], s[nr:nr+cols]
		for q := q0; q < kw; q++ {
			p := pc + 2*q
			g.mk.toBF16(lo16, b[p*g.ldb+j0:][:cols])
			if 2*q+1 < kb {
				g.mk.toBF16(hi16, b[(p+1)*g.ldb+j0:][:cols])
			} else {
				clear(hi16)
			}
			d := pan[q*nr : (q+1)*nr]
			for j, v := range lo16 {
				d[j] = uint32(v) | uint32(hi16[j])<<16
			}
			clear(d[cols:])
		}
	}
}

func trailingZeros(x uint64) int { return bits.TrailingZeros64(x) }
