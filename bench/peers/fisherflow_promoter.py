#!/usr/bin/python3
"""Plain PyTorch training step of Fisher-Flow's promoter model, for speed.

The peer of fisherflow's BenchmarkPromoterStep (issue 10's speed protocol):
the promoter network of ../shared/fisherflow-spec.md section 6 (DDSM's
PromoterModel as Fisher-Flow trains it: 4 + 1 signal input channels,
Gaussian Fourier time embedding of t/2, Conv1d(5, 256, 9) + swish, 20
residual blocks h = swish(conv_i(GroupNorm(1, 256)(out + Dense_i(temb)))),
dilations cycling 1, 1, 4, 16, 64, head Conv1d(256, 256, 1) - GELU -
Conv1d(256, 4, 1); Enhancer is the enhancer CNN of the same module),
written the obvious way in PyTorch (autograd, torch.optim.AdamW,
clip_grad_norm_), with one training step as the Go
trainer runs it: draw a batch (one-hot sequences and their signal), the
prior (|N(0, I)| normalised on the sphere), t ~ U(0, 1), the geodesic
interpolant and its velocity, the tangent-projected output, the squared
error summed over positions and categories, backward, clipping, AdamW.

    fisherflow_promoter.py -batch 8 -threads 2 [-length 1024] [-steps 3] [-bench-format go]
    fisherflow_promoter.py -bench-sample -batch 8 -threads 2   # generation only

It reports sequences/s and the peak resident memory of the process. With
-bench-sample it times generation instead: -batch sequences under their
signals, 10 exp-map Euler steps from the prior (the tangent-projected
field, x <- exp_x(v dt), then abs and renormalised, as fisherflow's
sampler), reported as sequences/s at 100 steps.
Uses Debian's python3-torch.
"""
import argparse
import json
import math
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class GaussianFourier(nn.Module):
    def __init__(self, dim, scale):
        super().__init__()
        self.register_buffer("w", torch.randn(dim // 2) * scale)

    def forward(self, t):
        p = 2 * math.pi * t[:, None] * self.w[None, :]
        return torch.cat([torch.sin(p), torch.cos(p)], dim=-1)


ACTS = {"swish": F.silu, "gelu": F.gelu, "relu": F.relu}


class ConvNet(nn.Module):
    """fisherflow's nn.ConvNet (fisherflow/nn/convnet.go): the promoter
    model (Promoter) and the enhancer CNN (Enhancer). Its state_dict keys
    and shapes are those of fisherflow's checkpoints (bench/peers/handoff.py)."""

    def __init__(self, channels=256, blocks=20, signal=1, categories=4, classes=0, norm="group",
                 act="swish", head_act="gelu", time_scale=0.5, kernel=9, dilations=(1, 1, 4, 16, 64)):
        super().__init__()
        self.signal, self.classes, self.norm_kind, self.time_scale = signal, classes, norm, time_scale
        self.act, self.head_act = ACTS[act], ACTS[head_act]
        self.fourier = GaussianFourier(channels, 30.0)
        self.time = nn.Linear(channels, channels)
        if classes:
            self.class_emb = nn.Embedding(classes + 1, channels)  # the last row: "no class" (guidance)
        self.inp = nn.Conv1d(categories + signal, channels, kernel, padding=kernel // 2)
        dil = [dilations[i % len(dilations)] for i in range(blocks)]
        self.convs = nn.ModuleList(nn.Conv1d(channels, channels, kernel, dilation=d, padding=kernel // 2 * d) for d in dil)
        self.dense = nn.ModuleList(nn.Linear(channels, channels) for _ in range(blocks))
        norms = {"group": lambda: nn.GroupNorm(1, channels), "layer": lambda: nn.LayerNorm(channels)}[norm]
        self.norms = nn.ModuleList(norms() for _ in range(blocks))
        self.head1 = nn.Conv1d(channels, channels, 1)
        self.head2 = nn.Conv1d(channels, categories, 1)

    def forward(self, x, signal, t, cls=None):
        # x: batch x L x categories, signal: batch x L x signal channels
        # (channels-last, as the reference feeds them), cls: batch labels
        # (None: "no class").
        temb = self.act(self.time(self.fourier(t * self.time_scale)))
        if self.classes:
            if cls is None:
                cls = torch.full((x.shape[0],), self.classes, dtype=torch.long)
            temb = temb + self.class_emb(cls)
        inp = torch.cat([x, signal], -1) if self.signal else x
        out = self.act(self.inp(inp.permute(0, 2, 1)))
        for conv, dense, norm in zip(self.convs, self.dense, self.norms):
            h = out + dense(temb)[:, :, None]
            h = norm(h) if self.norm_kind == "group" else norm(h.transpose(1, 2)).transpose(1, 2)
            out = out + self.act(conv(h))
        y = self.head2(self.head_act(self.head1(out)))
        return y.permute(0, 2, 1)


def Promoter(channels=256, blocks=20, signal=1, categories=4):
    """The promoter model (nn.PromoterConfig)."""
    return ConvNet(channels, blocks, signal, categories)


def Enhancer(channels=128, blocks=20, classes=0, categories=4):
    """The enhancer CNN (nn.EnhancerConfig: DFM's CNNModel, dropout 0):
    LayerNorm over the channels of each position, ReLU, t not halved, an
    embedding of the class labels added to the time embedding."""
    return ConvNet(channels, blocks, 0, categories, classes, norm="layer", act="relu", head_act="relu", time_scale=1.0)


def step(net, opt, batch, length, gen):
    seq = torch.randint(0, 4, (batch, length), generator=gen)
    x1 = F.one_hot(seq, 4).float()
    signal = torch.rand(batch, length, 1, generator=gen)
    x0 = torch.randn(batch, length, 4, generator=gen).abs()
    x0 = x0 / x0.norm(dim=-1, keepdim=True)
    t = torch.rand(batch, generator=gen)
    # The geodesic from x0 to x1 on the sphere and its velocity at t.
    cos = (x0 * x1).sum(-1, keepdim=True).clamp(-1, 1)
    theta = 2 * torch.atan2((x0 - x1).norm(dim=-1, keepdim=True), (x0 + x1).norm(dim=-1, keepdim=True))
    e = x1 - cos * x0
    e = e / e.norm(dim=-1, keepdim=True).clamp_min(1e-12)
    tt = t[:, None, None]
    xt = torch.cos(tt * theta) * x0 + torch.sin(tt * theta) * e
    u = theta * (torch.cos(tt * theta) * e - torch.sin(tt * theta) * x0)
    opt.zero_grad(set_to_none=True)
    v = net(xt, signal, t)
    v = v - (v * xt).sum(-1, keepdim=True) * xt
    loss = ((v - u) ** 2).sum((1, 2)).mean()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    opt.step()
    return loss.item()


@torch.no_grad()
def sample(net, batch, length, steps, gen):
    signal = (torch.arange(length, dtype=torch.float32) / length).expand(batch, length)[:, :, None]
    x = torch.randn(batch, length, 4, generator=gen).abs()
    x = x / x.norm(dim=-1, keepdim=True)
    dt = 1.0 / steps
    for i in range(steps):
        t = torch.full((batch,), i * dt)
        v = net(x, signal, t)
        v = v - (v * x).sum(-1, keepdim=True) * x
        nv = v.norm(dim=-1, keepdim=True)
        step = nv * dt
        x = torch.cos(step) * x + torch.sin(step) * v / nv.clamp_min(1e-12)
        x = x.abs()
        x = x / x.norm(dim=-1, keepdim=True)
    return x.argmax(-1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-batch", type=int, default=8)
    p.add_argument("-length", type=int, default=1024)
    p.add_argument("-channels", type=int, default=256)
    p.add_argument("-blocks", type=int, default=20)
    p.add_argument("-steps", type=int, default=3, help="timed steps (after one warm-up step)")
    p.add_argument("-threads", type=int, default=1)
    p.add_argument("-bench-format", choices=["json", "go"], default="json")
    p.add_argument("-bench-sample", action="store_true", help="time generation (10 Euler steps) instead of training")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    gen = torch.Generator().manual_seed(1)
    net = Promoter(a.channels, a.blocks)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.0)
    if a.bench_sample:
        steps = 10
        sample(net, a.batch, a.length, 1, gen)  # warm up
        t0 = time.perf_counter()
        sample(net, a.batch, a.length, steps, gen)
        sec = (time.perf_counter() - t0) * 100 / steps  # per 100-step generation
        if a.bench_format == "go":
            print("# peer: PyTorch %s on CPU, %d threads, float32 (bench/peers/fisherflow_promoter.py -bench-sample)" % (torch.__version__, a.threads))
            print("BenchmarkPromoterSample/pytorch/n=%d-%d\t1\t%.0f ns/op\t%.4f seqs/s" % (
                a.batch, a.threads, sec * steps / 100 * 1e9, a.batch / sec), flush=True)
            return
        print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "threads": a.threads, "batch": a.batch,
                          "length": a.length, "seqs_per_second_at_100_steps": a.batch / sec}))
        return
    step(net, opt, a.batch, a.length, gen)  # warm up
    t0 = time.perf_counter()
    for _ in range(a.steps):
        step(net, opt, a.batch, a.length, gen)
    sec = (time.perf_counter() - t0) / a.steps
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    if a.bench_format == "go":
        print("# peer: PyTorch %s on CPU, %d threads, float32 (bench/peers/fisherflow_promoter.py)" % (torch.__version__, a.threads))
        print("BenchmarkPromoterStep/pytorch/batch=%d-%d\t%d\t%.0f ns/op\t%.4f seqs/s\t%.0f peak-MB" % (
            a.batch, a.threads, a.steps, sec * 1e9, a.batch / sec, rss / 1e6), flush=True)
        return
    print(json.dumps({"peer": "pytorch", "torch": torch.__version__, "threads": a.threads, "batch": a.batch,
                      "length": a.length, "seconds_per_step": sec, "seqs_per_second": a.batch / sec,
                      "peak_rss_bytes": rss}))


if __name__ == "__main__":
    main()
