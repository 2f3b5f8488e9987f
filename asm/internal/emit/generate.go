package emit

import (
	"flag"
	"fmt"
	"os"
	"regexp"

	"github.com/mmcloughlin/avo/build"

	"github.com/fisherflow/fisherflow/asm/internal/primtab"
)

// GenerateFile runs avo's Generate, then deletes from the assembly file (the
// -out flag) the moves of a vector register to itself that avo's register
// allocator leaves: M.Sel and M.Mov copy a value into a fresh register,
// and where the source dies at the copy both get the same register. avo's
// own PruneSelfMoves pass covers the general-purpose moves only. Only
// unmasked ymm and zmm moves are deleted: an xmm move would also clear
// the upper lanes.
func GenerateFile() {
	build.Generate()
	out := flag.Lookup("out").Value.String()
	if out == "" {
		return
	}
	src, err := os.ReadFile(out)
	if err == nil {
		err = os.WriteFile(out, pruneSelfMoves(src), 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "emit:", err)
		os.Exit(1)
	}
}

// selfMove matches one line moving a ymm or zmm register to itself.
var selfMove = regexp.MustCompile(`(?m)^\tVMOV(?:UPS|UPD|APS|APD|DQU|DQA|DQU32|DQU64|DQA32|DQA64) +([YZ][0-9]+), ([YZ][0-9]+)\n`)

// pruneSelfMoves returns src without its self moves.
func pruneSelfMoves(src []byte) []byte {
	return selfMove.ReplaceAllFunc(src, func(line []byte) []byte {
		m := selfMove.FindSubmatch(line)
		if string(m[1]) == string(m[2]) {
			return nil
		}
		return line
	})
}

// GenerateFamily is GenerateFile for a kernel family of package kernels:
// it also appends the family's path tables (package primtab) to the stubs
// file (the -stubs flag).
func GenerateFamily(f primtab.Family) {
	GenerateFile()
	stubs := flag.Lookup("stubs").Value.String()
	if stubs == "" {
		return
	}
	src, err := os.ReadFile(stubs)
	if err == nil {
		src, err = f.Append(src)
	}
	if err == nil {
		err = os.WriteFile(stubs, src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "emit:", err)
		os.Exit(1)
	}
}
