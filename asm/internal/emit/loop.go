package emit

import (
	"github.com/fisherflow/fisherflow/asm/internal/doc"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Map emits a loop over n elements: body receives one vector from each
// input pointer and returns one vector for each output pointer. The main
// loop handles unroll vectors per iteration, then single vectors, then a
// masked tail. Pointers and n are advanced in place.
func (k *Kernel) Map(n reg.GPVirtual, ins, outs []reg.GPVirtual, unroll int, body func(in []reg.VecVirtual) []reg.VecVirtual) {
	step := k.mapStep(ins, outs, body, func(v reg.VecVirtual, m Mem) { k.Store(v, m) })
	k.loops(n, append(append([]reg.GPVirtual{}, ins...), outs...), k.Lanes(), k.Bytes(), unroll, step)
}

// mapStep returns the step of Map and MapStream: one vector from each
// input pointer at offset u vectors (masked in the tail), body, and each
// result stored by store (by StoreMasked in the tail).
func (k *Kernel) mapStep(ins, outs []reg.GPVirtual, body func(in []reg.VecVirtual) []reg.VecVirtual, store func(v reg.VecVirtual, m Mem)) func(u int, mask *Mask) {
	return func(u int, mask *Mask) {
		var in []reg.VecVirtual
		for _, p := range ins {
			v := k.Vec()
			m := Mem{Base: p, Disp: u * k.Bytes()}
			if mask != nil {
				k.LoadMasked(m, *mask, v)
			} else {
				k.Load(m, v)
			}
			in = append(in, v)
		}
		res := body(in)
		for i, p := range outs {
			m := Mem{Base: p, Disp: u * k.Bytes()}
			if mask != nil {
				k.StoreMasked(res[i], *mask, m)
			} else {
				store(res[i], m)
			}
		}
	}
}

// MapStream is Map with one output written by non-temporal stores
// (VMOVNTPS, VMOVNTPD) in its whole-vector loops: they bypass the caches
// and skip the read of every destination line that an ordinary store's
// write-allocate costs, which pays for outputs far larger than the caches
// and costs re-reading for outputs that would have stayed in them. A
// non-temporal store needs an address aligned to the vector's width, so
// the elements before the output's first vector boundary take one masked
// step with ordinary stores, as does the tail. The stores are weakly
// ordered: the caller runs SFENCE (see Fence) once its last call is done,
// before anything may read the output.
func (k *Kernel) MapStream(n reg.GPVirtual, ins []reg.GPVirtual, out reg.GPVirtual, unroll int, body func(in []reg.VecVirtual) []reg.VecVirtual) {
	step := k.mapStep(ins, []reg.GPVirtual{out}, body, func(v reg.VecVirtual, m Mem) { k.Pick(movntps, movntpd)(v, m) })
	ptrs := unique(append(append([]reg.GPVirtual{}, ins...), out))
	// h = min(n, elements before out's next vector boundary).
	aligned := k.Label("aligned")
	h := GP64()
	MOVQ(out, h)
	NEGQ(h)
	ANDQ(U32(uint32(k.Bytes()-1)), h)
	SHRQ(U8(k.Shift()), h)
	CMPQ(h, n)
	CMOVQHI(n, h)
	TESTQ(h, h)
	JZ(LabelRef(aligned))
	mask := k.TailMask(h)
	step(0, &mask)
	for _, p := range ptrs {
		LEAQ(Mem{Base: p, Index: h, Scale: uint8(k.Size())}, p)
	}
	SUBQ(h, n)
	Label(aligned)
	k.loops(n, ptrs, k.Lanes(), k.Bytes(), unroll, step)
}

// StreamTwin returns the name and doc line of the kernel base, or with
// stream those of its non-temporal twin baseStream (see MapOne).
func (k *Kernel) StreamTwin(base, doc string, stream bool) (name, d string) {
	if !stream {
		return base, doc
	}
	return base + "Stream", "is " + k.Name(base) + " with non-temporal stores to dst; storeFence must follow its last call."
}

// MapOne is Map with the one output out, or with stream MapStream.
func (k *Kernel) MapOne(stream bool, n reg.GPVirtual, ins []reg.GPVirtual, out reg.GPVirtual, unroll int, body func(in []reg.VecVirtual) []reg.VecVirtual) {
	if stream {
		k.MapStream(n, ins, out, unroll, body)
		return
	}
	k.Map(n, ins, []reg.GPVirtual{out}, unroll, body)
}

// Fence emits a function named name that runs SFENCE: the barrier after a
// MapStream kernel's non-temporal stores.
func Fence(name string) {
	TEXT(name, NOSPLIT, "func()")
	Doc(doc.Lines(name + " orders the non-temporal stores before it (SFENCE) ahead of every later store.")...)
	SFENCE()
	RET()
}

// Loop emits the three-stage loop over n elements of the kernel's
// precision for a body that does its own loads and stores: step(u, nil)
// handles the vector at offset u*Bytes of each pointer in the unrolled
// main loop (u < unroll) and in the one-vector loop (u = 0), step(0,
// &mask) the masked tail. Every pointer in ptrs advances one vector per
// vector.
func (k *Kernel) Loop(n reg.GPVirtual, ptrs []reg.GPVirtual, unroll int, step func(u int, mask *Mask)) {
	k.loops(n, ptrs, k.Lanes(), k.Bytes(), unroll, step)
}

// loops emits the three-stage loop over n elements, calling step(u, nil)
// for each of unroll vectors in the main loop, step(0, nil) in the single
// loop and step(0, &mask) in the tail; each pointer advances by stride
// bytes per vector of lanes elements.
func (k *Kernel) loops(n reg.GPVirtual, ptrs []reg.GPVirtual, lanes, stride, unroll int, step func(u int, mask *Mask)) {
	k.loopsGroup(n, ptrs, lanes, stride, unroll, func(us []int, mask *Mask) {
		for _, u := range us {
			step(u, mask)
		}
	})
}

// loopsGroup is loops with one call of step for all unroll vectors of
// the main loop: step(us, mask) handles the vectors at offsets us.
func (k *Kernel) loopsGroup(n reg.GPVirtual, ptrs []reg.GPVirtual, lanes, stride, unroll int, step func(us []int, mask *Mask)) {
	big, one, tail, done := k.Label("big"), k.Label("one"), k.Label("tail"), k.Label("done")
	ptrs = unique(ptrs) // an in-place kernel reads and writes through one pointer
	advance := func(vecs int) {
		for _, p := range ptrs {
			ADDQ(U32(uint32(vecs*stride)), p)
		}
		SUBQ(U32(uint32(vecs*lanes)), n)
	}
	all := make([]int, unroll)
	for u := range all {
		all[u] = u
	}
	Label(big)
	CMPQ(n, U32(uint32(unroll*lanes)))
	JB(LabelRef(one))
	step(all, nil)
	advance(unroll)
	JMP(LabelRef(big))
	Label(one)
	CMPQ(n, U32(uint32(lanes)))
	JB(LabelRef(tail))
	step([]int{0}, nil)
	advance(1)
	JMP(LabelRef(one))
	Label(tail)
	TESTQ(n, n)
	JZ(LabelRef(done))
	mask := tailMask(k.ISA, stride/lanes, n)
	step([]int{0}, &mask)
	Label(done)
}

// Reduce emits a loop over n elements of the inputs that accumulates into
// nacc accumulators, with unroll independent copies of each to hide FMA
// latency; body(in, acc) adds one vector of each input into acc. It
// returns the accumulators, each summed across copies (still vectors;
// see HSum). In a float64 kernel, wide32 makes the inputs float32
// elements that are widened to float64 as they are loaded.
func (k *Kernel) Reduce(n reg.GPVirtual, ins []reg.GPVirtual, nacc, unroll int, wide32 bool, body func(in, acc []reg.VecVirtual)) []reg.VecVirtual {
	acc := make([][]reg.VecVirtual, unroll)
	for u := range acc {
		for a := 0; a < nacc; a++ {
			v := k.Vec()
			k.Zero(v)
			acc[u] = append(acc[u], v)
		}
	}
	stride := k.Bytes()
	if wide32 {
		stride /= 2
	}
	k.loops(n, ins, k.Lanes(), stride, unroll, func(u int, mask *Mask) {
		var in []reg.VecVirtual
		for _, p := range ins {
			v := k.Vec()
			m := Mem{Base: p, Disp: u * stride}
			k.loadAny(m, mask, wide32, v)
			in = append(in, v)
		}
		body(in, acc[u])
	})
	for a := 0; a < nacc; a++ {
		for u := 1; u < unroll; u++ {
			k.Add(acc[u][a], acc[0][a], acc[0][a])
		}
	}
	return acc[0]
}

// loadAny loads one vector from m into dst: the masked lanes if mask is
// not nil, and with wide, float32 elements widened to the float64 vector
// dst (k is then the float64 kernel).
func (k *Kernel) loadAny(m Mem, mask *Mask, wide bool, dst reg.VecVirtual) {
	switch {
	case wide:
		k.loadWide(m, mask, dst)
	case mask != nil:
		k.LoadMasked(m, *mask, dst)
	default:
		k.Load(m, dst)
	}
}

// loadWide loads Lanes float32 elements (the masked ones, if mask is not
// nil) and widens them to the float64 vector dst.
func (k *Kernel) loadWide(m Mem, mask *Mask, dst reg.VecVirtual) {
	half := asY(dst)
	if k.ISA == AVX2 {
		half = asX(dst)
	}
	switch {
	case mask == nil:
		VCVTPS2PD(m, dst)
		return
	case k.ISA == AVX512:
		VMOVUPS_Z(m, mask.k, half)
	default:
		VMASKMOVPS(m, asX(mask.v), half)
	}
	VCVTPS2PD(half, dst)
}

// MapWide is Map for a float32 kernel whose arithmetic runs in float64:
// each vector of float32 elements is widened as it is loaded and narrowed
// (rounded once) as it is stored. body works on float64 vectors of the
// ISA's width.
func (k *Kernel) MapWide(n reg.GPVirtual, ins, outs []reg.GPVirtual, unroll int, body func(in []reg.VecVirtual) []reg.VecVirtual) {
	k64 := Kernel{ISA: k.ISA, Prec: Float64}
	stride := k.Bytes() / 2
	step := func(u int, mask *Mask) {
		var in []reg.VecVirtual
		for _, p := range ins {
			v := k64.Vec()
			k64.loadWide(Mem{Base: p, Disp: u * stride}, mask, v)
			in = append(in, v)
		}
		res := body(in)
		for i, p := range outs {
			k.storeNarrow(res[i], Mem{Base: p, Disp: u * stride}, mask)
		}
	}
	k.loops(n, append(append([]reg.GPVirtual{}, ins...), outs...), k64.Lanes(), stride, unroll, step)
}

// StoreNarrow rounds the float64 vector v to float32 and stores it to m.
func (k *Kernel) StoreNarrow(v reg.VecVirtual, m Mem) { k.storeNarrow(v, m, nil) }

// storeNarrow rounds the float64 vector v to float32 and stores it (the
// masked lanes, if mask is not nil) to m.
func (k *Kernel) storeNarrow(v reg.VecVirtual, m Mem, mask *Mask) {
	var half reg.VecVirtual
	if k.ISA == AVX512 {
		half = asY(v)
		VCVTPD2PS(v, half)
	} else {
		half = asX(v)
		VCVTPD2PSY(v, half)
	}
	switch {
	case mask == nil:
		VMOVUPS(half, m)
	case k.ISA == AVX512:
		VMOVUPS(half, mask.k, m)
	default:
		VMASKMOVPS(half, asX(mask.v), m)
	}
}
