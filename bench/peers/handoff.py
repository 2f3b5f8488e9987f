#!/usr/bin/python3
"""Hand-off of fisherflow models between Go and PyTorch.

fisherflow's checkpoints name and shape their weights as the state_dict of
the PyTorch modules of bench/peers (BestMLP and ProductMLP of
fisherflow_toy.py, ConvNet of fisherflow_promoter.py for the promoter and
enhancer networks, EGNN of fisherflow_molecules.py), so the tensors
without a "/" in their name are a state_dict that load_state_dict(...,
strict=True) takes as it is ("best/" and "ema/" prefix the best and EMA
weights; ConvNet's Fourier frequencies, a buffer, are float64 and load
into float32 as PyTorch converts them). This file reads and
writes the safetensors format with numpy and torch only (Debian has no
python3-safetensors) and builds the module a checkpoint describes:

    import handoff                                      # bench/peers on sys.path
    model = handoff.module("RUN/checkpoint.safetensors")  # built and loaded, strict
    ...                                                   # train: DDP, GPUs, your loop
    handoff.save("trained.safetensors", model.state_dict())  # under DDP: ddp.module.state_dict()

and back in Go, with the run folder for the model's settings and data:

    fisherflow-train sample -checkpoint RUN -weights trained.safetensors -out gen.fasta

From the command line:

    handoff.py info RUN/checkpoint.safetensors         # the module and its state_dict
    handoff.py check CKPT PROBE                        # Go's outputs against the module's (tests)
    handoff.py perturb CKPT PROBE OUT.safetensors OUTPROBE   # the way back (tests)

check reads PROBE, a safetensors file of network inputs and Go's outputs
(written by the tests of cmd/fisherflow-train), runs the module loaded
from CKPT on the inputs in float32 and fails unless max |PyTorch - Go| /
max |Go| <= 1e-5 for every output (the EGNN's velocity, a difference of
positions, against max |positions| where that is larger). perturb moves every tensor of the
state_dict by a seeded 1% (as training would), saves it to OUT and writes
the module's outputs on PROBE's inputs to OUTPROBE, for Go to compare.

save writes float32 and float64 tensors as they are and other floating
types (bfloat16, float16) as float32, the types fisherflow reads.
"""
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}
NAMES = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.int64): "I64"}


def load(path):
    """The tensors (name -> torch tensor) and the metadata of a safetensors file."""
    with open(path, "rb") as f:
        b = f.read()
    (n,) = struct.unpack("<Q", b[:8])
    head = json.loads(b[8:8 + n])
    meta = head.pop("__metadata__", {}) or {}
    out = {}
    for name, h in head.items():
        lo, hi = h["data_offsets"]
        if h["dtype"] not in DTYPES:
            raise ValueError("%s: tensor %s: dtype %s (this reader takes %s)" % (path, name, h["dtype"], ", ".join(DTYPES)))
        a = np.frombuffer(b[8 + n + lo:8 + n + hi], dtype=np.dtype(DTYPES[h["dtype"]]).newbyteorder("<"))
        out[name] = torch.from_numpy(a.reshape(h["shape"]).astype(DTYPES[h["dtype"]]))
    return out, meta


