// Command sphere generates the row kernels from which kernels composes
// ToSphere and the sphere geometry (-family sphere, kernels/sphere_amd64.s;
// see kernels/sphere_simd.go) and ToSimplex (-family simplex,
// kernels/simplex_amd64.s; kernels/simplex_simd.go), and all seven on
// rows of d = 2..8 across rows (-family shortrow,
// kernels/shortrow_amd64.s; short.go, kernels/shortrow.go), for AVX2+FMA
// and AVX-512, float32 and float64.
// Angle sums accumulate in float64 for both precisions (float32 rows are
// widened as they are loaded), so the angle of close rows keeps its
// relative accuracy.
package main

import (
	"flag"
	"fmt"
	"log"
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/fisherflow/fisherflow/asm/internal/emit"
	"github.com/fisherflow/fisherflow/asm/internal/primtab"
)

func main() {
	family := flag.String("family", "sphere", "kernels to write: sphere (ToSphere's and the sphere maps' rows), simplex (ToSimplex's rows) or shortrow (all seven on rows of d <= 8, across rows)")
	flag.Parse()
	ConstraintExpr("!purego")
	for _, k := range emit.Variants() {
		switch *family {
		case "sphere":
			sumMin(k)
			divSqrt(k)
			rootQuot(k, false)
			rootQuot(k, true)
			diffSumSq(k)
			axpby(k)
			logMapRow(k)
		case "simplex":
			divSquare(k)
		case "shortrow":
			shortRows(k)
		default:
			log.Fatalf("unknown -family %q", *family)
		}
	}
	f := primtab.Family{Name: *family, Paths: []string{"AVX2", "AVX512"}}
	if *family == "shortrow" {
		f.Field = shortField
		f.Extra = func(path, prec string) []string {
			rows := map[string]int{"AVX2F32": 8, "AVX2F64": 8, "AVX512F32": 32, "AVX512F64": 16}[path+prec]
			return []string{fmt.Sprintf("p.srRows = %d", rows)}
		}
	}
	emit.GenerateFamily(f)
}

func param(k emit.Kernel, name string) reg.VecVirtual {
	v := k.Vec()
	k.Broadcast(emit.ParamAddr(name), v)
	return v
}

func ptr(name string) reg.GPVirtual { return emit.Ptr(name) }

func length(name string) reg.GPVirtual { return emit.Len(name) }

// rowMap emits dst = op(x) with a float64 scalar s: in float64 arithmetic
// for both precisions (float32 rows are widened and rounded once at the
// end, so tiny entries keep their relative accuracy).
func rowMap(k emit.Kernel, name, doc string, op func(k64 emit.Kernel, s, v reg.VecVirtual)) {
	k.Begin(name, "func(dst, x []T, s float64)", doc)
	k64 := emit.Kernel{ISA: k.ISA, Prec: emit.Float64}
	s := k64.Vec()
	k64.Broadcast(emit.ParamAddr("s"), s)
	dst, x, n := ptr("dst"), ptr("x"), length("x")
	body := func(in []reg.VecVirtual) []reg.VecVirtual {
		op(k64, s, in[0])
		return in
	}
	if k.Prec == emit.Float32 {
		k.MapWide(n, []reg.GPVirtual{x}, []reg.GPVirtual{dst}, 2, body)
	} else {
		k.Map(n, []reg.GPVirtual{x}, []reg.GPVirtual{dst}, 2, body)
	}
	emit.Ret()
}

// divSqrt: ToSphere's row map.
func divSqrt(k emit.Kernel) {
	rowMap(k, "divSqrt", "sets dst[i] = sqrt(x[i]/s), in float64.", func(k64 emit.Kernel, s, v reg.VecVirtual) {
		k64.Div(s, v, v)
		k64.Sqrt(v, v)
	})
}

