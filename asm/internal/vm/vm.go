// Package vm holds the vector math functions (exp, log, acos, atan2, sin,
// cos), the one source for every path: their constants, and their bodies
// (body.go) written against Ops. The avo generator runs the bodies on
// AVX2/AVX-512 registers and the NEON generator on its own (asm/neon),
// emitting the constants into the assembly; WriteGo writes the constants
// as Go for the generic path (kernels/elementwise_tables.go), which evaluates
// the same operations in the same order and so returns the same bits.
//
// Where the coefficients come from:
//   - exp: e^r = 1 + r + r^2 q(r) on |r| <= ln2/2, with q the Taylor
//     polynomial sum_{i>=2} r^(i-2)/i!, computed here with math/big and
//     rounded once. The truncation error of the last term kept is below
//     2^-57 of the result for ExpQ64 (up to r^13/13!) and below 2^-27
//     for ExpQ32 (up to r^7/7!, evaluated in float32); a minimax fit
//     would save one term, not accuracy.
//   - log: float64 uses fdlibm's e_log.c, whose Lg1..Lg7 are a Remez fit
//     of R(s) = log((1+s)/(1-s)) - 2s on s^2 in [0, 0.1716] with error
//     below 2^-58.45 (the same table as Go's math.Log); float32 uses
//     Cephes' logf polynomial (LogP32).
//   - acos and atan2: the minimax polynomials of SLEEF 3 (Naoki Shibata,
//     src/libm/sleefsimddp.c: xasin_u1's 12 coefficients for
//     asin(x) = x + x^3 u(x^2) on |x| <= 1/2, and atan2k_u1's 20 for
//     atan(r) = r + r^3 u(r^2) on |r| <= 1), copied as published; SLEEF
//     reaches 1 ULP with them in double-double arithmetic, and this
//     package's functions keep the largest terms in two parts instead
//     (see kernels/elementwise_trig.go). float32 acos and atan2 run the same
//     functions in float32 with SLEEF's float32 polynomials
//     (sleefsimdsp.c: xasinf_u1's 5 and atan2kf_u1's 9 coefficients).
//   - sin and cos: float64 uses fdlibm's k_sin.c and k_cos.c; float32
//     uses its own fits (SinS32, CosC32), made by fit/fit32.py: Lawson's
//     iteration (least squares reweighted towards minimax) of the
//     relative error on |r| <= 1.01 pi/4, the coefficients rounded to
//     float32 one at a time from the lowest, the rest refitted after
//     each. With the rounded coefficients, evaluated exactly, the
//     relative error is below 2^-32.4 (sin) and 2^-32.7 (cos).
package vm

import (
	"fmt"
	"go/format"
	"io"
	"math/big"
	"strconv"
	"strings"
)

// Exp constants: x = k ln2 + r, k = round(x log2e) by adding Shifter
// (1.5 * 2^52, so the sum rounds x log2e to an integer and keeps it in its
// low bits), r = (x - k Ln2Hi) - k Ln2Lo (Ln2Hi has 32 trailing zero bits,
// so k Ln2Hi is exact for |k| < 2^20).
const (
	Log2e    = 1.44269504088896338700e+00
	Ln2Hi    = 6.93147180369123816490e-01
	Ln2Lo    = 1.90821492927058770002e-10
	Shifter  = 0x1.8p52
	ExpOver  = 7.09782712893383973096e+02  // exp(x) > MaxFloat64 above
	ExpUnder = -7.45133219101941108420e+02 // exp(x) < 2^-1075 below
)

// Float32 exp runs in float32 (16 lanes per zmm): the same steps with
// Shifter32 = 1.5 * 2^23, Cephes' split of ln2 (Ln2Hi32 has 9 significant
// bits, so k Ln2Hi32 is exact), q up to r^5/7! (truncation below 2^-27
// of the result), and thresholds past which the result is +Inf or 0
// whatever the rounding (exp overflows float32 from 88.7228 and rounds to
// 0 below -103.9721).
const (
	Shifter32  = 0x1.8p23
	Ln2Hi32    = 0.693359375
	Ln2Lo32    = -2.12194440e-4
	ExpOver32  = 88.8
	ExpUnder32 = -104
)

