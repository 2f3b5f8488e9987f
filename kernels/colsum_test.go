package kernels_test

import (
	"math"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

// TestColumnSums compares ColumnSums on every path with the float64 sums
// of the rows, within its stated bound, for each beta (NaN in dst with
// beta 0), and checks that one thread and two give the same bits.
func TestColumnSums(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		testColumnSums[float32](t)
		testColumnSums[float64](t)
	})
}

func testColumnSums[T kernels.Float](t *testing.T) {
	defer kernels.SetThreads(kernels.SetThreads(0))
	r := newRand(31)
	u := unit[T]()
	for _, d := range []int{1, 3, 16, 33, 256} {
		for _, rows := range []int{0, 1, 2, 63, 64, 65, 130, 1000} {
			x := make([]T, rows*d)
			for i := range x {
				x[i] = T(r.Float64()*2 - 1)
			}
			for _, beta := range []T{0, 1, 0.5} {
				old := make([]T, d)
				for i := range old {
					old[i] = T(r.Float64())
					if beta == 0 {
						old[i] = T(math.NaN())
					}
				}
				var got [2][]T
				for th := 1; th <= 2; th++ {
					kernels.SetThreads(th)
					got[th-1] = append([]T(nil), old...)
					kernels.ColumnSums(got[th-1], x, beta)
				}
				for i := 0; i < d; i++ {
					var want, abs float64
					for row := 0; row < rows; row++ {
						v := float64(x[row*d+i])
						want += v
						abs += math.Abs(v)
					}
					bound := 66 * u * abs
					if beta != 0 {
						want += float64(beta) * float64(old[i])
						bound += 2 * u * math.Abs(float64(beta)*float64(old[i]))
					}
					if g := float64(got[0][i]); math.Abs(g-want) > bound || g != g {
						t.Fatalf("d=%d rows=%d beta=%v: [%d] = %v, want %v (bound %g)", d, rows, beta, i, g, want, bound)
					}
					if got[0][i] != got[1][i] {
						t.Fatalf("d=%d rows=%d: one thread %v, two %v", d, rows, got[0][i], got[1][i])
					}
				}
			}
		}
	}
	for _, bad := range [][2]int{{3, 7}, {0, 2}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("ColumnSums(len %d, len %d): no panic", bad[0], bad[1])
				}
			}()
			kernels.ColumnSums(make([]T, bad[0]), make([]T, bad[1]), 0)
		}()
	}
}