def save(path, tensors, metadata=None):
    """Writes tensors (name -> tensor, such as a state_dict) as a safetensors file."""
    head, blobs, off = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().cpu()
        if t.is_floating_point() and t.dtype not in (torch.float32, torch.float64):
            t = t.float()
        a = np.ascontiguousarray(t.numpy())
        if a.dtype not in NAMES:
            raise ValueError("%s: tensor %s of type %s (save takes floating tensors and int64)" % (path, name, a.dtype))
        data = a.astype(a.dtype.newbyteorder("<")).tobytes()
        head[name] = {"dtype": NAMES[a.dtype], "shape": list(a.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    if metadata:
        head["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(head, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)  # the data starts 8-aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
    os.replace(tmp, path)


def state_dict(path, which=""):
    """The state_dict in a checkpoint: the last weights (which=""), or "best" or "ema"."""
    ts, _ = load(path)
    prefix = which + "/" if which else ""
    return {k[len(prefix):]: v for k, v in ts.items() if k.startswith(prefix) and "/" not in k[len(prefix):]}


def build(meta):
    """The PyTorch module (float32, untrained) of a checkpoint's metadata."""
    cfg = json.loads(meta["config"])
    if meta.get("format") == "fisherflow-molecules-1":
        from fisherflow_molecules import BONDS, EGNN
        vocab, net = json.loads(meta["vocab"]), cfg["net"]
        nodes = len(vocab["elements"]) + len(vocab["charges"])
        return EGNN(nodes + net["time_dim"], BONDS, net["hidden"], net["layers"], nodes, BONDS)
    if meta.get("format") != "fisherflow-checkpoint-2":
        raise ValueError("format %r: not a checkpoint of PyTorch names (one of an earlier fisherflow-train: "
                         "this version's fisherflow-train -resume RUN -steps N, N past its step, rewrites it)" % meta.get("format"))
    positions, k = (int(v) for v in meta["shape"].split(","))
    if cfg["net"] == "bestmlp":
        from fisherflow_toy import BestMLP
        return BestMLP(positions * k, cfg["hidden"], cfg["time_dim"])
    if cfg["net"] == "mlp":
        from fisherflow_toy import ProductMLP
        return ProductMLP(positions * k, cfg["hidden"], cfg["depth"])
    if cfg["net"] in ("promoter", "enhancer"):
        from fisherflow_promoter import Enhancer, Promoter
        if cfg["net"] == "promoter":
            return Promoter(cfg.get("channels") or 256, cfg.get("blocks") or 20, cfg.get("signal", 0), k)
        net = Enhancer(cfg.get("channels") or 128, cfg.get("blocks") or 20, cfg.get("classes", 0), k)
        if cfg.get("signal", 0):
            raise ValueError("an enhancer with a signal: not in the peer module")
        return net
    raise ValueError("network %r has no PyTorch module here (bestmlp, mlp, promoter, enhancer, molecules' EGNN)" % cfg["net"])


def module(path, which=""):
    """The PyTorch module of a checkpoint, its weights loaded with strict=True."""
    _, meta = load(path)
    net = build(meta)
    net.load_state_dict(state_dict(path, which), strict=True)
    return net


def forward(net, meta, probe):
    """The module's outputs (name -> tensor) on the inputs of a probe file."""
    f32 = lambda k: probe[k].float()
    with torch.no_grad():
        if meta.get("format") == "fisherflow-molecules-1":
            from fisherflow_molecules import Graph, graph_tables
            sizes = [int(s) for s in probe["sizes"].tolist()]
            g = Graph(sizes, {n: graph_tables(n) for n in set(sizes)}, torch.float32)
            v, h, e = net(f32("x"), f32("h"), f32("e"), g)
            return {"v": v, "hout": h, "eout": e}
        if json.loads(meta["config"])["net"] in ("bestmlp", "mlp"):
            return {"y": net(f32("x"), f32("t"))}
        b, length = probe["x"].shape[:2]
        sig = f32("signal") if "signal" in probe else torch.zeros(b, length, 0)
        cls = probe["class"].long() if "class" in probe else None
        return {"y": net(f32("x"), sig, f32("t"), cls)}


def compare(ours, theirs, scale=None):
    """Prints max |ours - theirs| / max |theirs| per output and returns the
    worst; scale gives an output another denominator (see check)."""
    worst = 0.0
    for k in sorted(theirs):
        a, b = ours[k].double(), theirs[k].double()
        if a.shape != b.shape:
            sys.exit("%s: shape %s here, %s from Go" % (k, tuple(a.shape), tuple(b.shape)))
        d, m = (a - b).abs().max().item(), max(b.abs().max().item(), 1e-30)
        line = "  %-6s %-16s max |PyTorch - Go| / max |Go| = %.2e" % (k, "x".join(map(str, b.shape)), d / m)
        if scale and k in scale:
            line += ", / max |positions| = %.2e" % (d / scale[k])
            m = max(m, scale[k])
        worst = max(worst, d / m)
        print(line)
    return worst


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("info", "check", "perturb"):
        sys.exit(__doc__)
    cmd, path = sys.argv[1], sys.argv[2]
    _, meta = load(path)
    try:
        net = build(meta)
    except ValueError as e:
        sys.exit("handoff.py: %s: %s" % (path, e))
    net.load_state_dict(state_dict(path), strict=True)  # raises on any missing, unexpected or misshapen key
    sd = net.state_dict()
    print("%s: %s, %d tensors, %d values, loaded with strict=True (PyTorch %s)"
          % (path, type(net).__name__, len(sd), sum(v.numel() for v in sd.values()), torch.__version__))
    if cmd == "info":
        for k, v in sd.items():
            print("  %-32s %s" % (k, list(v.shape)))
        return
    probe, _ = load(sys.argv[3])
    if cmd == "check":
        want = {k[len("out/"):]: v for k, v in probe.items() if k.startswith("out/")}
        # The EGNN's velocity is x^L - x^0, positions less positions, in
        # float32 here and in Go: where it is small (an untrained
        # coordinate MLP starts near 0) its rounding is that of the
        # positions, so it is measured against them.
        scale = {"v": probe["x"].abs().max().item()} if "v" in want else None
        worst = compare(forward(net, meta, probe), want, scale)
        if not worst <= 1e-5:
            sys.exit("check: FAILED: relative difference %.2e > 1e-5" % worst)
        print("check: ok")
        return
    out, outprobe = sys.argv[4], sys.argv[5]
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for v in sd.values():
            v.add_(0.01 * v.abs().mean().clamp_min(1e-3) * torch.randn(v.shape, generator=gen, dtype=v.dtype))
    net.load_state_dict(sd, strict=True)
    save(out, net.state_dict())
    save(outprobe, {"out/" + k: v for k, v in forward(net, meta, probe).items()})
    print("perturb: wrote %s and %s" % (out, outprobe))


if __name__ == "__main__":
    main()
