#!/usr/bin/python3
"""Plain PyTorch reference of the Fisher-Flow toy recipe (and linear FM).

This is the peer that fisherflow's Go trainer is checked against: the same
recipe as ../shared/fisherflow-spec.md sections 2-6, written the obvious
way in PyTorch (autograd, torch.optim.AdamW, clip_grad_norm_), with no code
shared with the Go implementation.

    fisherflow_toy.py -k 40 -steps 3000 -method fisherflow -ot exact \
        -seed 1 -eval-samples 51200 -threads 2 [-target target.csv] [-out result.json]

    fisherflow_toy.py -bench -k 160 -threads 2     # training-step speed only
    fisherflow_toy.py -bench-sample -k 160 -threads 2  # sampling speed only

-target reads the target distribution (one row per position, K
probabilities) written by fisherflow-train, so both implementations are
scored against the same target; without it the target is drawn from the
seed (softmax of U[0,1) logits), as the reference does.

Uses Debian's python3-torch, python3-numpy, python3-scipy and (for
-ot exact, as the reference) python3-pot; it falls back to
scipy.optimize.linear_sum_assignment when POT is missing (the same plan
for uniform square marginals).
"""
import argparse
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-k", type=int, default=40, help="categories K")
    p.add_argument("-positions", type=int, default=4)
    p.add_argument("-method", choices=["fisherflow", "linear"], default="fisherflow")
    p.add_argument("-ot", choices=["none", "exact"], default=None, help="default exact for fisherflow, none for linear")
    p.add_argument("-steps", type=int, default=3000)
    p.add_argument("-batch", type=int, default=512)
    p.add_argument("-lr", type=float, default=1e-3)
    p.add_argument("-eval-every", type=int, default=196, help="steps per validation (one reference epoch)")
    p.add_argument("-val-batches", type=int, default=10)
    p.add_argument("-seed", type=int, default=12345)
    p.add_argument("-eval-samples", type=int, default=51200)
    p.add_argument("-sample-steps", type=int, default=100)
    p.add_argument("-threads", type=int, default=1)
    p.add_argument("-dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("-target", default="", help="target.csv of a fisherflow-train run")
    p.add_argument("-out", default="", help="write the result as JSON here")
    p.add_argument("-bench", action="store_true", help="time training steps only (no OT, no evaluation)")
    p.add_argument("-bench-steps", type=int, default=50)
    p.add_argument("-bench-sample", action="store_true",
                   help="time generation only: 512 sequences, -sample-steps Euler steps (BenchmarkSample)")
    p.add_argument("-bench-format", choices=["json", "go"], default="json",
                   help="go: print a go test -bench line (BenchmarkTrainStep/pytorch/K=...) for bench/cmd/benchreport")
    return p.parse_args()


class BestMLP(nn.Module):
    """FF's toy BestMLP: time Linear(1->64) concatenated at every block."""

    def __init__(self, inp, hidden=512, tdim=64):
        super().__init__()
        self.time = nn.Linear(1, tdim)
        dims = [inp, hidden, hidden, hidden, inp]
        self.blocks = nn.ModuleList(nn.Linear(dims[i] + tdim, dims[i + 1]) for i in range(4))
        self.act = nn.LeakyReLU(0.01)

    def forward(self, x, t):
        temb = self.time(t[:, None])
        h = x
        for i, blk in enumerate(self.blocks):
            out = blk(torch.cat([h, temb], dim=1))
            if i < 3:
                out = self.act(out)
            if out.shape[1] == h.shape[1]:
                out = h + out
            h = out
        return h


class ProductMLP(nn.Module):
    """FF's simplex network (fisherflow's nn.MLP, the smiley): t
    concatenated to the input once, then depth Linear layers with
    LeakyReLU(0.01) between them."""

    def __init__(self, inp, hidden=128, depth=4):
        super().__init__()
        dims = [inp + 1] + [hidden] * (depth - 1) + [inp]
        self.layers = nn.ModuleList(nn.Linear(dims[i], dims[i + 1]) for i in range(depth))
        self.act = nn.LeakyReLU(0.01)

    def forward(self, x, t):
        h = torch.cat([x, t[:, None]], dim=1)
        for i, layer in enumerate(self.layers):
            h = layer(h)
            if i < len(self.layers) - 1:
                h = self.act(h)
        return h


def prior(method, shape, gen, dtype):
    if method == "fisherflow":
        g = torch.randn(shape, generator=gen, dtype=torch.float64).abs()
        return (g / g.norm(dim=-1, keepdim=True)).to(dtype)
    e = -torch.log1p(-torch.rand(shape, generator=gen, dtype=torch.float64))  # Exp(1)
    return (e / e.sum(dim=-1, keepdim=True)).to(dtype)


def angle(x, y):
    """Geodesic angle 2 atan2(|x-y|, |x+y|) over the last axis."""
    return 2 * torch.atan2((x - y).norm(dim=-1), (x + y).norm(dim=-1))


def interpolate(method, x0, x1, t):
    """x_t and its velocity, per position; t has one entry per sequence."""
    tt = t[:, None, None]
    if method == "linear":
        return (1 - tt) * x0 + tt * x1, x1 - x0
    th = angle(x0, x1)[..., None]
    c = (x0 * x1).sum(-1, keepdim=True)
    w = x1 - c * x0
    wn = w.norm(dim=-1, keepdim=True)
    e = torch.where(wn > 0, w / wn.clamp_min(1e-300), torch.zeros_like(w))
    xt = torch.cos(tt * th) * x0 + torch.sin(tt * th) * e
    u = th * (torch.cos(tt * th) * e - torch.sin(tt * th) * x0)
    return xt, u


def tangent(method, v, x):
    if method == "linear":
        return v - v.mean(-1, keepdim=True)
    xn = x / x.norm(dim=-1, keepdim=True)
    return v - (v * xn).sum(-1, keepdim=True) * xn


def ot_permutation(x0, x1):
    """Exact OT between the two batches under sum over positions of squared angles."""
    B = x0.shape[0]
    # Squared angles summed over positions; angles from <x0,x1> via the stable atan2 form.
    cost = torch.zeros(B, B, dtype=torch.float64)
    for p in range(x0.shape[1]):
        a, b = x0[:, p, :].double(), x1[:, p, :].double()
        dot = (a @ b.T).clamp(-1, 1)
        # |a-b|^2 = 2-2dot, |a+b|^2 = 2+2dot (unit vectors)
        th = 2 * torch.atan2(torch.sqrt((2 - 2 * dot).clamp_min(0)), torch.sqrt(2 + 2 * dot))
        cost += th * th
    c = cost.numpy()
    try:
        import ot

        plan = ot.emd(np.full(B, 1 / B), np.full(B, 1 / B), c)
        return plan
    except ImportError:
        from scipy.optimize import linear_sum_assignment

        r, cidx = linear_sum_assignment(c)
        plan = np.zeros((B, B))
        plan[r, cidx] = 1 / B
        return plan


def couple(x0, x1, gen):
    """FF's resampling: B pairs drawn with replacement from the plan."""
    B = x0.shape[0]
    plan = torch.from_numpy(ot_permutation(x0, x1)).flatten()
    idx = torch.multinomial(plan / plan.sum(), B, replacement=True, generator=gen)
    return x0[idx // B], x1[idx % B]


def sample_toy(probs, n, gen):
    """n sequences, one category per position."""
    return torch.stack([torch.multinomial(probs[p], n, replacement=True, generator=gen) for p in range(probs.shape[0])], 1)


def make_batch(a, probs, gen, dtype):
    seq = sample_toy(probs, a.batch, gen)
    x1 = torch.nn.functional.one_hot(seq, a.k).to(dtype)
    x0 = prior(a.method, x1.shape, gen, dtype)
    if a.ot == "exact":
        x0, x1 = couple(x0, x1, gen)
    t = torch.rand(a.batch, generator=gen, dtype=torch.float64).to(dtype)
    xt, u = interpolate(a.method, x0, x1, t)
    return xt, u, t


def loss_of(net, a, xt, u, t):
    out = net(xt.flatten(1), t).view_as(xt)
    v = tangent(a.method, out, xt)
    return ((v - u) ** 2).sum((1, 2)).mean()


@torch.no_grad()
def generate(net, a, n, gen, dtype):
    seqs = []
    dt = 1.0 / a.sample_steps
    for start in range(0, n, 2048):
        b = min(2048, n - start)
        x = prior(a.method, (b, a.positions, a.k), gen, dtype)
        for s in range(a.sample_steps):
            t = torch.full((b,), s * dt, dtype=dtype)
            v = tangent(a.method, net(x.flatten(1), t).view_as(x), x) * dt
            if a.method == "fisherflow":
                nv = v.norm(dim=-1, keepdim=True)
                sinc = torch.where(nv > 1e-4, torch.sin(nv) / nv.clamp_min(1e-30), 1 - nv * nv / 6)
                x = torch.cos(nv) * x + sinc * v
                x = x / x.norm(dim=-1, keepdim=True)
                x = x.abs()
            else:
                x = (x + v).clamp_min(0)
                x = x / x.sum(-1, keepdim=True)
        seqs.append(x.argmax(-1))
    return torch.cat(seqs)


def kl(seqs, probs):
    k = probs.shape[1]
    total = 0.0
    for p in range(probs.shape[0]):
        q = torch.bincount(seqs[:, p], minlength=k).double() / seqs.shape[0]
        m = q > 0
        total += (q[m] * (q[m].log() - probs[p][m].log())).sum().item()
    return total / probs.shape[0]


def main():
    a = parse()
    if a.ot is None:
        a.ot = "exact" if a.method == "fisherflow" else "none"
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    dtype = getattr(torch, a.dtype)
    gen = torch.Generator().manual_seed(a.seed)
    if a.target:
        probs = torch.tensor(np.loadtxt(a.target, delimiter=",", ndmin=2), dtype=torch.float64)
        a.positions, a.k = probs.shape
    else:
        probs = torch.softmax(torch.rand(a.positions, a.k, generator=gen, dtype=torch.float64), -1)
    net = BestMLP(a.positions * a.k).to(dtype)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.1, patience=10)

    if a.bench_sample:
        n, reps = 512, 2
        generate(net, a, n, gen, dtype)  # warm up
        t0 = time.perf_counter()
        for _ in range(reps):
            generate(net, a, n, gen, dtype)
        sec = (time.perf_counter() - t0) / reps
        if a.bench_format == "go":
            print("# peer: PyTorch %s on CPU, %d threads, float32 (bench/peers/fisherflow_toy.py)" % (torch.__version__, a.threads))
            print("BenchmarkSample/pytorch/K=%d-%d\t%d\t%.0f ns/op\t%.1f samples/s" % (
                a.k, a.threads, reps, sec * 1e9, n / sec), flush=True)
            return
        print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "threads": a.threads, "k": a.k,
                          "samples_per_second": n / sec, "sample_steps": a.sample_steps}))
        return

    if a.bench:
        if a.ot == "exact" and "-ot" not in sys.argv:
            a.ot = "none"
        # Each step draws its batch, as a training loop does (and as the Go
        # benchmark's TrainStep does): the prior, the target sample and the
        # geodesic interpolant are part of the step's cost.
        def step():
            xt, u, t = make_batch(a, probs, gen, dtype)
            opt.zero_grad(set_to_none=True)
            loss_of(net, a, xt, u, t).backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
        for i in range(5):  # warm up
            step()
        t0 = time.perf_counter()
        for i in range(a.bench_steps):
            step()
        sec = (time.perf_counter() - t0) / a.bench_steps
        if a.bench_format == "go":
            print("# peer: PyTorch %s on CPU, %d threads, float32 (bench/peers/fisherflow_toy.py)" % (torch.__version__, a.threads))
            print("BenchmarkTrainStep/pytorch/K=%d-%d\t%d\t%.0f ns/op\t%.3f steps/s" % (
                a.k, a.threads, a.bench_steps, sec * 1e9, 1 / sec), flush=True)
            return
        print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "threads": a.threads, "k": a.k,
                          "batch": a.batch, "dtype": a.dtype, "seconds_per_step": sec, "steps_per_second": 1 / sec}))
        return

    val = [make_batch(a, probs, torch.Generator().manual_seed(a.seed + 1 + i), dtype) for i in range(a.val_batches)]
    best, best_state = math.inf, None
    t0 = time.perf_counter()
    log = []
    for step in range(1, a.steps + 1):
        xt, u, t = make_batch(a, probs, gen, dtype)
        opt.zero_grad(set_to_none=True)
        loss = loss_of(net, a, xt, u, t)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        if step % a.eval_every == 0 or step == a.steps:
            with torch.no_grad():
                vl = sum(loss_of(net, a, *b).item() for b in val) / len(val)
            sched.step(vl)
            if vl < best:
                best, best_state = vl, {k: v.clone() for k, v in net.state_dict().items()}
            log.append({"step": step, "loss": loss.item(), "val_loss": vl, "lr": opt.param_groups[0]["lr"]})
            print(json.dumps(log[-1]), file=sys.stderr, flush=True)
    train_sec = time.perf_counter() - t0
    net.load_state_dict(best_state)
    t1 = time.perf_counter()
    seqs = generate(net, a, a.eval_samples, gen, dtype)
    res = {"peer": "pytorch", "torch": torch.__version__, "k": a.k, "method": a.method, "ot": a.ot,
           "steps": a.steps, "seed": a.seed, "threads": a.threads, "eval_samples": a.eval_samples,
           "kl": kl(seqs, probs), "best_val_loss": best, "train_seconds": train_sec,
           "sample_seconds": time.perf_counter() - t1, "log": log}
    print(json.dumps({k: v for k, v in res.items() if k != "log"}))
    if a.out:
        with open(a.out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