// rootQuot: ToSphere's row map for rows whose quotients are all zero or
// normal (in T): dst[i] = sqrt(q), q the quotient x[i]/s as x[i]*y (y =
// 1/s rounded) refined by one FMA step, q + (x[i] - q*s)*y, within half an
// ulp and u^2 of x[i]/s (and 1 exactly where x[i] = s); then the square
// root in T (VSQRTPS on 16 lanes for float32). The divider's throughput
// held ToSphere: divSqrt's VDIVPD and VSQRTPD on 8 lanes, and a VDIVPS
// beside the VSQRTPS. With stream, rootQuotStream writes dst by
// non-temporal stores (emit.MapStream), for outputs beyond the caches.
func rootQuot(k emit.Kernel, stream bool) {
	name, doc := k.StreamTwin("rootQuot", "sets dst[i] = sqrt(x[i]/s) with the quotient from y = 1/s and one FMA step, in T.", stream)
	k.Begin(name, "func(dst, x []T, s, y T)", doc)
	sv, yv := param(k, "s"), param(k, "y")
	dst, x, n := ptr("dst"), ptr("x"), length("x")
	k.MapOne(stream, n, []reg.GPVirtual{x}, dst, 2, func(in []reg.VecVirtual) []reg.VecVirtual {
		q, r := k.Vec(), k.Vec()
		k.Mul(yv, in[0], q)     // q = x*y
		k.FNMA231(q, sv, in[0]) // x = x - q*s: the remainder
		k.FMA231(in[0], yv, q)  // q += r*y
		k.Sqrt(q, r)
		return []reg.VecVirtual{r}
	})
	emit.Ret()
}

// divSquare: ToSimplex's row map.
func divSquare(k emit.Kernel) {
	rowMap(k, "divSquare", "sets dst[i] = x[i]^2/s, in float64.", func(k64 emit.Kernel, s, v reg.VecVirtual) {
		k64.Mul(v, v, v)
		k64.Div(s, v, v)
	})
}

// diffSumSq returns sum (x-y)^2 and sum (x+y)^2 in float64.
func diffSumSq(k emit.Kernel) {
	k.Begin("diffSumSq", "func(x, y []T) (sm, sp float64)", "returns sum (x[i]-y[i])^2 and sum (x[i]+y[i])^2 in float64.")
	x, y, n := ptr("x"), ptr("y"), length("x")
	k64 := emit.Kernel{ISA: k.ISA, Prec: emit.Float64}
	acc := k64.Reduce(n, []reg.GPVirtual{x, y}, 2, 2, k.Prec == emit.Float32, func(in, acc []reg.VecVirtual) {
		d, s := k64.Vec(), k64.Vec()
		k64.Sub(in[1], in[0], d)
		k64.Add(in[1], in[0], s)
		k64.FMA231(d, d, acc[0])
		k64.FMA231(s, s, acc[1])
	})
	emit.Ret(emit.Result(k64.HSum(acc[0]), "sm"), emit.Result(k64.HSum(acc[1]), "sp"))
}

// axpby: dst = a*x + b*y, the combination of Slerp, ExpMap and
// ProjectTangent.
func axpby(k emit.Kernel) {
	k.Begin("axpby", "func(dst []T, a T, x []T, b T, y []T)", "sets dst[i] = a*x[i] + b*y[i].")
	a, b := param(k, "a"), param(k, "b")
	dst, x, y, n := ptr("dst"), ptr("x"), ptr("y"), length("x")
	k.Map(n, []reg.GPVirtual{x, y}, []reg.GPVirtual{dst}, 2, func(in []reg.VecVirtual) []reg.VecVirtual {
		k.Mul(a, in[0], in[0])
		k.FMA231(b, in[1], in[0])
		return in[:1]
	})
	emit.Ret()
}

