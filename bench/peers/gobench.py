"""Shared by the peers: time a call the way testing.B does and print go
test -bench lines that bench/cmd/benchreport reads beside ours."""
import time


def timeit(f, seconds):
    """Runs f until the runs take about seconds; returns (reps, elapsed)."""
    f()
    reps, el = 1, 0.0
    while True:  # calibrate like testing.B: grow until the run is long enough
        t0 = time.perf_counter()
        for _ in range(reps):
            f()
        el = time.perf_counter() - t0
        if el >= seconds or reps >= 1 << 20:
            return reps, el
        reps = max(reps + 1, int(reps * min(100.0, 1.2 * seconds / max(el, 1e-9))))


def line(name, cpus, reps, el, *metrics):
    """Prints one result line: name-cpus, reps, ns/op, then (value, unit)
    metrics."""
    s = "Benchmark%s-%d\t%d\t%.0f ns/op" % (name, cpus, reps, el / reps * 1e9)
    for v, unit in metrics:
        s += "\t%.4g %s" % (v, unit)
    print(s, flush=True)
