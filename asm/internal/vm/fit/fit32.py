"""Fits the float32 sin and cos polynomials of package vm (SinS32, CosC32).

Run with /usr/bin/python3 asm/internal/vm/fit/fit32.py (numpy and mpmath).
On |r| <= 1.01 pi/4 (the reduced argument, with room for the rounding of
q), it fits
    sin r = r + r^3 (S1 + S2 z + S3 z^2 + S4 z^3),   z = r^2
    cos r = 1 - z/2 + z^2 (C1 + C2 z + C3 z^2)
minimising the largest relative error by Lawson's iteration (weighted least
squares, the weights multiplied by the error each round) on 4000
Chebyshev nodes. The coefficients are rounded to float32 one at a time,
lowest degree first, the higher ones refitted after each rounding so they
absorb its error. It prints each coefficient as a hexadecimal float and
log2 of the largest relative error of the rounded polynomial, evaluated
exactly (vm's comment quotes both).
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40
N = 4000
L = float(mp.pi / 4) * 1.01
x = np.array([L * (0.5 + 0.5 * np.cos(np.pi * (i + 0.5) / N)) for i in range(N)])
x = np.maximum(x, 1e-4)
z = x * x
sinx = np.array([float(mp.sin(mp.mpf(v))) for v in x])
cosx = np.array([float(mp.cos(mp.mpf(v))) for v in x])


def f32(v):
    return float(np.float32(v))


def lawson(A, b, rounds=300):
    w = np.ones(len(b)) / len(b)
    for _ in range(rounds):
        sw = np.sqrt(w)
        c, *_ = np.linalg.lstsq(A * sw[:, None], b * sw, rcond=None)
        e = np.abs(A @ c - b)
        w = w * e
        w /= w.sum()
    return c


def fit(basis, target, scale, n):
    """target ~ sum c_i basis(i), relative to scale, c_i float32."""
    fixed = []
    for k in range(n):
        A = np.stack([basis(i) for i in range(k, n)], 1) / scale[:, None]
        b = (target - sum(fixed[i] * basis(i) for i in range(k))) / scale
        fixed.append(f32(lawson(A, b)[0]))
    A = np.stack([basis(i) for i in range(n)], 1)
    err = np.abs(A @ np.array(fixed) - target) / scale
    return fixed, np.log2(err.max())


for name, basis, target, scale, n in [
    ("SinS32", lambda i: x**3 * z**i, sinx - x, sinx, 4),
    ("CosC32", lambda i: z * z * z**i, cosx - 1 + z / 2, cosx, 3),
]:
    c, e = fit(basis, target, scale, n)
    print(name, ", ".join(float.hex(v) for v in c), "log2 relative error %.2f" % e)