// logMapRow: dst = ((y - x) + c*x) * k, LogMap without cancellation.
func logMapRow(k emit.Kernel) {
	k.Begin("logMapRow", "func(dst, x, y []T, c, k T)", "sets dst[i] = ((y[i] - x[i]) + c*x[i]) * k.")
	c, kk := param(k, "c"), param(k, "k")
	dst, x, y, n := ptr("dst"), ptr("x"), ptr("y"), length("x")
	k.Map(n, []reg.GPVirtual{x, y}, []reg.GPVirtual{dst}, 2, func(in []reg.VecVirtual) []reg.VecVirtual {
		k.Sub(in[0], in[1], in[1]) // y - x
		k.FMA231(c, in[0], in[1])  // + c*x
		k.Mul(kk, in[1], in[1])
		return in[1:]
	})
	emit.Ret()
}

// sumMin is sum with the smallest nonzero element beside it: the sum's
// accumulators and order are sum's, so r is sum's to the bit. ToSphere's
// rows take the quotient x/r in T only when no nonzero x/r is below T's
// normal range, which mn tells.
func sumMin(k emit.Kernel) {
	k.Begin("sumMin", "func(x []T) (r, mn T)", "returns sum x[i] (as sum does) and the smallest nonzero x[i] (+Inf if there is none).")
	x, n := ptr("x"), length("x")
	const unroll = 4
	inf := k.Vec()
	k.Broadcast(k.Const(math.Inf(1)), inf)
	zero := k.Vec()
	k.Zero(zero)
	var acc, mins []reg.VecVirtual
	for range unroll {
		a, m := k.Vec(), k.Vec()
		k.Zero(a)
		VMOVUPS(inf, m)
		acc, mins = append(acc, a), append(mins, m)
	}
	k.Loop(n, []reg.GPVirtual{x}, unroll, func(u int, mask *emit.Mask) {
		v := k.Vec()
		m := Mem{Base: x, Disp: u * k.Bytes()}
		if mask != nil {
			k.LoadMasked(m, *mask, v)
		} else {
			k.Load(m, v)
		}
		k.Add(v, acc[u], acc[u])
		t := k.Vec()
		if k.ISA == emit.AVX512 {
			nz := K()
			k.Pick(VCMPPS, VCMPPD)(U8(emit.EQ), zero, v, nz)
			VMOVUPS(v, t)
			k.Pick(VMOVUPS, VMOVUPD)(inf, nz, t)
		} else {
			z := k.Vec()
			k.Pick(VCMPPS, VCMPPD)(U8(emit.EQ), zero, v, z)
			if k.Prec == emit.Float32 {
				VBLENDVPS(z, inf, v, t)
			} else {
				VBLENDVPD(z, inf, v, t)
			}
		}
		k.Pick(VMINPS, VMINPD)(t, mins[u], mins[u])
	})
	for u := 1; u < unroll; u++ {
		k.Add(acc[u], acc[0], acc[0])
		k.Pick(VMINPS, VMINPD)(mins[u], mins[0], mins[0])
	}
	emit.Ret(emit.Result(k.HSum(acc[0]), "r"), emit.Result(hmin(k, mins[0]), "mn"))
}

// hmin returns an xmm register whose lane 0 holds the smallest lane of
// v.
func hmin(k emit.Kernel, v reg.VecVirtual) reg.VecVirtual {
	vmin := k.Pick(VMINPS, VMINPD)
	y := v.AsY().(reg.VecVirtual)
	if k.ISA == emit.AVX512 {
		hi := YMM()
		VEXTRACTF64X4(U8(1), v, hi)
		vmin(hi, y, y)
	}
	x := y.AsX().(reg.VecVirtual)
	hx := XMM()
	VEXTRACTF128(U8(1), y, hx)
	vmin(hx, x, x)
	t := XMM()
	VPERMILPS(U8(0x4e), x, t) // the upper 64 bits against the lower
	vmin(t, x, x)
	if k.Prec == emit.Float32 {
		VPERMILPS(U8(0xb1), x, t) // lanes 1, 0, 3, 2
		vmin(t, x, x)
	}
	return x
}
