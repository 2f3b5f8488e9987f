package kernels_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fisherflow/fisherflow/kernels"
)

// Bad lengths panic before touching memory, with a message naming the
// function and the lengths.
func TestPanics(t *testing.T) {
	f := func(n int) []float64 { return make([]float64, n) }
	g := func(n int) []float32 { return make([]float32, n) }
	cases := []struct {
		want string
		call func()
	}{
		{"kernels.Sqrt: len(x)=3 != len(dst)=2", func() { kernels.Sqrt(f(2), f(3)) }},
		{"kernels.Square: len(x)=1 != len(dst)=0", func() { kernels.Square(g(0), g(1)) }},
		{"kernels.Acos: len(x)=1", func() { kernels.Acos(f(2), f(1)) }},
		{"kernels.Sin: len(x)", func() { kernels.Sin(f(2), f(1)) }},
		{"kernels.Cos: len(x)", func() { kernels.Cos(f(2), f(1)) }},
		{"kernels.Exp: len(x)", func() { kernels.Exp(g(2), g(1)) }},
		{"kernels.Log: len(x)", func() { kernels.Log(f(2), f(1)) }},
		{"kernels.Atan2: len(x)=2 != len(dst)=3", func() { kernels.Atan2(f(3), f(3), f(2)) }},
		{"kernels.Dot: len(y)=4 != len(x)=5", func() { kernels.Dot(f(5), f(4)) }},
		{"kernels.Axpy: len(y)", func() { kernels.Axpy(1, g(5), g(4)) }},
		{"kernels.ToSphere: row length d=0 must be positive", func() { kernels.ToSphere(f(3), f(3), 0) }},
		{"kernels.ToSphere: len(p)=7 is not a multiple of the row length d=3", func() { kernels.ToSphere(f(7), f(7), 3) }},
		{"kernels.ToSphere: len(p)=6 != len(dst)=3", func() { kernels.ToSphere(f(3), f(6), 3) }},
		{"kernels.ToSimplex: len(x)=5 is not a multiple", func() { kernels.ToSimplex(g(5), g(5), 2) }},
		{"kernels.SphereDist: len(dst)=3 != rows=2", func() { kernels.SphereDist(f(3), f(6), f(6), 3) }},
		{"kernels.SphereDist: len(y)=3 != len(x)=6", func() { kernels.SphereDist(f(2), f(6), f(3), 3) }},
		{"kernels.Slerp: len(t)=1 != rows=2", func() { kernels.Slerp(f(6), f(6), f(6), f(1), 3) }},
		{"kernels.Slerp: len(x1)=3 != len(x0)=6", func() { kernels.Slerp(f(6), f(6), f(3), f(2), 3) }},
		{"kernels.LogMap: len(dst)=5 != len(x)=6", func() { kernels.LogMap(f(5), f(6), f(6), 3) }},
		{"kernels.ExpMap: row length d=-1", func() { kernels.ExpMap(f(6), f(6), f(6), -1) }},
		{"kernels.ProjectTangent: len(v)=4 != len(x)=6", func() { kernels.ProjectTangent(f(6), f(6), f(4), 3) }},
		{"kernels.PairwiseSphereDist: len(dst)=5 != 2*3", func() { kernels.PairwiseSphereDist(f(5), f(4), f(6), 2) }},
		{"kernels.PairwiseSphereDist: len(y)=5 is not a multiple", func() { kernels.PairwiseSphereDist(f(5), f(4), f(5), 2) }},
		{"kernels.Gemm: negative dimension m=-1", func() { kernels.Gemm(false, false, -1, 1, 1, 1, f(1), 1, f(1), 1, 0, f(1), 1) }},
		{"kernels.Gemm: lda=2 < max(1, 3 columns)", func() { kernels.Gemm(false, false, 2, 2, 3, 1, f(6), 2, f(6), 2, 0, f(4), 2) }},
		{"kernels.Gemm: len(b)=5 < 6 needed for 3x2 with ldb=2", func() { kernels.Gemm(false, false, 2, 2, 3, 1, f(6), 3, f(5), 2, 0, f(4), 2) }},
		{"kernels.Gemm: len(a)=5 < 6 needed for 3x2 with lda=2", func() { kernels.Gemm(true, false, 2, 2, 3, 1, f(5), 2, f(6), 2, 0, f(4), 2) }},
		{"kernels.Gemm: ldc=1 < max(1, 2 columns)", func() { kernels.Gemm(false, true, 2, 2, 3, 1, f(6), 3, f(6), 3, 0, f(4), 1) }},
		{"kernels.Sinkhorn: len(cost)=5 != len(a)*len(b)=2*3", func() { kernels.Sinkhorn(f(6), f(5), f(2), f(3), kernels.SinkhornOptions{Reg: 1}) }},
		{"kernels.EMD: len(plan)=5 != len(a)*len(b)=2*3", func() { kernels.EMD(f(5), f(6), f(2), f(3)) }},
	}
	for _, c := range cases {
		func() {
			defer func() {
				r := recover()
				if r == nil {
					t.Errorf("no panic, want %q", c.want)
					return
				}
				if msg := fmt.Sprint(r); !strings.Contains(msg, c.want) {
					t.Errorf("panic %q, want %q", msg, c.want)
				}
			}()
			c.call()
		}()
	}
}
