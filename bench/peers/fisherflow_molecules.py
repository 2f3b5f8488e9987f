#!/usr/bin/python3
"""Plain PyTorch training step of fisherflow's molecule model, for speed.

The peer of BenchmarkMoleculeStep (bench/molstep; issue 28's speed
protocol): the network and the training step of moltrain.DefaultConfig,
written the obvious way in PyTorch (autograd, torch.optim.AdamW,
clip_grad_norm_), with no code shared with the Go implementation.

Network (nn.EGNN of fisherflow/nn/egnn*.go, hidden 64, 4 layers): node
features [x_t types, x_t charges, sin(t f_k), cos(t f_k)] with 8
frequencies f_k from 1 to 1000 in geometric steps, pair features x_t
bonds; embedding Linear(F_in, 64); four EGCLs over the fully connected
graph of each molecule (Satorras et al. 2021, as EDM's code):

    m_ij  = SiLU(Linear(SiLU(Linear([h_i, h_j, d_ij, e_ij]))))   d_ij = |x_i - x_j|^2
    x_i' = x_i + 1/(n-1) sum_j (x_i - x_j) / (sqrt(d_ij + 1e-8) + 1) Linear(SiLU(Linear(m_ij)))
    h_i' = h_i + Linear(SiLU(Linear([h_i, sum_j m_ij])))

the first edge Linear applied factorised (W_a h_i + W_b h_j + (W_e e_ij +
w_d d_ij + b), the last term once per pair), as the Go layer does
(-edge concat: the textbook concatenation over the directed edges); then
the velocity x^L - x^0 with each molecule's mean removed, a node head
Linear-SiLU-Linear of h^L and an edge head Linear-SiLU-Linear of
[h_i + h_j, |x_i - x_j|^2, e_ij] per pair i < j.

Step (moltrain.Trainer.TrainStep): 32 QM7 molecules drawn with replacement,
positions centred; the prior (Gaussian positions with zero mean per
molecule, |N(0, I)| normalised for atom types, charges and bonds on their
spheres), t ~ U(0, 1) per molecule, the straight line for positions and
the geodesic (slerp) for the categorical parts at the time
sin^2(pi/2 t^3) (FlowMol's cosine schedule, -cat-cosine 3); the network
in float32 on x_t; the loss of the default endpoint parameterisation
(-param endpoint): the squared error of the position output, less its
molecule's mean, against x1 - x_t, and the cross-entropy of the
categorical outputs as logits against the data's classes; under -param
velocity the outputs are made tangent (positions lose their molecule's
mean, categorical fields projected at x_t normalised) and regressed on
the velocities of the paths by squared error. The parts are weighted 3,
0.4, 1, 2 (positions, types, charges, bonds); backward, clip_grad_norm_(1), cosine learning rate from 1e-3 over
1000 steps, AdamW (betas 0.9, 0.999, eps 1e-8, no weight decay), an EMA of
the weights (decay 0.999). As in Go, the flow's geometry runs in float64
and only the network in float32.

    fisherflow_molecules.py -threads 1 [-steps 20] [-bench-format go] [-edge concat] [-param velocity -cat-cosine 0]
    fisherflow_molecules.py -check molstep.safetensors   # from go run ./bench/cmd/molexport

-check loads the weights, inputs and targets of one float64 step of the Go
network (go run ./bench/cmd/molexport), recomputes the outputs, losses and
parameter gradients with this network in float64 and fails unless they
agree to 1e-9 (relative to each tensor's largest value).

It reads QM7 from fisherflow/mol/data/qm7.sdf.gz (the data Go embeds) with
a small V2000 reader. PyTorch's threads are set with torch.set_num_threads
and its BLAS's with threadpoolctl (Debian's OpenBLAS runs its own
pthreads); the report line names the BLAS that threadpoolctl sees. Uses
Debian's python3-torch, python3-numpy and python3-threadpoolctl; with
Debian's reference libblas3 instead of libopenblas0 torch's matrix
products are several times slower, and the script says so.
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # Debian: python3-threadpoolctl
    threadpool_info = threadpool_limits = None

HERE = os.path.dirname(os.path.abspath(__file__))
QM7 = os.path.join(HERE, "..", "..", "fisherflow", "mol", "data", "qm7.sdf.gz")

ATOMIC_NUMBER = {"H": 1, "He": 2, "Li": 3, "Be": 4, "B": 5, "C": 6, "N": 7, "O": 8, "F": 9, "Ne": 10,
                 "Na": 11, "Mg": 12, "Al": 13, "Si": 14, "P": 15, "S": 16, "Cl": 17, "Ar": 18,
                 "K": 19, "Ca": 20, "Se": 34, "Br": 35, "I": 53}
CHARGE_CODE = {0: 0, 1: 3, 2: 2, 3: 1, 4: 0, 5: -1, 6: -2, 7: -3}
BONDS = 4  # none, single, double, triple


def read_sdf(path):
    """Molecules of a V2000 SDF file (plain or gzip) as (elements, charges, positions, bonds)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        lines = f.read().splitlines()
    mols, start = [], 0
    for k, line in enumerate(lines):
        if not line.startswith("$$$$"):
            continue
        rec, start = lines[start:k], k + 1
        counts = rec[3]
        if "V2000" not in counts:
            sys.exit("%s:%d: not a V2000 counts line: %r" % (path, start + 3, counts))
        na, nb = int(counts[0:3]), int(counts[3:6])
        els, chg, pos = [], [], []
        for a in rec[4:4 + na]:
            pos.append([float(a[0:10]), float(a[10:20]), float(a[20:30])])
            els.append(a[31:34].strip())
            chg.append(CHARGE_CODE[int(a[36:39])] if len(a) >= 39 and a[36:39].strip() else 0)
        bonds = [(int(b[0:3]) - 1, int(b[3:6]) - 1, int(b[6:9])) for b in rec[4 + na:4 + na + nb]]
        props = rec[4 + na + nb:]
        if any(p.startswith("M  CHG") for p in props):
            chg = [0] * na  # M  CHG lines supersede the atom block's charges
            for p in props:
                if p.startswith("M  CHG"):
                    f = p[6:].split()
                    for i in range(int(f[0])):
                        chg[int(f[1 + 2 * i]) - 1] = int(f[2 + 2 * i])
        mols.append((els, chg, np.array(pos, dtype=np.float64), bonds))
    return mols


