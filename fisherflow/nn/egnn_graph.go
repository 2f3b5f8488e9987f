package nn

import "fmt"

// MolBatch is the layout of a batch of molecules for EGNN and EGCL. It is
// pad-free: the atoms of molecule b are rows AtomOff[b] .. AtomOff[b+1]
// of every per-atom buffer (positions N x 3, features N x F), and its
// pairs i < j are rows PairOff[b] + PairIndex(i, j, Sizes[b]) of every
// per-pair buffer (P x E), in the row-major order (0,1), (0,2), ...,
// (0,n-1), (1,2), ... of mol.PairIndex. Every pair i != j of a molecule
// is an edge and none crosses molecules. Internally the network works on
// the directed edges (i, j), i != j, of molecule b at rows EdgeOff[b] +
// i*(n-1) + (j if j < i, else j-1): grouped by the receiving atom i,
// so that a sum over the senders j is a sum of consecutive rows.
type MolBatch struct {
	Sizes                     []int // atoms of each molecule (each >= 1)
	Atoms, Pairs, Edges       int   // totals: N, P = sum n(n-1)/2, E = 2P
	AtomOff, PairOff, EdgeOff []int // offsets, len(Sizes)+1 each

	scale      []float64 // per atom: 1/(n-1) of its molecule (0 for a lone atom)
	mol        []int32   // per atom: its molecule
	recv, send []int32   // per directed edge: atoms i and j (global rows)
	pair       []int32   // per directed edge: the pair row of {i, j}
	pi, pj     []int32   // per pair: atoms i < j (global rows)
	pij, pji   []int32   // per pair: the directed edges (i, j) and (j, i)
}

// pairIndex is the row of the pair i < j among n atoms (mol.PairIndex).
func pairIndex(i, j, n int) int { return i*(2*n-i-1)/2 + j - i - 1 }

// Set lays out a batch of molecules of the given sizes, reusing the
// index tables' memory, so that a batch no larger than an earlier one
// allocates nothing.
func (g *MolBatch) Set(sizes []int) {
	g.Sizes = append(g.Sizes[:0], sizes...)
	g.AtomOff = append(g.AtomOff[:0], 0)
	g.PairOff = append(g.PairOff[:0], 0)
	g.EdgeOff = append(g.EdgeOff[:0], 0)
	g.Atoms, g.Pairs, g.Edges = 0, 0, 0
	for _, n := range sizes {
		if n < 1 {
			panic(fmt.Sprintf("nn.MolBatch.Set: a molecule of %d atoms", n))
		}
		g.Atoms += n
		g.Pairs += n * (n - 1) / 2
		g.Edges += n * (n - 1)
		g.AtomOff = append(g.AtomOff, g.Atoms)
		g.PairOff = append(g.PairOff, g.Pairs)
		g.EdgeOff = append(g.EdgeOff, g.Edges)
	}
	g.scale, g.mol = g.scale[:0], g.mol[:0]
	g.recv, g.send, g.pair = g.recv[:0], g.send[:0], g.pair[:0]
	g.pi, g.pj = resize(g.pi, g.Pairs), resize(g.pj, g.Pairs)
	g.pij, g.pji = resize(g.pij, g.Pairs), resize(g.pji, g.Pairs)
	for b, n := range sizes {
		a0, p0 := g.AtomOff[b], g.PairOff[b]
		c := 0.0
		if n > 1 {
			c = 1 / float64(n-1)
		}
		for i := 0; i < n; i++ {
			g.scale = append(g.scale, c)
			g.mol = append(g.mol, int32(b))
			for j := 0; j < n; j++ {
				if j == i {
					continue
				}
				p := p0 + pairIndex(min(i, j), max(i, j), n)
				k := int32(len(g.recv))
				if i < j {
					g.pi[p], g.pj[p], g.pij[p] = int32(a0+i), int32(a0+j), k
				} else {
					g.pji[p] = k
				}
				g.recv = append(g.recv, int32(a0+i))
				g.send = append(g.send, int32(a0+j))
				g.pair = append(g.pair, int32(p))
			}
		}
	}
}

// resize returns s with length n, reusing its memory when it can.
func resize(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

// receiverEdges returns the rows lo..hi of the directed edges (i, j)
// into atom i (a global row).
func (g *MolBatch) receiverEdges(i int) (lo, hi int) {
	b := int(g.mol[i])
	n := g.Sizes[b]
	lo = g.EdgeOff[b] + (i-g.AtomOff[b])*(n-1)
	return lo, lo + n - 1
}

// plan reserves the index tables for up to atoms atoms in molecules of
// edges directed edges in all.
func (g *MolBatch) plan(atoms, edges int) {
	g.Sizes = make([]int, 0, atoms)
	g.AtomOff, g.PairOff, g.EdgeOff = make([]int, 0, atoms+1), make([]int, 0, atoms+1), make([]int, 0, atoms+1)
	g.scale, g.mol = make([]float64, 0, atoms), make([]int32, 0, atoms)
	g.recv, g.send, g.pair = make([]int32, 0, edges), make([]int32, 0, edges), make([]int32, 0, edges)
	p := edges / 2
	g.pi, g.pj, g.pij, g.pji = make([]int32, 0, p), make([]int32, 0, p), make([]int32, 0, p), make([]int32, 0, p)
}
