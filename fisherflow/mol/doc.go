// Package mol is the data and metrics foundation of Fisher-Flow on 3D
// molecular graphs (FlowMol's recipe, the QM9 experiment of the
// Fisher-Flow paper): molecules and their SDF files, the embedded QM7 data
// set, the chemistry checks and distribution metrics of generated
// molecules, the featurisation the model needs, and reproducible splits.
// It uses the standard library only.
//
// # Molecules (molecule.go)
//
// A Molecule is a name, two more header lines, Atoms (element symbol,
// formal charge, position in Å), Bonds (two atom indices from 0 and an
// order 1, 2 or 3) and Props (SDF data items, in file order).
// Molecule.Validate says what a V2000 record could not hold.
//
// # SDF files (read.go, readprops.go, write.go)
//
// NewReader streams the records of an SDF file (MDL molfile V2000), plain
// or gzip (told apart by the magic bytes), with Next returning io.EOF
// after the last; ReadFile and ReadAll read whole files. The reader takes
// the header block, the counts line, the atom block (coordinates in
// columns 1-30, the symbol in 32-34, the mass difference, ignored, and
// the charge code 1..7 for +3..-3, 4 being a radical of charge 0; the
// other fields are ignored), the bond block (atoms and type; stereo
// ignored), `M  CHG` lines (the first `M  CHG` or `M  RAD` supersedes all
// charges of the atom block, as MDL specifies; other property lines are
// read past), `M  END`, data items `>  <name>` up to a blank line, and
// `$$$$` (the end of the file also ends the last record). Aromatic bonds
// (type 4) are refused rather than guessed at: the model's bond classes
// are Kekulé orders, and RDKit and Open Babel both write Kekulé forms.
// V3000 records are refused with the command that converts them.
//
// Every error about the content is a *ParseError, "file:line: what is
// wrong": a bad counts line, a short or non-numeric atom or bond line, an
// unknown element, a bond to a missing atom or to itself, a repeated
// bond, a bond order out of range, a bad `M  CHG`, a missing `M  END`, a
// truncated record. After one, Next skips to the next record. A record
// holds at most 999 atoms and bonds (the three digits of V2000), a line at
// most MaxLineBytes and a record at most MaxRecordBytes, so what the
// reader allocates is bounded by its input.
//
// Writer, WriteSDF and WriteFile write V2000 in the fixed-width layout
// (%10.4f coordinates, `M  CHG` for every charged atom) that RDKit and
// Open Babel read; reading what was written gives the same molecules,
// positions to 1e-4 Å.
//
// The same reader takes QM9 as MoleculeNet/DeepChem distribute it,
// unchanged:
//
//	mols, err := mol.ReadFile("gdb9.sdf")
//
// and TestGDB9 reads the whole file and logs its stability when pointed
// at it (it is not shipped here):
//
//	FISHERFLOW_GDB9=/path/to/gdb9.sdf go test -run TestGDB9 -v ./fisherflow/mol
//
// That file (133,885 records named gdb_N, C H N O F with explicit
// hydrogens) was converted from QM9's XYZ files by Open Babel, which
// perceived the bonds from the coordinates: its counts lines and bond
// lines are Open Babel's (testdata/obabel.sdf is made the same way), its
// bonds are Kekulé orders only, some atoms carry formal charges (zwitterion
// forms such as an N+ beside an O-), about 1% of its records have a
// valence that RDKit refuses (pentavalent carbon, bonds longer than
// 1.85 Å), which the reader reads and Stable flags, and the 3,054
// molecules that QM9's authors marked as failing their consistency check
// are still in it. Its properties are in the separate gdb9.sdf.csv.
//
// # QM7 (data.go)
//
// QM7 parses the embedded data/qm7.sdf.gz (6,802 molecules of C, H, N, O
// and S, 4 to 23 atoms; provenance and MIT licence in data/README.md);
// QM7Reader streams it and QM7SDF returns its bytes.
//
// # Chemistry and metrics (chem.go, metrics.go, report.go)
//
// AllowedValences is the valence table by element and charge;
// Molecule.StableAtoms, Stable, Fragments and Connected are atom and
// molecule stability (as in EDM and MiDi, with a stricter table than
// MiDi's) and connectivity. AtomTypes, Charges, BondTypes and Sizes are
// histograms, TV the total variation distance between two; BondLengths,
// W1 (exact Wasserstein-1 between empirical samples) and Histogram (fixed
// bins) describe the lengths of bonds. Metrics gathers all of them into a
// Report with JSON tags for a run's result.json; validity, uniqueness and
// novelty need RDKit and come from bench/peers/molecules.py.
//
// # Featurisation (features.go)
//
// NewVocab lists a data set's elements (by atomic number) and charges
// (ascending); Vocab.Encode turns a molecule into a Graph of classes (atom
// type, charge, and the bond class NoBond..TripleBond of every pair i < j
// in PairIndex order) and positions, Vocab.Decode turns classes back into
// a molecule, and OneHot and Argmax convert between classes and rows of
// the simplex. RemoveMean and Centered take away the unweighted mean
// position. NewSizeDist is the distribution of atom counts, and
// SizeDist.Sample draws from it with a given source.
//
// # Splits (split.go)
//
// Split draws a train/validation/test partition from a seed, as sorted
// index lists that a run folder can record as JSON; Pick selects them.
package mol