class Dataset:
    """QM7 encoded as classes: per molecule its centred positions, type,
    charge and pair classes (pairs i < j in row-major order), and per
    size the index tables of the fully connected graph."""

    def __init__(self, mols):
        self.elements = sorted({e for m in mols for e in m[0]}, key=lambda e: (ATOMIC_NUMBER.get(e, 999), e))
        self.charges = sorted({c for m in mols for c in m[1]})
        self.types, self.chg, self.pos, self.bonds = [], [], [], []
        for els, chg, pos, bonds in mols:
            n = len(els)
            self.types.append(np.array([self.elements.index(e) for e in els]))
            self.chg.append(np.array([self.charges.index(c) for c in chg]))
            self.pos.append(pos - pos.mean(0))
            cls = np.zeros(n * (n - 1) // 2, dtype=np.int64)
            for i, j, o in bonds:
                i, j = min(i, j), max(i, j)
                cls[i * (2 * n - i - 1) // 2 + j - i - 1] = o
            self.bonds.append(cls)
        self.sizes = np.array([len(t) for t in self.types])
        self.tables = {n: graph_tables(n) for n in set(self.sizes.tolist())}


def graph_tables(n):
    """Index tables of one molecule of n atoms: pairs (i, j), i < j, in
    row-major order; directed edges (i, j), i != j, grouped by the
    receiver i; each edge's pair and each pair's edge (i, j)."""
    pi, pj = np.triu_indices(n, 1)
    pid = np.zeros((n, n), dtype=np.int64)
    pid[pi, pj] = np.arange(len(pi))
    pid[pj, pi] = np.arange(len(pi))
    recv = np.repeat(np.arange(n), n - 1)
    send = np.array([j for i in range(n) for j in range(n) if j != i], dtype=np.int64)
    pair = pid[recv, send]
    pij = pi * (n - 1) + pj - 1  # the edge (i, j), i < j
    return pi, pj, recv, send, pair, pij


class Graph:
    """The layout of a batch of molecules: atoms and pairs concatenated."""

    def __init__(self, sizes, tables, dtype):
        self.B = len(sizes)
        off = np.concatenate([[0], np.cumsum(sizes)])
        poff = np.concatenate([[0], np.cumsum([n * (n - 1) // 2 for n in sizes])])
        eoff = 2 * poff
        cat = lambda k, o: torch.from_numpy(np.concatenate([tables[n][k] + o[b] for b, n in enumerate(sizes)]))
        self.pi, self.pj, self.recv, self.send = cat(0, off), cat(1, off), cat(2, off), cat(3, off)
        self.pair, self.pij = cat(4, poff), cat(5, eoff)
        self.mol = torch.from_numpy(np.repeat(np.arange(self.B), sizes))
        self.pair_mol = torch.from_numpy(np.repeat(np.arange(self.B), [n * (n - 1) // 2 for n in sizes]))
        n = torch.tensor(sizes, dtype=torch.float64)
        self.count = n
        self.scale = (1 / (n - 1))[self.mol].to(dtype)[:, None]


def remove_mean(v, g):
    """v (atoms x 3) less each molecule's mean."""
    mean = v.new_zeros(g.B, 3).index_add(0, g.mol, v) / g.count.to(v.dtype)[:, None]
    return v - mean[g.mol]


class EGCL(nn.Module):
    def __init__(self, h, ein, edge):
        super().__init__()
        self.h, self.edge = h, edge
        self.edge_mlp = nn.Sequential(nn.Linear(2 * h + 1 + ein, h), nn.SiLU(), nn.Linear(h, h), nn.SiLU())
        self.coord_mlp = nn.Sequential(nn.Linear(h, h), nn.SiLU(), nn.Linear(h, 1))
        self.node_mlp = nn.Sequential(nn.Linear(2 * h, h), nn.SiLU(), nn.Linear(h, h))
        nn.init.xavier_uniform_(self.coord_mlp[2].weight, gain=0.001)
        nn.init.zeros_(self.coord_mlp[2].bias)

    def forward(self, x, h, e, g):
        H = self.h
        diff = x[g.recv] - x[g.send]
        dist = (diff * diff).sum(1, keepdim=True)
        lin = self.edge_mlp[0]
        if self.edge == "factorised":
            W = lin.weight
            q = torch.addmm(lin.bias, e, W[:, 2 * H + 1:].t()) + dist[g.pij] * W[:, 2 * H]
            pre = (h @ W[:, :H].t())[g.recv] + (h @ W[:, H:2 * H].t())[g.send] + q[g.pair]
        else:
            pre = lin(torch.cat([h[g.recv], h[g.send], dist, e[g.pair]], 1))
        m = self.edge_mlp[3](self.edge_mlp[2](self.edge_mlp[1](pre)))
        phi = self.coord_mlp(m)
        trans = diff * (phi / (torch.sqrt(dist + 1e-8) + 1))
        xo = x + g.scale * x.new_zeros(x.shape).index_add(0, g.recv, trans)
        agg = h.new_zeros(h.shape).index_add(0, g.recv, m)
        return xo, h + self.node_mlp(torch.cat([h, agg], 1))


class EGNN(nn.Module):
    def __init__(self, fin, ein, hidden, layers, fout, eout, edge="factorised"):
        super().__init__()
        self.embedding = nn.Linear(fin, hidden)
        self.layers = nn.ModuleList(EGCL(hidden, ein, edge) for _ in range(layers))
        self.node_head = nn.Sequential(nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, fout))
        self.edge_head = nn.Sequential(nn.Linear(hidden + 1 + ein, hidden), nn.SiLU(), nn.Linear(hidden, eout))

    def forward(self, x, hin, e, g):
        h, x0 = self.embedding(hin), x
        for layer in self.layers:
            x, h = layer(x, h, e, g)
        v = remove_mean(x - x0, g)
        d = x[g.pi] - x[g.pj]
        ein = torch.cat([h[g.pi] + h[g.pj], (d * d).sum(1, keepdim=True), e], 1)
        return v, self.node_head(h), self.edge_head(ein)


def egnn_params(fin, ein, h, layers, fout, eout):
    """nn.EGNNConfig.NumParams of fisherflow/nn/egnn.go."""
    egcl = (2 * h + 1 + ein) * h + h + 3 * (h * h + h) + h + 1 + 2 * h * h + h
    return fin * h + h + layers * egcl + h * h + h + h * fout + fout + (h + 1 + ein) * h + h + h * eout + eout


class Model:
    """The network of moltrain.DefaultNetConfig for a vocabulary, with its
    node-feature assembly (the time embedding) and the flow's loss."""

    def __init__(self, types, charges, hidden=64, layers=4, time_dim=16, edge="factorised",
                 param="endpoint", cat_cosine=3.0):
        self.types, self.charges, self.time_dim = types, charges, time_dim
        self.param, self.cat_cosine = param, cat_cosine
        half = time_dim // 2
        self.freqs = torch.tensor([1000.0 ** (k / max(half - 1, 1)) for k in range(half)], dtype=torch.float64)
        self.dims = (types + charges + time_dim, BONDS, hidden, layers, types + charges, BONDS)
        self.net = EGNN(*self.dims, edge=edge)
        self.weights = (3.0, 0.4, 1.0, 2.0)

    def forward(self, xt, t, g, dtype):
        """The raw outputs (float64) at the points x_t (float64) and times t."""
        ta = t[g.mol][:, None] * self.freqs
        hin = torch.cat([xt["types"], xt["charges"], torch.sin(ta), torch.cos(ta)], 1).to(dtype)
        v, hout, eout = self.net(xt["pos"].to(dtype), hin, xt["bonds"].to(dtype), g)
        return {"pos": v.double(), "types": hout[:, :self.types].double(),
                "charges": hout[:, self.types:].double(), "bonds": eout.double()}

    def cat_time(self, t):
        """The categorical parts' time kappa(t) and its derivative (molflow's catTime)."""
        nu = self.cat_cosine
        if nu == 0:
            return t, torch.ones_like(t)
        a = math.pi / 2 * t ** nu
        return torch.sin(a) ** 2, torch.sin(2 * a) * math.pi / 2 * nu * t ** (nu - 1)

    def loss(self, out, xt, u, x1, g):
        """Flow.Loss: under endpoint the position output's squared error and
        the categorical logits' cross-entropy against the classes of x1;
        under velocity the tangent outputs' squared errors; weighted."""
        ls = {"pos": ((remove_mean(out["pos"], g) - u["pos"]) ** 2).mean()}
        for k in ("types", "charges", "bonds"):
            if self.param == "endpoint":
                ls[k] = torch.nn.functional.cross_entropy(out[k], x1[k].argmax(1))
                continue
            xn = xt[k] / xt[k].norm(dim=1, keepdim=True)
            v = out[k] - (out[k] * xn).sum(1, keepdim=True) * xn
            ls[k] = ((v - u[k]) ** 2).mean()
        ls["total"] = sum(w * ls[k] for w, k in zip(self.weights, ("pos", "types", "charges", "bonds")))
        return ls


def sphere_prior(rows, d, gen):
    x = torch.randn(rows, d, generator=gen, dtype=torch.float64).abs()
    return x / x.norm(dim=1, keepdim=True)


def geodesic(x0, x1, t):
    """Slerp from x0 to x1 (rows on the sphere) at per-row times t, and its velocity."""
    th = 2 * torch.atan2((x0 - x1).norm(dim=1, keepdim=True), (x0 + x1).norm(dim=1, keepdim=True))
    w = x1 - (x0 * x1).sum(1, keepdim=True) * x0
    wn = w.norm(dim=1, keepdim=True)
    e = torch.where(wn > 0, w / wn.clamp_min(1e-300), torch.zeros_like(w))
    tt = t[:, None]
    return torch.cos(tt * th) * x0 + torch.sin(tt * th) * e, th * (torch.cos(tt * th) * e - torch.sin(tt * th) * x0)


def draw(data, model, batch, gen):
    """A training batch: molecules, prior, times, x_t and targets."""
    idx = torch.randint(len(data.sizes), (batch,), generator=gen).tolist()
    sizes = data.sizes[idx].tolist()
    g = Graph(sizes, data.tables, torch.float32)
    oh = lambda cls, d: torch.nn.functional.one_hot(torch.from_numpy(np.concatenate([cls[i] for i in idx])), d).double()
    x1 = {"pos": torch.from_numpy(np.concatenate([data.pos[i] for i in idx])),
          "types": oh(data.types, model.types), "charges": oh(data.chg, model.charges), "bonds": oh(data.bonds, BONDS)}
    N, P = x1["pos"].shape[0], x1["bonds"].shape[0]
    x0 = {"pos": remove_mean(torch.randn(N, 3, generator=gen, dtype=torch.float64), g),
          "types": sphere_prior(N, model.types, gen), "charges": sphere_prior(N, model.charges, gen),
          "bonds": sphere_prior(P, BONDS, gen)}
    t = torch.rand(batch, generator=gen, dtype=torch.float64)
    ta, tp = t[g.mol], t[g.pair_mol]
    xt = {"pos": (1 - ta[:, None]) * x0["pos"] + ta[:, None] * x1["pos"]}
    u = {"pos": x1["pos"] - (xt["pos"] if model.param == "endpoint" else x0["pos"])}
    for k, tk in (("types", ta), ("charges", ta), ("bonds", tp)):
        kt, dk = model.cat_time(tk)
        xt[k], u[k] = geodesic(x0[k], x1[k], kt)
        u[k] = u[k] * dk[:, None]
    return g, xt, u, x1, t


class Trainer:
    def __init__(self, data, edge, param, cat_cosine, batch=32, lr=1e-3, steps=1000, ema=0.999, clip=1.0):
        torch.manual_seed(1)
        self.data, self.batch, self.lr, self.steps, self.ema_decay, self.clip = data, batch, lr, steps, ema, clip
        self.model = Model(len(data.elements), len(data.charges), edge=edge, param=param, cat_cosine=cat_cosine)
        self.params = list(self.model.net.parameters())
        self.opt = torch.optim.AdamW(self.params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
        self.ema = [p.detach().clone() for p in self.params]
        self.gen = torch.Generator().manual_seed(1)
        self.step_no = 0

    def step(self):
        g, xt, u, x1, t = draw(self.data, self.model, self.batch, self.gen)
        self.opt.zero_grad(set_to_none=True)
        ls = self.model.loss(self.model.forward(xt, t, g, torch.float32), xt, u, x1, g)
        ls["total"].backward()
        torch.nn.utils.clip_grad_norm_(self.params, self.clip)
        for pg in self.opt.param_groups:
            pg["lr"] = self.lr * (1 + math.cos(math.pi * self.step_no / self.steps)) / 2
        self.opt.step()
        with torch.no_grad():
            for a, p in zip(self.ema, self.params):
                a.mul_(self.ema_decay).add_(p, alpha=1 - self.ema_decay)
        self.step_no += 1
        return ls["total"].item(), g


def read_safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    (n,) = struct.unpack("<Q", b[:8])
    head = json.loads(b[8:8 + n])
    meta = head.pop("__metadata__", {})
    out = {}
    for name, h in head.items():
        lo, hi = h["data_offsets"]
        dt = {"F64": np.float64, "F32": np.float32}[h["dtype"]]
        out[name] = torch.from_numpy(np.frombuffer(b[8 + n + lo:8 + n + hi], dtype=dt).reshape(h["shape"]).copy())
    return out, meta


def check(path, edge):
    """Recompute the Go step of path (molexport) in float64 and compare."""
    ts, meta = read_safetensors(path)
    data = Dataset(read_sdf(QM7))
    if ",".join(data.elements) != meta["elements"]:
        sys.exit("check: elements %s here, %s in Go" % (data.elements, meta["elements"]))
    model = Model(len(data.elements), len(data.charges), int(meta["hidden"]), int(meta["layers"]),
                  int(meta["time_dim"]), edge=edge, param=meta["param"], cat_cosine=float(meta["cat_cosine"]))
    net = model.net.double()
    model.weights = tuple(float(meta["weight_" + k]) for k in ("pos", "types", "charges", "bonds"))
    names = [n for n, _ in net.named_parameters()]
    go_names = [k[len("param/"):] for k in ts if k.startswith("param/")]
    count = sum(p.numel() for p in net.parameters())
    print("check: parameters: PyTorch %d in %d tensors, Go %s in %d tensors, nn.EGNNConfig.NumParams formula %d"
          % (count, len(names), meta["params"], len(go_names), egnn_params(*model.dims)))
    if sorted(names) != sorted(go_names) or count != int(meta["params"]):
        sys.exit("check: the parameters differ: %s" % sorted(set(names) ^ set(go_names)))
    with torch.no_grad():
        for n, p in net.named_parameters():
            if tuple(p.shape) != tuple(ts["param/" + n].shape):
                sys.exit("check: %s has shape %s here, %s in Go" % (n, tuple(p.shape), tuple(ts["param/" + n].shape)))
            p.copy_(ts["param/" + n])
    sizes = [int(s) for s in ts["input/sizes"].tolist()]
    g = Graph(sizes, {n: graph_tables(n) for n in set(sizes)}, torch.float64)
    parts = ("pos", "types", "charges", "bonds")
    xt = {k: ts["input/" + k] for k in parts}
    u = {k: ts["target/" + k] for k in parts}
    x1 = {k: ts["data/" + k] for k in parts[1:]}
    out = model.forward(xt, ts["input/t"], g, torch.float64)
    ls = model.loss(out, xt, u, x1, g)
    ls["total"].backward()
    worst = 0.0

    def compare(what, ours, theirs):
        nonlocal worst
        err = (ours - theirs).abs().max().item() / max(theirs.abs().max().item(), 1e-300)
        worst = max(worst, err)
        return err

    rows = [("output/" + k, compare("output/" + k, out[k].detach(), ts["output/" + k])) for k in parts]
    for k in parts + ("total",):
        rows.append(("loss_" + k, compare(k, ls[k].detach(), torch.tensor(float(meta["loss_" + k]), dtype=torch.float64))))
    gerr = max(compare(n, p.grad, ts["grad/" + n]) for n, p in net.named_parameters())
    rows.append(("gradients (worst of %d tensors)" % len(names), gerr))
    print("check: %d molecules (%d atoms), max |PyTorch - Go| / max |Go| per tensor:" % (len(sizes), sum(sizes)))
    for name, err in rows:
        print("  %-40s %.2e" % (name, err))
    if not worst <= 1e-9:
        sys.exit("check: FAILED: relative difference %.2e > 1e-9" % worst)
    print("check: ok (PyTorch %s, edge MLP %s, %s parameterisation, cat-cosine %g)"
          % (torch.__version__, edge, model.param, model.cat_cosine))


def blas_line():
    if threadpool_info is None:
        return "BLAS unknown (no threadpoolctl)"
    libs = ["%s %s (%s, %s, %d threads)" % (i.get("internal_api"), i.get("version"), i.get("architecture", "?"),
                                            i.get("threading_layer", "?"), i.get("num_threads"))
            for i in threadpool_info() if i.get("user_api") == "blas"]
    return "BLAS " + ("; ".join(libs) if libs else "not visible to threadpoolctl (Debian's reference libblas3?)")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-threads", type=int, default=1)
    p.add_argument("-steps", type=int, default=20, help="timed steps (after -warmup steps)")
    p.add_argument("-warmup", type=int, default=3)
    p.add_argument("-batch", type=int, default=32)
    p.add_argument("-data", default=QM7, help="V2000 SDF (plain or .gz); default the QM7 file Go embeds")
    p.add_argument("-edge", choices=["factorised", "concat"], default="factorised",
                   help="the first edge Linear as Go applies it, or over the concatenated edge inputs")
    p.add_argument("-param", choices=["endpoint", "velocity"], default="endpoint",
                   help="what the network predicts (moltrain's -param; -check reads it from the file)")
    p.add_argument("-cat-cosine", type=float, default=3.0,
                   help="exponent of the categorical parts' schedule, 0 for linear (-check reads it from the file)")
    p.add_argument("-check", default="", help="compare with a float64 step of the Go network (go run ./bench/cmd/molexport)")
    p.add_argument("-bench-format", choices=["json", "go"], default="json")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.check:
        check(a.check, a.edge)
        return
    limits = threadpool_limits(a.threads, user_api="blas") if threadpool_limits else None
    data = Dataset(read_sdf(a.data))
    tr = Trainer(data, a.edge, a.param, a.cat_cosine, a.batch)
    count = sum(p.numel() for p in tr.params)
    if count != egnn_params(*tr.model.dims):
        sys.exit("parameters: %d, nn.EGNNConfig.NumParams gives %d" % (count, egnn_params(*tr.model.dims)))
    for _ in range(a.warmup):
        tr.step()
    atoms = 0
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(a.steps):
        _, g = tr.step()
        atoms += g.mol.numel()
    sec = (time.perf_counter() - t0) / a.steps
    cpu = (time.process_time() - c0) / a.steps  # all threads, as the Go benchmark's cpu-ms/step
    blas = blas_line()
    if "not visible" in blas:
        print("# peer warning: %s: torch's matrix products are slow; apt-get install libopenblas0-pthread" % blas, file=sys.stderr)
    if a.bench_format == "go":
        print("# peer: PyTorch %s on CPU, %d threads (OpenMP %d; %s), float32, %s edge MLP, %d params (bench/peers/fisherflow_molecules.py)"
              % (torch.__version__, a.threads, torch.get_num_threads(), blas, a.edge, count))
        case = "batch=%d/threads=%d" % (a.batch, a.threads) + ("" if a.edge == "factorised" else "/concat")
        print("BenchmarkMoleculeStep/pytorch/%s\t%d\t%.0f ns/op\t%.3f steps/s\t%.2f cpu-ms/step\t%d params\t%.1f atoms/step"
              % (case, a.steps, sec * 1e9, 1 / sec, cpu * 1e3, count, atoms / a.steps), flush=True)
    else:
        print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "threads": a.threads, "blas": blas,
                          "edge": a.edge, "batch": a.batch, "params": count, "seconds_per_step": sec, "cpu_seconds_per_step": cpu,
                          "atoms_per_step": atoms / a.steps}))
    del limits


if __name__ == "__main__":
    main()
