package par

import (
	"sync"
	"sync/atomic"
	"testing"
)

// cover marks every index it is given; a second visit or a miss fails.
type cover struct {
	seen  []atomic.Int32
	ids   []atomic.Int32
	maxID int
}

func (c *cover) Work(phase, id, lo, hi int) {
	if id < 0 || id >= c.maxID {
		panic("id out of range")
	}
	c.ids[id].Add(1)
	for i := lo; i < hi; i++ {
		c.seen[i].Add(int32(phase))
	}
}

func TestForCoversOnce(t *testing.T) {
	var ph Phase
	for _, threads := range []int{1, 2, 3, 8} {
		for _, n := range []int{0, 1, 2, 7, 100, 1001} {
			c := &cover{seen: make([]atomic.Int32, n), ids: make([]atomic.Int32, threads), maxID: threads}
			For(threads, n, c, 1, &ph)
			For(threads, n, c, 2, &ph)
			for i := range c.seen {
				if v := c.seen[i].Load(); v != 3 {
					t.Fatalf("threads=%d n=%d: index %d visited with phases summing to %d, want 1+2", threads, n, i, v)
				}
			}
		}
	}
}

// Concurrent callers with their own Phases share the pool (run under -race).
func TestForConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ph Phase
			for r := 0; r < 50; r++ {
				c := &cover{seen: make([]atomic.Int32, 300), ids: make([]atomic.Int32, 3), maxID: 3}
				For(3, 300, c, 1, &ph)
				for i := range c.seen {
					if c.seen[i].Load() != 1 {
						t.Errorf("index %d not visited once", i)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestForAllocatesNothing(t *testing.T) {
	var ph Phase
	c := &cover{seen: make([]atomic.Int32, 64), ids: make([]atomic.Int32, 2), maxID: 2}
	For(2, 64, c, 0, &ph) // start the worker
	if a := testing.AllocsPerRun(100, func() { For(2, 64, c, 0, &ph) }); a != 0 {
		t.Fatalf("For allocates %v times per call", a)
	}
}

func TestEachRunsEveryShareOnce(t *testing.T) {
	var ph Phase
	for _, threads := range []int{0, 1, 2, 3, 8} {
		n := max(threads, 1)
		c := &cover{seen: make([]atomic.Int32, n), ids: make([]atomic.Int32, n), maxID: n}
		Each(threads, c, 1, &ph)
		for i := range c.seen {
			if v := c.seen[i].Load(); v != 1 {
				t.Fatalf("threads=%d: share %d run %d times", threads, i, v)
			}
			if v := c.ids[i].Load(); v != 1 {
				t.Fatalf("threads=%d: id %d ran %d shares", threads, i, v)
			}
		}
	}
	c := &cover{seen: make([]atomic.Int32, 2), ids: make([]atomic.Int32, 2), maxID: 2}
	if a := testing.AllocsPerRun(100, func() { Each(2, c, 0, &ph) }); a != 0 {
		t.Fatalf("Each allocates %v times per call", a)
	}
}