// Log constants: x = 2^k m with m in (sqrt2/2, sqrt2], f = m - 1,
// s = f/(2+f), log(1+f) = f - (f^2/2 - s (f^2/2 + R(s))).
const (
	Sqrt2    = 1.41421356237309504880
	LogTiny  = 0x1p-1022 // subnormal inputs are scaled by 2^54 first
	LogScale = 0x1p54
)

// LogP32 is Cephes' logf polynomial (S. L. Moshier, Cephes Math Library
// 2.2, logf.c), constant term first: log(1+f) = f - f^2/2 + f^3 P(f) for
// f in [sqrt2/2 - 1, sqrt2 - 1], relative error below 7.6e-8 in Cephes'
// tests; float32 log runs in float32 with it.
var LogP32 = []float64{
	3.3333331174e-1, -2.4999993993e-1, 2.0000714765e-1, -1.6668057665e-1, 1.4249322787e-1,
	-1.2420140846e-1, 1.1676998740e-1, -1.1514610310e-1, 7.0376836292e-2,
}

// LogLg are fdlibm's Lg1..Lg7.
var LogLg = []float64{
	6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01,
	2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01,
	1.479819860511658591e-01,
}

// Pi/2 and Pi as the float64 nearest and the rest (Pio2Lo, PiLo), for
// sums that keep the rounding error of the large part.
const (
	Pio2Hi = 1.5707963267948965580e+00
	Pio2Lo = 6.1232339957367658e-17
	PiHi   = 3.1415926535897931160e+00
	PiLo   = 1.2246467991473532e-16
)

// Sin and cos: x = q pi/2 + r with q = round(x 2/pi) (by adding Shifter)
// and r = (x - q Pio2Hi) - q Pio2Lo - q Pio2Lo2 as a two-part number: x -
// q Pio2Hi is exact (it is a multiple of x's or Pio2Hi's last place below
// 1), q Pio2Lo is split exactly by an FMA, and the parts of pi/2 together
// carry about 160 bits. Below TrigLimit (2^30) the reduced argument's
// error is far below its own last place whatever x; beyond, the kernels
// hand the element to the math package. SinS and CosC are fdlibm's
// k_sin.c and k_cos.c Remez coefficients (S1..S6, C1..C6): sin(r) and
// cos(r) within 2^-58 on |r| <= pi/4.
const (
	TwoOverPi = 6.36619772367581382433e-01
	TrigLimit = 0x1p30
)

// Pio2Lo2 is pi/2 - Pio2Hi - Pio2Lo rounded to float64, from the digits of
// pi below.
var Pio2Lo2 = func() float64 {
	r := new(big.Float).SetPrec(400).Quo(bigPi(), big.NewFloat(2))
	r.Sub(r, big.NewFloat(Pio2Hi))
	r.Sub(r, big.NewFloat(Pio2Lo))
	v, _ := r.Float64()
	return v
}()

// bigPi returns pi to 400 bits.
func bigPi() *big.Float {
	pi, _, err := big.ParseFloat("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899", 10, 400, big.ToNearestEven)
	if err != nil {
		panic(err)
	}
	return pi
}

// Float32 sin and cos reduce in float32 below TrigLimit32 (2^16): x -
// q Pio2Hi32 is exact again (a multiple of 2^-24 below 1 in magnitude),
// and Pio2Hi32, Pio2Lo32 and Pio2Lo232 carry 72 bits of pi/2, which
// leaves the reduced argument's error below 2^-54 for q < 2^16; beyond,
// the kernels hand the element to the float64 functions. SinS32 and
// CosC32 play the parts of SinS and CosC (sin: S1..S4, cos: C1..C3).
const (
	TwoOverPi32 = 0x1.45f306p-01 // 2/pi rounded to float32
	TrigLimit32 = 0x1p16
)

