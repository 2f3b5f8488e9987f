package main

import (
	"strings"
	"testing"
)

// TestParseTrace counts a made-up trace: the instructions between the
// pairs of marker entries, without the runtime's and main's, and the
// FP/SIMD ones among them.
func TestParseTrace(t *testing.T) {
	const marker = 0x1000
	trace := `Trace 0: 0x7f00 [0000000001009331/0000000000000500/00000001/00000201] github.com/fisherflow/fisherflow/kernels.Exp
Trace 0: 0x7f00 [0000000001009331/0000000000001000/00000001/00000201] main.marker
Trace 0: 0x7f00 [0000000001009331/0000000000001004/00000001/00000201] main.marker
Trace 0: 0x7f00 [0000000001009331/0000000000002000/00000001/00000201] github.com/fisherflow/fisherflow/kernels.expBlocksNEONF64.abi0
Trace 0: 0x7f00 [0000000001009331/0000000000002004/00000001/00000201] github.com/fisherflow/fisherflow/kernels.expBlocksNEONF64.abi0
Trace 0: 0x7f00 [0000000001009331/0000000000003000/00000001/00000201] runtime.sysmon
Trace 0: 0x7f00 [0000000001009331/0000000000002008/00000001/00000201] github.com/fisherflow/fisherflow/kernels.expBlocksNEONF64.abi0
Trace 0: 0x7f00 [0000000001009331/0000000000001000/00000001/00000201] main.marker
Trace 0: 0x7f00 [0000000001009331/0000000000002000/00000001/00000201] github.com/fisherflow/fisherflow/kernels.expBlocksNEONF64.abi0
Trace 0: 0x7f00 [0000000001009331/0000000000001000/00000001/00000201] main.marker
Trace 0: 0x7f00 [0000000001009331/0000000000001000/00000001/00000201] main.marker
`
	simd := map[uint64]bool{0x2004: true, 0x3000: true}
	calls, err := parseTrace(strings.NewReader(trace), marker, simd)
	if err != nil {
		t.Fatal(err)
	}
	want := []counts{{3, 1}, {0, 0}}
	if len(calls) != len(want) {
		t.Fatalf("got %d calls %v, want %v", len(calls), calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Errorf("call %d: %+v, want %+v", i, calls[i], want[i])
		}
	}
}
