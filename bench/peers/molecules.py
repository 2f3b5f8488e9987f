#!/usr/bin/python3
"""Validity, uniqueness and novelty of generated molecules, by RDKit.

The toolkit half of the molecule metrics: package fisherflow/mol scores
stability, connectivity and the distributions in Go, and this script adds
what needs a chemistry toolkit, by the field's recipe (EDM, MiDi, FlowMol):

    validity    share of generated records whose largest fragment RDKit
                sanitises (records RDKit cannot parse at all are invalid)
    uniqueness  distinct canonical SMILES (without hydrogens) among the
                valid ones, over the valid ones
    novelty     unique valid SMILES that are not among the training set's,
                over the unique valid ones; the training set's SMILES are
                computed the same way

    molecules.py GENERATED.sdf TRAINING.sdf[.gz] [-splits RUN/splits.json] [-png grid.png] [-grid 16] [-out result.json]

With -splits (a run folder's splits.json), TRAINING is the whole data
set the run split, such as fisherflow/mol/data/qm7.sdf.gz, and only its
records at the split's "train" indices (0-based) count as the training
set.

Both files are SDF (V2000 or V3000), plain or gzip (told apart by the
first two bytes), with explicit hydrogens. The result is one JSON object
on standard output (and in -out). -png draws the first -grid valid
molecules (largest fragments, 2D depictions) when RDKit's drawing works,
and says why not otherwise.

Uses Debian's python3-rdkit. Exit codes: 0 done, 1 a file could not be
read, 2 bad arguments, 3 RDKit is not installed.
"""
import argparse
import gzip
import json
import sys

try:
    from rdkit import Chem, RDLogger, rdBase
except ImportError:
    sys.stderr.write("molecules.py: RDKit is not installed (apt-get install python3-rdkit; run with /usr/bin/python3)\n")
    sys.exit(3)


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("generated", help="SDF of generated molecules")
    p.add_argument("training", help="SDF of the training set")
    p.add_argument("-splits", default="", help="a run's splits.json: keep only TRAINING's records at its train indices")
    p.add_argument("-png", default="", help="draw the first valid molecules into this PNG file")
    p.add_argument("-grid", type=int, default=16, help="molecules in the -png grid")
    p.add_argument("-out", default="", help="write the result as JSON here too")
    return p.parse_args()


def records(path):
    """Yields every record of an SDF file as an unsanitised molecule, or
    None where RDKit cannot parse it."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    stream = gzip.open(path, "rb") if gzipped else open(path, "rb")
    with stream:
        yield from Chem.ForwardSDMolSupplier(stream, sanitize=False, removeHs=False)


def largest_fragment(mol):
    """Returns the largest fragment of mol sanitised, or None when it is
    not valid."""
    if mol is None or mol.GetNumAtoms() == 0:
        return None
    try:
        frags = Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=False)
        frag = max(frags, key=lambda m: m.GetNumAtoms())
        Chem.SanitizeMol(frag)
        return frag
    except Exception:  # RDKit raises several kinds of sanitisation errors
        return None


def canonical(frag):
    """Canonical SMILES of a sanitised fragment, without hydrogens."""
    try:
        return Chem.MolToSmiles(Chem.RemoveHs(frag))
    except Exception:
        return None


def score(path, keep=None):
    """Returns (records, valid SMILES in file order, valid fragments),
    counting only the records whose 0-based index is in keep (all when
    keep is None)."""
    n, smiles, frags = 0, [], []
    for i, mol in enumerate(records(path)):
        if keep is not None and i not in keep:
            continue
        n += 1
        frag = largest_fragment(mol)
        s = canonical(frag) if frag is not None else None
        if s is not None:
            smiles.append(s)
            frags.append(frag)
    return n, smiles, frags


def draw(frags, path, count):
    """Draws up to count fragments in a grid; returns None or why not."""
    try:
        from rdkit.Chem import AllChem
        from rdkit.Chem.Draw import rdMolDraw2D
        mols = []
        for f in frags[:count]:
            m = Chem.RemoveHs(f)
            # A picture of the graph: stereo flags read from 3D records can
            # name centres that a 2D depiction cannot draw.
            Chem.RemoveStereochemistry(m)
            AllChem.Compute2DCoords(m)
            mols.append(m)
        if not mols:
            return "no valid molecule to draw"
        cols = min(4, len(mols))
        rows = (len(mols) + cols - 1) // cols
        d = rdMolDraw2D.MolDraw2DCairo(250 * cols, 250 * rows, 250, 250)
        d.DrawMolecules(mols, legends=[Chem.MolToSmiles(m) for m in mols])
        d.FinishDrawing()
        with open(path, "wb") as f:
            f.write(d.GetDrawingText())
        return None
    except Exception as e:  # a build of RDKit without Cairo, or a file error
        return "drawing failed: %s" % e


def main():
    args = parse()
    RDLogger.DisableLog("rdApp.*")
    try:
        keep = None
        if args.splits:
            with open(args.splits) as f:
                keep = set(json.load(f)["train"])
        n, smiles, frags = score(args.generated)
        n_train, train_smiles, _ = score(args.training, keep)
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.stderr.write("molecules.py: %s\n" % e)
        return 1
    unique = set(smiles)
    novel = unique - set(train_smiles)
    out = {
        "generated": args.generated,
        "training": args.training,
        "molecules": n,
        "valid": len(smiles),
        "unique": len(unique),
        "novel": len(novel),
        "validity": len(smiles) / n if n else 0.0,
        "uniqueness": len(unique) / len(smiles) if smiles else 0.0,
        "novelty": len(novel) / len(unique) if unique else 0.0,
        "training_molecules": n_train,
        "training_valid": len(train_smiles),
        "rdkit": rdBase.rdkitVersion,
    }
    if args.png:
        why = draw(frags, args.png, args.grid)
        out["png"] = args.png if why is None else None
        if why is not None:
            out["png_error"] = why
            sys.stderr.write("molecules.py: no picture: %s\n" % why)
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
