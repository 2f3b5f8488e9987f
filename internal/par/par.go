// Package par runs the parallel phases of the kernels and of the trainer
// on one pool of long-lived worker goroutines: a phase is a range 0..n
// dealt in chunks to whichever thread is free, and a call starts no
// goroutine and allocates nothing.
//
// Workers and callers spin a few tens of microseconds for a task, or for
// the end of a phase, before they park: waking a parked goroutine on an
// idle core costs tens of microseconds on a VM, as much as a whole phase
// of a 256^3 matrix product.
package par

import (
	"sync"
	"sync/atomic"
)

// Worker does one thread's share lo..hi of a phase. id is below the
// number of threads of the call, and distinct between the threads that
// run at the same time (for per-thread scratch).
type Worker interface {
	Work(phase, id, lo, hi int)
}

// Phase is the shared state of one phase. Keep one per caller (for
// example in pooled buffers) and pass it to every For: it is reset by each
// call, so a phase allocates nothing.
type Phase struct {
	next atomic.Int64 // the start of the next chunk
	left atomic.Int32 // workers still running
	wg   sync.WaitGroup
}

// task is one thread's part of a phase, sent by value to a pool worker.
type task struct {
	w         Worker
	phase, id int
	n, chunk  int
	ph        *Phase
}

// run takes chunks of the phase until none is left.
func (t task) run() {
	for {
		hi := int(t.ph.next.Add(int64(t.chunk)))
		lo := hi - t.chunk
		if lo >= t.n {
			return
		}
		t.w.Work(t.phase, t.id, lo, min(hi, t.n))
	}
}

// spinTries is how many times a worker polls for a task (and, 16 times as
// many, a caller for the end of its phase) before it parks.
const spinTries = 2000

// tasks feeds the pool workers, which start on first use and stay. It is
// buffered so that a caller never waits for a worker to take its task.
var (
	tasks      = make(chan task, 64)
	workersMu  sync.Mutex
	numWorkers int
)

func ensureWorkers(n int) {
	workersMu.Lock()
	defer workersMu.Unlock()
	for ; numWorkers < n; numWorkers++ {
		go func() {
			for {
				t := takeTask()
				t.run()
				t.ph.left.Add(-1)
				t.ph.wg.Done()
			}
		}()
	}
}

// takeTask returns the next task, spinning for a while before it parks.
func takeTask() task {
	for range spinTries {
		select {
		case t := <-tasks:
			return t
		default:
		}
	}
	return <-tasks
}

// For runs w.Work(phase, id, lo, hi) over 0..n on up to threads
// goroutines, the calling one included, and returns when all of 0..n is
// done. The range is dealt in chunks of about a quarter of an even share,
// taken in turn by whichever thread is free: on a shared machine one core
// often runs slower than the other, and a static split would make every
// phase wait for it. For is safe for concurrent use with distinct Phases.
func For(threads, n int, w Worker, phase int, ph *Phase) {
	t := min(threads, n)
	if t <= 1 {
		if n > 0 {
			w.Work(phase, 0, 0, n)
		}
		return
	}
	ensureWorkers(t - 1)
	ph.next.Store(0)
	ph.left.Store(int32(t - 1))
	ph.wg.Add(t - 1)
	chunk := max(1, n/(4*t))
	for i := 0; i < t-1; i++ {
		tasks <- task{w: w, phase: phase, id: i, n: n, chunk: chunk, ph: ph}
	}
	task{w: w, phase: phase, id: t - 1, n: n, chunk: chunk, ph: ph}.run()
	for i := 0; i < 16*spinTries && ph.left.Load() > 0; i++ {
	}
	ph.wg.Wait()
}
