#!/usr/bin/python3
"""GEMM peer: numpy on its BLAS (OpenBLAS on Debian), the same shapes as
kernels.BenchmarkGemm, printed as go test -bench lines so that
bench/cmd/benchreport puts them in the Gemm table as the "openblas" column.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/peers/gemm.py [-count 3] [-time 0.3]

Unset OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE in this command only: this
machine sets them, and they hold OpenBLAS to its AVX2 kernels. The first
line says which BLAS and which of its kernels run (threadpoolctl), so the
table never names a peer it did not measure.

Each case is timed -count times (about -time seconds each), one line per
timing, as go test -count does; the report takes the median. Thread counts
are pinned with threadpoolctl to 1 and to the number of CPUs, as the Go
benchmark pins kernels.SetThreads.
"""
import argparse
import os
import sys

import numpy as np

from gobench import line, timeit

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # Debian: python3-threadpoolctl
    sys.exit("gemm.py: threadpoolctl is missing (apt-get install python3-threadpoolctl)")

# The shapes of kernels/gemm_bench_test.go (gemmShapes): name, transA, transB, m, n, k.
SHAPES = [
    ("square", False, False, 64, 64, 64),
    ("square", False, False, 128, 128, 128),
    ("square", False, False, 256, 256, 256),
    ("square", False, False, 512, 512, 512),
    ("square", False, False, 1024, 1024, 1024),
    ("square", False, False, 2048, 2048, 2048),
    ("mlp-fwd", False, True, 512, 512, 704),
    ("mlp-fwd", False, True, 512, 512, 576),
    ("mlp-dx", False, False, 512, 704, 512),
    ("mlp-dw", True, False, 512, 704, 512),
]


def case_name(name, ta, tb, m, n, k, prec, threads):
    s = "%s/%s/%dx%dx%d" % (name, prec, m, n, k)
    if ta or tb:
        s += "/t" + ("A" if ta else "") + ("B" if tb else "")
    return "%s/threads=%d" % (s, threads)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-count", type=int, default=3)
    p.add_argument("-time", type=float, default=0.3)
    args = p.parse_args()

    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    if not blas:
        sys.exit("gemm.py: numpy has no BLAS that threadpoolctl can see")
    b = blas[0]
    name = b.get("internal_api", "blas")
    print("# peer: numpy %s on %s %s, kernels %s (OPENBLAS_CORETYPE=%s)" % (
        np.__version__, name, b.get("version"), b.get("architecture"),
        os.environ.get("OPENBLAS_CORETYPE", "unset")), flush=True)
    column = "openblas" if name == "openblas" else name
    cpus = os.cpu_count() or 1
    rng = np.random.default_rng(1)
    for dt, prec in ((np.float32, "f32"), (np.float64, "f64")):
        for (sname, ta, tb, m, n, k) in SHAPES:
            a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(dt)
            bm = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(dt)
            opa = a.T if ta else a
            opb = bm.T if tb else bm
            c = np.empty((m, n), dtype=dt)
            for threads in sorted({1, cpus}):
                with threadpool_limits(threads, user_api="blas"):
                    for _ in range(args.count):
                        reps, el = timeit(lambda: np.matmul(opa, opb, out=c), args.time)
                        line("Gemm/%s/%s" % (column, case_name(sname, ta, tb, m, n, k, prec, threads)), cpus,
                             reps, el, (2.0 * m * n * k * reps / el / 1e9, "GFLOP/s"))


if __name__ == "__main__":
    main()
