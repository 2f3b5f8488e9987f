package molflow

import (
	"slices"
	"testing"
)

// TestPermuteRecoversShuffle sets each molecule's prior to its own data
// positions with the atoms shuffled: the assignment must undo the shuffle
// exactly.
func TestPermuteRecoversShuffle(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	f := newTestFlow(t, v, gs, Config{})
	if err := f.Load(gs); err != nil {
		t.Fatal(err)
	}
	r := testRand(11)
	l, x0, x1 := f.Layout(), f.Prior().Pos, f.Data().Pos
	for b, n := range l.Sizes {
		a0 := l.AtomOff[b]
		for i, j := range r.Perm(n) {
			copy(x0[3*(a0+i):3*(a0+i)+3], x1[3*(a0+j):3*(a0+j)+3])
		}
	}
	if err := f.Permute(); err != nil {
		t.Fatal(err)
	}
	if e := maxAbsDiff(x0, x1); e != 0 {
		t.Fatalf("prior off the data by %g after the assignment", e)
	}
}

// TestPermuteIsOptimalPermutation checks on random priors that the
// assignment only reorders a molecule's prior atoms and never costs more
// than the identity or than random reorderings.
func TestPermuteIsOptimalPermutation(t *testing.T) {
	v, gs := testGraphs(t, testMolecules(t))
	f := newTestFlow(t, v, gs, Config{})
	if err := f.Load(gs); err != nil {
		t.Fatal(err)
	}
	r := testRand(12)
	f.DrawPrior(r)
	l := f.Layout()
	before := append([]float64(nil), f.Prior().Pos...)
	if err := f.Permute(); err != nil {
		t.Fatal(err)
	}
	for b, n := range l.Sizes {
		lo, hi := 3*l.AtomOff[b], 3*l.AtomOff[b+1]
		old, got, x1 := before[lo:hi], f.Prior().Pos[lo:hi], f.Data().Pos[lo:hi]
		if !slices.Equal(sortedRows(old), sortedRows(got)) {
			t.Fatalf("molecule %d: the assignment changed the prior atoms, not only their order", b)
		}
		best := sqDist(got, x1)
		if best > sqDist(old, x1)+1e-12 {
			t.Fatalf("molecule %d: assigned cost %v above the identity's %v", b, best, sqDist(old, x1))
		}
		for k := 0; k < 50; k++ {
			shuf := make([]float64, len(old))
			for i, j := range r.Perm(n) {
				copy(shuf[3*i:3*i+3], old[3*j:3*j+3])
			}
			if c := sqDist(shuf, x1); c < best-1e-12 {
				t.Fatalf("molecule %d: a random order costs %v, below the assignment's %v", b, c, best)
			}
		}
	}
}

// sortedRows returns the rows of 3 of x as strings in sorted order, to
// compare point sets regardless of order.
func sortedRows(x []float64) [][3]float64 {
	rows := make([][3]float64, len(x)/3)
	for i := range rows {
		rows[i] = [3]float64{x[3*i], x[3*i+1], x[3*i+2]}
	}
	slices.SortFunc(rows, func(a, b [3]float64) int {
		for k := range 3 {
			if a[k] != b[k] {
				if a[k] < b[k] {
					return -1
				}
				return 1
			}
		}
		return 0
	})
	return rows
}
