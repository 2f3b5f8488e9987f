package a64

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// every returns each instruction of the package with random registers,
// several times over.
func every(r *rand.Rand) []Inst {
	v := func() int { return r.IntN(32) }
	var out []Inst
	for range 8 {
		for _, a := range []Arr{S4, D2} {
			for _, f := range []func(Arr, int, int, int) Inst{FADD, FSUB, FMUL, FDIV, FMAX, FMIN, FADDP, FMINP, FMLA, FCMEQ, FCMGE, FCMGT} {
				out = append(out, f(a, v(), v(), v()))
			}
			for _, f := range []func(Arr, int, int) Inst{FSQRT, FABS, FNEG, FADDPScalar, FMINPScalar, CMLT0} {
				out = append(out, f(a, v(), v()))
			}
		}
		for _, f := range []func(int, int) Inst{FCVTL, FCVTL2, FCVTN, FCVTN2} {
			out = append(out, f(v(), v()))
		}
		out = append(out, FMLAElem(S4, v(), v(), v(), r.IntN(4)), FMLAElem(D2, v(), v(), v(), r.IntN(2)))
	}
	return out
}

var encodingRE = regexp.MustCompile(`encoding: \[0x([0-9a-f]{2}),0x([0-9a-f]{2}),0x([0-9a-f]{2}),0x([0-9a-f]{2})\]`)

// TestAgainstLLVM assembles every instruction's text with an independent
// assembler (LLVM's, Debian package llvm) and compares the encodings.
func TestAgainstLLVM(t *testing.T) {
	mc, err := exec.LookPath("llvm-mc")
	if err != nil {
		t.Skip("llvm-mc not installed (apt-get install llvm); the encodings are not checked")
	}
	insts := every(rand.New(rand.NewPCG(1, 2)))
	var src strings.Builder
	for _, in := range insts {
		fmt.Fprintln(&src, in.Text)
	}
	cmd := exec.Command(mc, "-triple=aarch64", "-mattr=+neon", "-show-encoding")
	cmd.Stdin = strings.NewReader(src.String())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("llvm-mc: %v\n%s", err, errb.String())
	}
	ms := encodingRE.FindAllStringSubmatch(out.String(), -1)
	if len(ms) != len(insts) {
		t.Fatalf("llvm-mc encoded %d of %d instructions:\n%s%s", len(ms), len(insts), out.String(), errb.String())
	}
	for i, m := range ms {
		var w uint32
		for b := 4; b >= 1; b-- { // little-endian bytes
			x, _ := strconv.ParseUint(m[b], 16, 8)
			w = w<<8 | uint32(x)
		}
		if w != insts[i].Word {
			t.Errorf("%s: ours 0x%08x, llvm-mc 0x%08x", insts[i].Text, insts[i].Word, w)
		}
	}
}

// The encodings of simd-notes.md, checked under qemu there.
func TestKnownWords(t *testing.T) {
	for _, c := range []struct {
		in   Inst
		want uint32
	}{
		{FADD(S4, 0, 0, 1), 0x4E21D400},
		{FADDP(S4, 0, 0, 0), 0x6E20D400},
		{FADDPScalar(S4, 0, 0), 0x7E30D800},
		{FSQRT(D2, 0, 0), 0x6EE1F800},
		{FCVTL(0, 0), 0x0E617800},
		{FMLAElem(S4, 0, 1, 2, 1), 0x4FA21020},
	} {
		if c.in.Word != c.want {
			t.Errorf("%s: 0x%08x, want 0x%08x", c.in.Text, c.in.Word, c.want)
		}
	}
	if got := FMUL(D2, 1, 2, 3).Go(); got != "WORD $0x6e63dc41 // fmul v1.2d, v2.2d, v3.2d" {
		t.Errorf("Go() = %q", got)
	}
}
