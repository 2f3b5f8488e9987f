package kernels

import "math"

// assignment solves the n x n linear assignment problem on the row-major
// costs c (float64) and returns rowTo, the column assigned to each row,
// with the minimum total cost. It is the shortest augmenting path form of
// the Hungarian method with row and column potentials (O(n^3) at worst,
// far less on typical costs): rows are added one at a time, each by a
// Dijkstra search over columns on reduced costs.
// Its work arrays come from w's arenas.
func assignment(w *OTWork, c []float64, n int) (rowTo []int, total float64) {
	inf := math.Inf(1)
	u := w.f64.take(n + 1)      // row potentials (1-based, 0 is a sentinel)
	v := w.f64.take(n + 1)      // column potentials
	colTo := w.ints.take(n + 1) // row matched to column j (0: none)
	way := w.ints.take(n + 1)
	minv := w.f64.take(n + 1)
	used := w.bools.take(n + 1)
	for i := 1; i <= n; i++ {
		colTo[0] = i
		j0 := 0
		for j := range minv {
			minv[j], used[j] = inf, false
		}
		for {
			used[j0] = true
			i0 := colTo[j0]
			row := c[(i0-1)*n : i0*n]
			ui := u[i0]
			delta, j1 := inf, 0
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				if cur := row[j-1] - ui - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[colTo[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if colTo[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			colTo[j0] = colTo[j1]
			j0 = j1
		}
	}
	rowTo = w.ints.take(n)
	for j := 1; j <= n; j++ {
		rowTo[colTo[j]-1] = j - 1
	}
	for i, j := range rowTo {
		total += c[i*n+j]
	}
	return rowTo, total
}
