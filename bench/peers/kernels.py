#!/usr/bin/python3
"""Kernel peers: numpy's elementwise functions and POT's Sinkhorn and EMD
on the cases of kernels/bench_test.go and kernels/transport_bench_test.go,
printed as go test -bench lines with the columns "numpy" and "pot".

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/peers/kernels.py [-count 3] [-time 0.3]

The elementwise inputs are uniform over the same ranges as benchUnary's
(the values differ; the functions' cost does not depend on them in numpy's
SIMD loops). The transport problem is built exactly as otProblem builds it
(the same float64 operations), and POT runs to the same marginal error:
POT stops on the L2 norm of the column marginal error, checked every 10
iterations, so it is given stopThr = 1e-6 / sqrt(n), which bounds the L1
error by 1e-6 as ours; the iterations and the L1 error it reached are
printed beside the time. One line per timing, -count timings per case; the
first line says which versions and kernels ran.
"""
import argparse
import math
import os
import sys

import numpy as np

from gobench import line, timeit

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # Debian: python3-threadpoolctl
    sys.exit("kernels.py: threadpoolctl is missing (apt-get install python3-threadpoolctl)")

# name, numpy function, input range: benchUnary's cases.
UNARY = [
    ("Sqrt", np.sqrt, 0, 1),
    ("Square", np.square, -1, 1),
    ("Acos", np.arccos, -1, 1),
    ("Sin", np.sin, -10, 10),
    ("Cos", np.cos, -10, 10),
    ("Exp", np.exp, -50, 50),
    ("Log", np.log, 1e-6, 1e6),
]
try:  # the logistic function a numpy user calls (Debian: python3-scipy)
    from scipy.special import expit
    UNARY.append(("Sigmoid", expit, -50, 50))
except ImportError:
    print("# peer missing: scipy (Sigmoid's peer, scipy.special.expit)", file=sys.stderr)
MEM_SIZES = [4096, 1 << 18, 1 << 22, 1 << 24]
MATH_SIZES = [4096, 1 << 18]
OT_REG = 0.01  # otReg


def ot_problem(n):
    i = np.arange(n, dtype=np.float64)

    def frac(c):
        v = i * c
        return v - np.floor(v)

    dx = frac(0.6180339887498949)[:, None] - frac(0.7320508075688772)[None, :]
    dy = frac(0.41421356237309515)[:, None] - frac(0.2360679774997898)[None, :]
    return dx * dx + dy * dy, np.full(n, 1.0 / n)


def elementwise(args, cpus):
    rng = np.random.default_rng(1)
    for name, f, lo, hi in UNARY:
        sizes = MEM_SIZES if name in ("Sqrt", "Square") else MATH_SIZES
        for dt, prec in ((np.float32, "f32"), (np.float64, "f64")):
            for n in sizes:
                x = rng.uniform(lo, hi, n).astype(dt)
                y = np.empty_like(x)
                for _ in range(args.count):
                    reps, el = timeit(lambda: f(x, out=y), args.time)
                    line("%s/numpy/%s/n=%d" % (name, prec, n), cpus, reps, el,
                         (2 * n * x.itemsize * reps / el / 1e6, "MB/s"))
    for dt, prec in ((np.float32, "f32"), (np.float64, "f64")):
        for n in MATH_SIZES:
            y = rng.uniform(-1, 1, n).astype(dt)
            x = rng.uniform(-1, 1, n).astype(dt)
            d = np.empty_like(x)
            for _ in range(args.count):
                reps, el = timeit(lambda: np.arctan2(y, x, out=d), args.time)
                line("Atan2/numpy/%s/n=%d" % (prec, n), cpus, reps, el,
                     (3 * n * x.itemsize * reps / el / 1e6, "MB/s"))


def transport(args, cpus):
    try:
        import ot
    except ImportError:
        print("# peer missing: POT (apt-get install python3-pot)", flush=True)
        return
    print("# peer: POT %s" % ot.__version__, flush=True)
    for n in (128, 512):
        cost, a = ot_problem(n)
        for dt, prec in ((np.float32, "f32"), (np.float64, "f64")):
            c, w = cost.astype(dt), a.astype(dt)
            for method, name in (("sinkhorn", "Sinkhorn"), ("sinkhorn_log", "SinkhornLog")):
                for threads in sorted({1, cpus}):
                    with threadpool_limits(threads):
                        for _ in range(args.count):
                            out = {}

                            def solve():
                                p, log = ot.sinkhorn(w, w, c, OT_REG, method=method, numItermax=10000,
                                                     stopThr=1e-6 / math.sqrt(n), log=True)
                                out["plan"], out["iters"] = p, log["niter"]

                            reps, el = timeit(solve, args.time)
                            p = out["plan"].astype(np.float64)
                            err = np.abs(p.sum(1) - a).sum() + np.abs(p.sum(0) - a).sum()
                            # POT has no over-relaxed Sinkhorn: its plain solver is the peer of
                            # ours with Overrelax: OverrelaxAuto too (the *Auto cases).
                            for case in (name, name + "Auto"):
                                line("OT/pot/%s/%s/%dx%d/threads=%d" % (case, prec, n, n, threads), cpus, reps, el,
                                     (out["iters"], "iters"), (el / reps * 1e3, "ms/solve"), (err, "L1err"))
            for _ in range(args.count):
                reps, el = timeit(lambda: ot.emd(w, w, c), args.time)
                line("OT/pot/EMD/%s/%dx%d" % (prec, n, n), cpus, reps, el, (el / reps * 1e3, "ms/solve"))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-count", type=int, default=3)
    p.add_argument("-time", type=float, default=0.3)
    p.add_argument("-only", choices=["elementwise", "ot"], help="run one family")
    args = p.parse_args()
    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    kern = blas[0].get("architecture") if blas else "none"
    print("# peer: numpy %s (BLAS kernels %s, OPENBLAS_CORETYPE=%s)" % (
        np.__version__, kern, os.environ.get("OPENBLAS_CORETYPE", "unset")), flush=True)
    cpus = os.cpu_count() or 1
    if args.only in (None, "elementwise"):
        elementwise(args, cpus)
    if args.only in (None, "ot"):
        transport(args, cpus)


if __name__ == "__main__":
    main()
