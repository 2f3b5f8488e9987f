package main

import (
	"github.com/fisherflow/fisherflow/asm/internal/a64"
	"github.com/fisherflow/fisherflow/asm/internal/vm"
)

// The vector math kernels (exp, sigmoid, log, acos, atan2, sin, cos, and
// Sinkhorn's relax and gibbs) run package
// vm's bodies, the ones the avo generator runs on amd64, on nops (see
// nops.go), so they return the generic path's bits, each in the
// kernel's precision. The last partial block runs on a padded copy (tail
// "pad").

// vecmathKernels are the vector math kernels of precision p.
func vecmathKernels(p prec) []kspec {
	c, logf := vm.Exp64, vm.Log[nval, ncond]
	ac, at, tc := vm.Acos64, vm.Atan64, vm.Trig64
	if p.arr == a64.S4 {
		c, logf = vm.Exp32, vm.Log32[nval, ncond]
		ac, at, tc = vm.Acos32, vm.Atan32, vm.Trig32
	}
	unary := func(name, doc string, f func(m *nops, x nval) nval) kspec {
		return kspec{name: name, doc: doc, slices: []kslice{{name: "dst", out: true}, {name: "x", in: true}}, tail: "pad",
			body: func(m *nops, in, _ map[string]nval) (map[string]nval, ncond) {
				return map[string]nval{"dst": f(m, in["x"])}, ncond{}
			}}
	}
	trig := func(name string, cos bool) kspec {
		public := map[bool]string{false: "Sin", true: "Cos"}[cos]
		return kspec{name: name, doc: "sets dst[i] = " + name + "(x[i]) for |x[i]| < " + tc.LimitDoc() +
			", copies larger finite x[i] to dst[i] and then returns true (see kernels." + public + ")",
			slices: []kslice{{name: "dst", out: true}, {name: "x", in: true}}, tail: "pad", big: true,
			body: func(m *nops, in, _ map[string]nval) (map[string]nval, ncond) {
				r, large := vm.Trig[nval, ncond](m, in["x"], cos, tc)
				return map[string]nval{"dst": r}, large
			}}
	}
	return []kspec{
		unary("exp", "sets dst[i] = e^x[i] (see kernels.Exp)", func(m *nops, x nval) nval { return vm.Exp[nval, ncond](m, x, c) }),
		unary("sigmoid", "sets dst[i] = 1/(1+e^-x[i]) (see kernels.Sigmoid)", func(m *nops, x nval) nval { return vm.Sigmoid[nval, ncond](m, x, c) }),
		unary("log", "sets dst[i] = ln(x[i]) (see kernels.Log)", func(m *nops, x nval) nval { return logf(m, x) }),
		unary("acos", "sets dst[i] = arccos(x[i]) (see kernels.Acos)", func(m *nops, x nval) nval { return vm.Acos[nval, ncond](m, x, ac) }),
		trig("sin", false),
		trig("cos", true),
		{name: "relax", doc: "sets dst[i] = old[i] * e^(w*ln(dst[i]/old[i])) where dst[i] and old[i] are not zero (kernels.overrelax)",
			slices: []kslice{{name: "dst", in: true, out: true}, {name: "old", in: true}}, scalars: []string{"w"}, tail: "pad",
			body: func(m *nops, in, sc map[string]nval) (map[string]nval, ncond) {
				return map[string]nval{"dst": vm.Relax[nval, ncond](m, in["dst"], in["old"], sc["w"], c, logf)}, ncond{}
			}},
		{name: "gibbs", doc: "sets dst[i] = e^(a*x[i]), or 0 where that is below the smallest normal number (Sinkhorn's Gibbs kernel)",
			slices: []kslice{{name: "dst", out: true}, {name: "x", in: true}}, scalars: []string{"a"}, tail: "pad",
			body: func(m *nops, in, sc map[string]nval) (map[string]nval, ncond) {
				return map[string]nval{"dst": vm.Gibbs[nval, ncond](m, in["x"], sc["a"], c)}, ncond{}
			}},
		{name: "atan2", doc: "sets dst[i] = atan2(y[i], x[i]) (see kernels.Atan2)",
			slices: []kslice{{name: "dst", out: true}, {name: "y", in: true}, {name: "x", in: true}}, tail: "pad",
			body: func(m *nops, in, _ map[string]nval) (map[string]nval, ncond) {
				return map[string]nval{"dst": vm.Atan2[nval, ncond](m, in["y"], in["x"], at)}, ncond{}
			}},
	}
}
