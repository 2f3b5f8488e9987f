package emit

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Ret emits VZEROUPPER, then the result stores, then RET: Go code (and
// the MOVSS/MOVSD of a result store) uses legacy SSE instructions, which
// run slowly while upper vector halves are dirty.
func Ret(stores ...func()) {
	VZEROUPPER()
	for _, st := range stores {
		st()
	}
	RET()
}

// NonZero tests whether any bit of v is set (before Ret's VZEROUPPER
// clears the upper halves) and returns the store, for Ret, of the answer
// into the bool result name.
func (k *Kernel) NonZero(v reg.VecVirtual, name string) func() {
	r := GP8()
	if k.ISA == AVX512 {
		mk := K()
		VPTESTMQ(v, v, mk)
		KORTESTB(mk, mk)
	} else {
		VPTEST(v, v)
	}
	SETNE(r)
	return func() { Store(r, Return(name)) }
}

// Result returns a store of lane 0 of x to the result named name.
func Result(x reg.VecVirtual, name string) func() {
	return func() { Store(x, Return(name)) }
}

// HSum adds the lanes of v and returns an xmm register whose lane 0 holds
// the sum (pairwise: halves, then quarters, ...).
func (k *Kernel) HSum(v reg.VecVirtual) reg.VecVirtual {
	y := asY(v)
	if k.ISA == AVX512 {
		hi := YMM()
		if k.Prec == Float32 {
			VEXTRACTF32X8(U8(1), v, hi)
		} else {
			VEXTRACTF64X4(U8(1), v, hi)
		}
		k.Add(hi, y, y)
	}
	x := asX(y)
	hx := XMM()
	VEXTRACTF128(U8(1), y, hx)
	k.Add(hx, x, x)
	t := XMM()
	if k.Prec == Float32 {
		VMOVHLPS(x, x, t) // t = lanes 2,3
		VADDPS(t, x, x)
		VMOVSHDUP(x, t) // t lane 0 = lane 1
		VADDSS(t, x, x)
	} else {
		VPERMILPD(U8(1), x, t)
		VADDSD(t, x, x)
	}
	return x
}

// ParamAddr returns the memory operand of a scalar parameter, for
// broadcasts.
func ParamAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

func asX(v reg.VecVirtual) reg.VecVirtual { return v.AsX().(reg.VecVirtual) }
func asY(v reg.VecVirtual) reg.VecVirtual { return v.AsY().(reg.VecVirtual) }

// Ptr loads the data pointer of the slice parameter name.
func Ptr(name string) reg.GPVirtual {
	p := GP64()
	Load(Param(name).Base(), p)
	return p
}

// Len loads the length of the slice parameter name.
func Len(name string) reg.GPVirtual {
	n := GP64()
	Load(Param(name).Len(), n)
	return n
}

func unique(ps []reg.GPVirtual) []reg.GPVirtual {
	var out []reg.GPVirtual
	for _, p := range ps {
		dup := false
		for _, q := range out {
			dup = dup || q == p
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out
}
