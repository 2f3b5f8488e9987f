package main

import "github.com/fisherflow/fisherflow/asm/internal/vm"

// scaleNegKernel and adamWKernel are the leaky ReLU's scaling and the
// AdamW step, the same operations in the same order as the generic loops
// and the amd64 kernels (asm/level1/update.go), so every path returns the
// same bits.

// scaleNegKernel: dst[i] = src[i] * (s where x[i] < 0, else 1); a NaN x
// selects 1 (the comparison is ordered).
func scaleNegKernel() kspec {
	return kspec{name: "scaleNeg", doc: "sets dst[i] = src[i]*s where x[i] < 0 and src[i]*1 elsewhere (see kernels.ScaleNeg)",
		slices:  []kslice{{name: "dst", out: true}, {name: "src", in: true}, {name: "x", in: true}},
		scalars: []string{"s"}, tail: "pad",
		body: func(m *nops, in, sc map[string]nval) (map[string]nval, ncond) {
			f := m.Sel(m.Cmp(in["x"], vm.LT, m.C(0)), sc["s"], m.Mov(m.C(1)))
			return map[string]nval{"dst": m.Mul(f, in["src"])}, ncond{}
		}}
}

// adamWKernel: one AdamW step in float64, without FMA:
//
//	m = b1*m + c1*g; v = b2*v + (c2*g)*g; w = w*decay - (sb*m)/(sqrt(v) + eb)
func adamWKernel() kspec {
	return kspec{name: "adamW", doc: "applies one AdamW step to w (see kernels.AdamW; len(g), len(m), len(v) >= len(w))",
		slices: []kslice{{name: "w", in: true, out: true}, {name: "g", in: true},
			{name: "m", f64: true, in: true, out: true}, {name: "v", f64: true, in: true, out: true}},
		scalars: []string{"b1", "c1", "b2", "c2", "decay", "sb", "eb"}, scalarF64: true, wide: true, tail: "rest",
		body: func(m *nops, in, sc map[string]nval) (map[string]nval, ncond) {
			g := in["g"]
			mv := m.Add(m.Mul(sc["c1"], g), m.Mul(sc["b1"], in["m"]))           // b1*m + c1*g
			vv := m.Add(m.Mul(g, m.Mul(sc["c2"], g)), m.Mul(sc["b2"], in["v"])) // b2*v + (c2*g)*g
			q := m.Div(m.Add(sc["eb"], m.Sqrt(vv)), m.Mul(sc["sb"], mv))        // (sb*m)/(sqrt(v) + eb)
			w := m.Sub(q, m.Mul(sc["decay"], in["w"]))                          // w*decay - q
			return map[string]nval{"w": w, "m": mv, "v": vv}, ncond{}
		}}
}
