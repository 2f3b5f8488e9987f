package doc

import (
	"strings"
	"testing"
)

func TestLines(t *testing.T) {
	text := "sets dst[i] = sin(x[i]) for |x[i]| < 2^16, copies larger finite x[i] to dst[i] and then returns true (see kernels.Sin): the whole blocks in sinBlocksNEONF32, the rest on a zero-padded copy."
	lines := Lines(text)
	if len(lines) < 3 {
		t.Fatalf("Lines gave %d lines, want at least 3: %q", len(lines), lines)
	}
	for _, l := range lines {
		if len(l) > Width-3 {
			t.Errorf("line %q is %d long, over %d", l, len(l), Width-3)
		}
	}
	if got := strings.Join(lines, " "); got != text {
		t.Errorf("joined lines %q, want %q", got, text)
	}
	long := strings.Repeat("x", 100)
	if got := Lines("a " + long + " b"); len(got) != 3 || got[1] != long {
		t.Errorf("Lines with a long word = %q", got)
	}
	if got := Comment("a b"); got != "// a b\n" {
		t.Errorf("Comment(%q) = %q", "a b", got)
	}
	if got := Lines(""); len(got) != 0 {
		t.Errorf("Lines(\"\") = %q", got)
	}
}
