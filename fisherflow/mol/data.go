package mol

import (
	"bytes"
	_ "embed" // for the QM7 data set
	"fmt"
)

// qm7SDF is data/qm7.sdf.gz; see data/README.md for its provenance.
//
//go:embed data/qm7.sdf.gz
var qm7SDF []byte

// QM7Name is the file name that errors about the embedded QM7 data name.
const QM7Name = "qm7.sdf.gz"

// QM7 parses the embedded QM7 data set (6,802 molecules of C, H, N, O and
// S with 4 to 23 atoms, explicit hydrogens, Kekulé bonds, each with a
// `smiles` data item; see data/README.md) on every call: callers keep the
// result.
func QM7() ([]*Molecule, error) {
	mols, err := ReadAll(bytes.NewReader(qm7SDF), QM7Name)
	if err != nil {
		return nil, fmt.Errorf("embedded QM7: %w", err)
	}
	return mols, nil
}

// QM7Reader returns a Reader of the embedded QM7 data set, to stream it.
func QM7Reader() *Reader { return NewReader(bytes.NewReader(qm7SDF), QM7Name) }

// QM7SDF returns a copy of the embedded QM7 file (gzip-compressed SDF),
// e.g. to hand it to a peer script as the training set.
func QM7SDF() []byte { return bytes.Clone(qm7SDF) }
