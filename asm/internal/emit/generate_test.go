package emit

import "testing"

func TestPruneSelfMoves(t *testing.T) {
	src := "\tVMOVUPS Z3, Z3\n\tVMOVUPS           Z4, Z4\n\tVMOVUPS Z3, Z4\n\tVMOVUPS Z5, K1, Z5\n\tVMOVUPD Y2, Y2\n\tVMOVUPS X1, X1\n\tVMOVUPS Z13, Z1\n\tVADDPS Z1, Z1, Z1\n"
	want := "\tVMOVUPS Z3, Z4\n\tVMOVUPS Z5, K1, Z5\n\tVMOVUPS X1, X1\n\tVMOVUPS Z13, Z1\n\tVADDPS Z1, Z1, Z1\n"
	if got := string(pruneSelfMoves([]byte(src))); got != want {
		t.Errorf("pruneSelfMoves:\n%s\nwant\n%s", got, want)
	}
}