// Pio2Hi32, Pio2Lo32 and Pio2Lo232 are pi/2 in three float32 parts, each
// the float32 nearest to what the earlier ones leave.
var Pio2Hi32, Pio2Lo32, Pio2Lo232 = func() (float64, float64, float64) {
	r := new(big.Float).SetPrec(400).Quo(bigPi(), big.NewFloat(2))
	var p [3]float64
	for i := range p {
		v, _ := r.Float32()
		p[i] = float64(v)
		r.Sub(r, big.NewFloat(p[i]))
	}
	return p[0], p[1], p[2]
}()

// PiHi32 and PiLo32 are pi as the float32 nearest and the float32 nearest
// to the rest (SLEEF's 3.1415927410125732422f and -8.7422776573475857731e-08f).
var PiHi32, PiLo32 = func() (float64, float64) {
	r := bigPi()
	hi, _ := r.Float32()
	lo, _ := r.Sub(r, big.NewFloat(float64(hi))).Float32()
	return float64(hi), float64(lo)
}()

// SinS and CosC are fdlibm's S1..S6 and C1..C6 (Sun Microsystems, 1993);
// SinS32 and CosC32 are this package's float32 fits (see the package
// comment), exact float32 values.
var (
	SinS32 = []float64{-0x1.555556p-3, 0x1.111172p-7, -0x1.a056acp-13, 0x1.7b5d6ap-19}
	CosC32 = []float64{0x1.55554ap-5, -0x1.6c0c14p-10, 0x1.99de6ep-16}
)

// AsinU32 and AtanU32 are SLEEF's float32 asin and atan polynomials
// (xasinf_u1, atan2kf_u1), constant term first, as published.
var (
	AsinU32 = []float64{+0.1666677296e+0, +0.7495029271e-1, +0.4547423869e-1, +0.2424046025e-1, +0.4197454825e-1}
	AtanU32 = []float64{-0.333332866430282592773438, 0.199983194470405578613281, -0.142626821994781494140625,
		0.109463557600975036621094, -0.0838950723409652709960938, 0.0577365085482597351074219,
		-0.0309564601629972457885742, 0.0107900900766253471374512, -0.00176397908944636583328247}
)
var (
	SinS = []float64{-1.66666666666666324348e-01, 8.33333333332248946124e-03, -1.98412698298579493134e-04,
		2.75573137070700676789e-06, -2.50507602534068634195e-08, 1.58969099521155010221e-10}
	CosC = []float64{4.16666666666666019037e-02, -1.38888888888741095749e-03, 2.48015872894767294178e-05,
		-2.75573143513906633035e-07, 2.08757232129817482790e-09, -1.13596475577881948265e-11}
)

// AsinU is SLEEF's asin polynomial u (constant term first): asin(x) =
// x + x^3 u(x^2) for |x| <= 1/2.
var AsinU = []float64{
	+0.1666666666666497543e+0, +0.7500000000378581611e-1, +0.4464285681377102438e-1,
	+0.3038195928038132237e-1, +0.2237176181932048341e-1, +0.1735956991223614604e-1,
	+0.1388715184501609218e-1, +0.1215360525577377331e-1, +0.6606077476277170610e-2,
	+0.1929045477267910674e-1, -0.1581918243329996643e-1, +0.3161587650653934628e-1,
}

// AtanU is SLEEF's atan polynomial u (constant term first): atan(r) =
// r + r^3 u(r^2) for |r| <= 1.
var AtanU = []float64{
	-0.333333333333317605173818, 0.199999999997977351284817, -0.142857142756268568062339,
	0.111111108376896236538123, -0.0909090442773387574781907, 0.0769225330296203768654095,
	-0.0666620884778795497194182, 0.0587946590969581003860434, -0.0524914210588448421068719,
	0.0470843011653283988193763, -0.041848579703592507506027, 0.0359785005035104590853656,
	-0.0289002344784740315686289, 0.0208024799924145797902497, -0.0128281333663399031014274,
	0.00646262899036991172313504, -0.00251865614498713360352999, 0.00070557664296393412389774,
	-0.000125620649967286867384336, 1.06298484191448746607415e-05,
}

