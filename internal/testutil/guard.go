package testutil

import (
	"fmt"
	"math"
)

// GuardLen is the number of sentinel elements on each side of a guarded
// slice.
const GuardLen = 17

// Guarded is a slice embedded in a larger one whose elements on both sides
// hold a sentinel, so that a kernel writing out of bounds is caught, as in
// gonum's internal/asm tests. Offset shifts the slice by that many elements
// to test unaligned starts.
type Guarded[T ~float32 | ~float64] struct {
	full  []T
	start int
	n     int
	sent  T
}

// NewGuarded returns a guarded slice of length n, starting offset elements
// after the first guard, filled with v.
func NewGuarded[T ~float32 | ~float64](n, offset int, v T) *Guarded[T] {
	// A finite sentinel: arithmetic on it (scaling, adding) changes it,
	// where an infinity or a NaN would survive and hide a stray write.
	sent := T(-1234.5678)
	g := &Guarded[T]{full: make([]T, n+2*GuardLen+offset), start: GuardLen + offset, n: n, sent: sent}
	for i := range g.full {
		g.full[i] = sent
	}
	for i := range g.S() {
		g.S()[i] = v
	}
	return g
}

// GuardedFrom returns a guarded copy of x.
func GuardedFrom[T ~float32 | ~float64](x []T, offset int) *Guarded[T] {
	g := NewGuarded[T](len(x), offset, 0)
	copy(g.S(), x)
	return g
}

// S returns the slice under test.
func (g *Guarded[T]) S() []T { return g.full[g.start : g.start+g.n : g.start+g.n] }

// Check returns an error naming the first sentinel that was overwritten.
func (g *Guarded[T]) Check() error {
	for i, v := range g.full {
		if i >= g.start && i < g.start+g.n {
			continue
		}
		if math.Float64bits(float64(v)) != math.Float64bits(float64(g.sent)) {
			return fmt.Errorf("guard element %d (relative to the slice) overwritten with %v", i-g.start, v)
		}
	}
	return nil
}
