package kernels

// OTWork is the scratch memory of EMD and Sinkhorn. EMD and Sinkhorn
// allocate theirs on every call; EMDWith and SinkhornWith take one, so
// that repeated solves (a coupling at every training step, say) allocate
// nothing once it has grown to the largest problem seen (from the second
// solve of a size on). The zero value is ready to use. An OTWork keeps
// nothing of a solve that the caller needs, and must not be used by two
// solves at the same time.
type OTWork struct {
	f64      arena[float64]
	f32      arena[float32]
	ints     arena[int]
	bools    arena[bool]
	carriers [][]int // EMD's backward edges, per column
	emd      emdSolver
	pass64   sinkhornPass[float64]
	pass32   sinkhornPass[float32]
	log64    logStep[float64]
	log32    logStep[float32]
}

// begin starts a solve: the arenas are resized to what the last solve
// needed and taken from their start again.
func (w *OTWork) begin() {
	w.f64.reset()
	w.f32.reset()
	w.ints.reset()
	w.bools.reset()
}

// arena hands out zeroed slices from one buffer, which reset grows to
// the total the previous solve asked for; until then a request that does
// not fit is allocated on its own.
type arena[E any] struct {
	buf       []E
	off, need int
}

func (a *arena[E]) reset() {
	if cap(a.buf) < a.need {
		a.buf = make([]E, a.need)
	}
	a.off, a.need = 0, 0
}

// take returns n zeroed elements.
func (a *arena[E]) take(n int) []E {
	a.need += n
	if a.off+n > len(a.buf) {
		return make([]E, n)
	}
	s := a.buf[a.off : a.off+n : a.off+n]
	a.off += n
	clear(s)
	return s
}

// floats is w's arena of T.
func floats[T float32 | float64](w *OTWork) *arena[T] {
	if is64[T]() {
		return any(&w.f64).(*arena[T])
	}
	return any(&w.f32).(*arena[T])
}

// passOf is w's Sinkhorn pass of T.
func passOf[T float32 | float64](w *OTWork) *sinkhornPass[T] {
	if is64[T]() {
		return any(&w.pass64).(*sinkhornPass[T])
	}
	return any(&w.pass32).(*sinkhornPass[T])
}

// logStepOf is w's log-domain step of T.
func logStepOf[T float32 | float64](w *OTWork) *logStep[T] {
	if is64[T]() {
		return any(&w.log64).(*logStep[T])
	}
	return any(&w.log32).(*logStep[T])
}
