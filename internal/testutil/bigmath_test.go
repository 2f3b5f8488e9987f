package testutil

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// Published digits: the reference must match them to far beyond float64.
func TestReferenceConstants(t *testing.T) {
	digits := func(s string) *big.Float {
		f, _, err := big.ParseFloat(s, 10, Prec, big.ToNearestEven)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	s1, c1 := SinCos(1)
	pi := Pi(Prec)
	third := new(big.Float).SetPrec(Prec).Quo(pi, Big(3))
	for _, tc := range []struct {
		name      string
		got, want *big.Float
	}{
		{"e", Exp(Big(1)), digits("2.71828182845904523536028747135266249775724709369995")},
		{"ln2", Log(Big(2)), digits("0.69314718055994530941723212145817656807550013436025")},
		{"pi", pi, digits("3.14159265358979323846264338327950288419716939937510")},
		{"sin1", s1, digits("0.84147098480789650665250232163029899962256306079837")},
		{"cos1", c1, digits("0.54030230586813971740093660744297660373231042061792")},
		{"atan(1/2)", Atan(Big(0.5)), digits("0.46364760900080611621425623146121440202853705428612")},
		{"acos(1/2)", Acos(0.5), third},
		{"atan2(-1,-1)", Atan2(Big(-1), Big(-1)), new(big.Float).SetPrec(Prec).Mul(pi, Big(-0.75))},
	} {
		d := new(big.Float).SetPrec(Prec).Sub(tc.got, tc.want)
		if d.Sign() != 0 && d.MantExp(nil) > -160 {
			t.Errorf("%s = %s, want %s", tc.name, tc.got.Text('g', 50), tc.want.Text('g', 50))
		}
	}
}

// The reference must agree with the math package to within math's own
// accuracy (about 1 ULP; 2 allowed). math.Acos is left out: its
// pi/2 - asin(x) form loses digits near 1, which is why the kernels do not
// use it.
func TestReferenceAgainstMath(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(name string, x, want float64, ref *big.Float) {
		t.Helper()
		if e := ULP64(want, ref); e > 2 {
			t.Errorf("%s(%g): reference %s vs math %g: %.2f ULP", name, x, ref.Text('g', 20), want, e)
		}
	}
	for i := 0; i < 300; i++ {
		x := (r.Float64() - 0.5) * 100
		check("Exp", x, math.Exp(x), Exp(Big(x)))
		ax := math.Abs(x) + 1e-3
		check("Log", ax, math.Log(ax), Log(Big(ax)))
		s, c := SinCos(x)
		check("Sin", x, math.Sin(x), s)
		check("Cos", x, math.Cos(x), c)
		check("Atan", x, math.Atan(x), Atan(Big(x)))
		y := (r.Float64() - 0.5) * 10
		check("Atan2", y, math.Atan2(y, x), Atan2(Big(y), Big(x)))
		u := r.Float64() - 0.5 // math.Acos is accurate away from ±1
		check("Acos", u, math.Acos(u), Acos(u))
		// Identity: sin^2 + cos^2 = 1 at huge arguments, where the
		// reduction matters.
		hx := math.Ldexp(1+r.Float64(), 900+r.IntN(120))
		hs, hc := SinCos(hx)
		one := new(big.Float).SetPrec(Prec).Mul(hs, hs)
		one.Add(one, new(big.Float).SetPrec(Prec).Mul(hc, hc))
		one.Sub(one, Big(1))
		if one.Sign() != 0 && one.MantExp(nil) > -200 {
			t.Fatalf("sin^2+cos^2-1 = %s at %g", one.Text('g', 5), hx)
		}
	}
	s, _ := SinCos(1e300)
	check("Sin", 1e300, math.Sin(1e300), s)
	if l, _ := Log(Big(0x1p-1074)).Float64(); l != -1074*math.Ln2 {
		t.Errorf("Log(2^-1074) = %v, want %v", l, -1074*math.Ln2)
	}
}

func TestULP(t *testing.T) {
	if e := ULP64(1+0x1p-52, Big(1)); e != 1 {
		t.Errorf("ULP64(1+eps, 1) = %v", e)
	}
	if e := ULP32(1+0x1p-23, Big(1)); e != 1 {
		t.Errorf("ULP32 = %v", e)
	}
	if e := ULP64(0x1p-1074, Big(0)); e != 1 {
		t.Errorf("ULP64 subnormal = %v", e)
	}
	if e := ULP64(math.Inf(1), Exp(Big(710))); e != 0 {
		t.Errorf("overflow to Inf should be exact, got %v", e)
	}
	if e := ULPOf(float32(1), Big(1)); e != 0 {
		t.Errorf("ULPOf = %v", e)
	}
	if !isF32(float32(0)) || isF32(0.0) {
		t.Error("isF32")
	}
}

func TestGuarded(t *testing.T) {
	g := NewGuarded[float64](5, 3, 1)
	if len(g.S()) != 5 || g.S()[4] != 1 || g.Check() != nil {
		t.Fatal("bad guarded slice")
	}
	g.full[2] = 0
	if g.Check() == nil {
		t.Fatal("overwritten guard not reported")
	}
}
