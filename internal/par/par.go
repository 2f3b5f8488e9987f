// Package par runs the parallel phases of the kernels and of the trainer
// on one pool of long-lived worker goroutines: a phase is a range 0..n
// dealt in chunks to whichever thread is free, and a call starts no
// goroutine and allocates nothing.
//
// Workers spin up to half a millisecond for their next task (yielding to
// any other runnable goroutine between polls), and callers up to a
// millisecond for the end of a phase, before they park: waking a parked
// goroutine on an idle core costs tens of microseconds on a VM, as much as
// a whole phase of a 256^3 matrix product, and the serial code between two
// phases (a layer's activation, a Sinkhorn update) often takes longer than
// a few microseconds. The price is at most that half millisecond of a
// core after the last phase of a burst.
package par

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
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
	fixed     bool // Each: run share id alone
}

// run takes chunks of the phase until none is left (or, fixed, runs its
// own share).
func (t task) run() {
	if t.fixed {
		t.w.Work(t.phase, t.id, t.id, t.id+1)
		return
	}
	for {
		hi := int(t.ph.next.Add(int64(t.chunk)))
		lo := hi - t.chunk
		if lo >= t.n {
			return
		}
		t.w.Work(t.phase, t.id, lo, min(hi, t.n))
	}
}

// workerSpin is how long a pool worker polls for its next task before it
// parks, and callerSpin how long a caller polls for the end of its phase
// before it waits on the WaitGroup. A time rather than a count of polls,
// because the cost of a poll differs between machines while what a worker
// must outlast is the caller's serial code between two phases (a Sinkhorn
// update, a layer's activation), tens to hundreds of microseconds; waking
// a parked worker costs about as much on a VM. BENCHMARKS.md's GEMM and
// training-step tables measure the choice.
const (
	workerSpin = 500 * time.Microsecond
	callerSpin = 1 * time.Millisecond
)

// spinPolls is how many polls run between two readings of the clock.
const spinPolls = 32

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
	start := time.Now()
	for {
		for range spinPolls {
			select {
			case t := <-tasks:
				return t
			default:
			}
		}
		if time.Since(start) > workerSpin {
			return <-tasks
		}
		runtime.Gosched()
	}
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
	ph.next.Store(0)
	launch(t, task{w: w, phase: phase, n: n, chunk: max(1, n/(4*t)), ph: ph})
}

// Each runs w.Work(phase, id, id, id+1) for every id below threads, each
// on its own goroutine, the caller's always the last: a fixed split, for
// phases that should find their data in the same core's caches from one
// call to the next (a thread's rows of a Sinkhorn kernel, the A panels a
// GEMM thread packed). For deals its chunks to whichever thread asks
// first, and a spinning worker often asks before the caller, so its shares
// moved between the cores from one phase to the next. Unlike For, Each
// waits for a parked worker to wake rather than running its share on the
// caller. It is safe for concurrent use with distinct Phases.
func Each(threads int, w Worker, phase int, ph *Phase) {
	if threads <= 1 {
		w.Work(phase, 0, 0, 1)
		return
	}
	launch(threads, task{w: w, phase: phase, ph: ph, fixed: true})
}

// Share returns the items lo*n/threads..hi*n/threads that the shares
// lo..hi of threads hold of n items split evenly: for an Each (or a For
// over threads shares) whose Work splits n items of its own.
func Share(lo, hi, threads, n int) (int, int) {
	return lo * n / threads, hi * n / threads
}

// launch runs t copies of the task with ids 0..t-1, the pool workers
// taking all but the last, which the caller runs, and returns when all
// have finished.
func launch(t int, base task) {
	ensureWorkers(t - 1)
	base.ph.left.Store(int32(t - 1))
	base.ph.wg.Add(t - 1)
	for i := 0; i < t-1; i++ {
		base.id = i
		tasks <- base
	}
	base.id = t - 1
	base.run()
	waitPhase(base.ph)
}

// waitPhase returns when the pool workers of ph have finished, polling
// for callerSpin before it parks.
func waitPhase(ph *Phase) {
	start := time.Now()
	for ph.left.Load() > 0 {
		for i := 0; i < spinPolls && ph.left.Load() > 0; i++ {
		}
		if time.Since(start) > callerSpin {
			break
		}
		// A worker may be waiting for this P (more threads than
		// GOMAXPROCS): let it run.
		runtime.Gosched()
	}
	ph.wg.Wait()
}