// ExpQ64 and ExpQ32 are q's coefficients for float64 and float32 (rounded
// to float32 where used), constant term first.
var (
	ExpQ64 = taylorExp(13)
	ExpQ32 = taylorExp(7)
)

// taylorExp returns 1/i! for i = 2..n, rounded to float64.
func taylorExp(n int) []float64 {
	var q []float64
	fact := big.NewFloat(1).SetPrec(200)
	for i := 2; i <= n; i++ {
		fact.Mul(fact, big.NewFloat(float64(i)))
		c, _ := new(big.Float).SetPrec(200).Quo(big.NewFloat(1).SetPrec(200), fact).Float64()
		q = append(q, c)
	}
	return q
}

// WriteGo writes the constants and tables as a Go source file of package
// pkg, as exact hexadecimal float literals, each name prefixed with vm.
func WriteGo(w io.Writer, pkg, cmd string) error {
	hex := func(v float64) string { return strconv.FormatFloat(v, 'x', -1, 64) }
	var b strings.Builder
	fmt.Fprintf(&b, "// Code generated by command: %s. DO NOT EDIT.\n\n", cmd)
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	b.WriteString("// The constants of the vector math functions, written by the generator\n")
	b.WriteString("// that also emits them into the assembly (asm/internal/vm says where\n")
	b.WriteString("// they come from).\n")
	b.WriteString("const (\n")
	for _, c := range []struct {
		name string
		v    float64
	}{
		{"Log2e", Log2e}, {"Ln2Hi", Ln2Hi}, {"Ln2Lo", Ln2Lo}, {"Shifter", Shifter},
		{"ExpOver", ExpOver}, {"ExpUnder", ExpUnder},
		{"Sqrt2", Sqrt2}, {"LogTiny", LogTiny}, {"LogScale", LogScale},
		{"Shifter32", Shifter32}, {"Ln2Hi32", Ln2Hi32}, {"Ln2Lo32", Ln2Lo32},
		{"ExpOver32", ExpOver32}, {"ExpUnder32", ExpUnder32},
		{"Pio2Hi", Pio2Hi}, {"Pio2Lo", Pio2Lo}, {"PiHi", PiHi}, {"PiLo", PiLo},
		{"Pio2Lo2", Pio2Lo2}, {"TwoOverPi", TwoOverPi}, {"TrigLimit", TrigLimit},
		{"Pio2Hi32", Pio2Hi32}, {"Pio2Lo32", Pio2Lo32}, {"Pio2Lo232", Pio2Lo232},
		{"PiHi32", PiHi32}, {"PiLo32", PiLo32}, {"TwoOverPi32", TwoOverPi32}, {"TrigLimit32", TrigLimit32},
	} {
		fmt.Fprintf(&b, "\tvm%s = %s\n", c.name, hex(c.v))
	}
	b.WriteString(")\n\nvar (\n")
	for _, t := range []struct {
		name, typ string
		vs        []float64
	}{{"ExpQ64", "float64", ExpQ64}, {"LogLg", "float64", LogLg},
		{"ExpQ32", "float32", ExpQ32}, {"LogP32", "float32", LogP32},
		{"AsinU", "float64", AsinU}, {"AtanU", "float64", AtanU},
		{"SinS", "float64", SinS}, {"CosC", "float64", CosC},
		{"AsinU32", "float32", AsinU32}, {"AtanU32", "float32", AtanU32},
		{"SinS32", "float32", SinS32}, {"CosC32", "float32", CosC32}} {
		fmt.Fprintf(&b, "\tvm%s = [...]%s{", t.name, t.typ)
		for i, v := range t.vs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(hex(v))
		}
		b.WriteString("}\n")
	}
	b.WriteString(")\n")
	src, err := format.Source([]byte(b.String()))
	if err != nil {
		return err
	}
	_, err = w.Write(src)
	return err
}
