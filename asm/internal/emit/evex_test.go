package emit

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/mmcloughlin/avo/reg"
)

// TestEVEXEncode checks the BF16 encodings against llvm-mc, over register
// numbers that exercise every extension bit (R, R', X, B, vvvv, V').
func TestEVEXEncode(t *testing.T) {
	mc, err := exec.LookPath("llvm-mc")
	if err != nil {
		t.Skip("llvm-mc not installed (.ci/run installs llvm): EVEX encodings not checked")
	}
	type tc struct {
		op        EVEXOp
		bits      int
		d, s1, s2 int
		intel     string
	}
	var cases []tc
	for _, r := range [][3]int{{0, 1, 2}, {7, 8, 15}, {16, 23, 31}, {31, 0, 17}, {9, 30, 4}, {24, 28, 26}} {
		cases = append(cases,
			tc{VDPBF16PS, 512, r[0], r[1], r[2], fmt.Sprintf("vdpbf16ps zmm%d, zmm%d, zmm%d", r[0], r[1], r[2])},
			tc{VCVTNE2PS2BF16, 512, r[0], r[1], r[2], fmt.Sprintf("vcvtne2ps2bf16 zmm%d, zmm%d, zmm%d", r[0], r[1], r[2])},
			tc{VCVTNEPS2BF16, 512, r[0], -1, r[2], fmt.Sprintf("vcvtneps2bf16 ymm%d, zmm%d", r[0], r[2])},
			tc{VCVTNEPS2BF16, 256, r[0], -1, r[2], fmt.Sprintf("vcvtneps2bf16 xmm%d, ymm%d", r[0], r[2])})
	}
	var src strings.Builder
	src.WriteString(".intel_syntax noprefix\n")
	for _, c := range cases {
		src.WriteString(c.intel + "\n")
	}
	cmd := exec.Command(mc, "-triple=x86_64", "-mattr=+avx512bf16,+avx512vl", "-show-encoding")
	cmd.Stdin = strings.NewReader(src.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("llvm-mc: %v\n%s", err, out)
	}
	var encs []string
	for _, line := range strings.Split(string(out), "\n") {
		if i := strings.Index(line, "encoding: ["); i >= 0 {
			e := line[i+len("encoding: [") : strings.Index(line, "]")]
			encs = append(encs, strings.ReplaceAll(e, ",", " "))
		}
	}
	if len(encs) != len(cases) {
		t.Fatalf("llvm-mc gave %d encodings for %d instructions:\n%s", len(encs), len(cases), out)
	}
	zmm := func(i int) reg.Physical { return reg.Vector.Lookup(reg.Index(i), reg.S512) }
	ymm := func(i int) reg.Physical { return reg.Vector.Lookup(reg.Index(i), reg.S256) }
	for i, c := range cases {
		dst, s2 := zmm(c.d), zmm(c.s2)
		if c.op.Name == "VCVTNEPS2BF16" {
			dst = ymm(c.d)
			if c.bits == 256 {
				s2 = ymm(c.s2)
			}
		}
		var s1 reg.Physical
		if c.s1 >= 0 {
			s1 = zmm(c.s1)
		}
		var got []string
		for _, b := range c.op.Encode(c.bits, dst, s1, s2) {
			got = append(got, fmt.Sprintf("0x%02x", b))
		}
		if g := strings.Join(got, " "); g != encs[i] {
			t.Errorf("%s: got %s, llvm-mc %s", c.intel, g, encs[i])
		}
	}
}
