"""Linear CKA on 10,000 x 1,024 float32 activations as users get it (the installed Python module,
2 threads), against numpy (float64 and float32 feature-space formula) and torch (float32) in the
same run, and against the float64 GEMMs the computation needs (X^T Y, X^T X, Y^T Y by numpy's
OpenBLAS: the machine's practical limit for this formula).

Usage: .venv/bin/python benchmarks/bench_cka_python.py [tokens] [features]
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from thermo_reference import best_seconds  # noqa: E402  (the benchmarks' one timing rule)


def numpy_cka(x, y):
    x = x - x.mean(axis=0)
    y = y - y.mean(axis=0)
    return np.linalg.norm(x.T @ y) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))


def main():
    import torch

    import infoscale
    from infoscale import layers

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    d = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, d)).astype(np.float32)
    y = (x @ rng.normal(size=(d, d)).astype(np.float32) * 0.1 + rng.normal(size=(n, d)).astype(np.float32))
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    torch.set_num_threads(2)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)

    def torch_cka():
        a = tx - tx.mean(0)
        b = ty - ty.mean(0)
        return float(torch.linalg.norm(a.T @ b) ** 2 / (torch.linalg.norm(a.T @ a) * torch.linalg.norm(b.T @ b)))

    xc, yc = x64 - x64.mean(0), y64 - y64.mean(0)
    value = layers.linear_cka(x, y)
    rows = [
        ("infoscale layers.linear_cka (float32 in, float64 GEMMs)", best_seconds(lambda: layers.linear_cka(x, y)), value),
        ("numpy float64 feature-space formula", best_seconds(lambda: numpy_cka(x64, y64)), numpy_cka(x64, y64)),
        ("numpy float64 formula on the float32 arrays (astype included)",
         best_seconds(lambda: numpy_cka(x.astype(np.float64), y.astype(np.float64))), numpy_cka(x64, y64)),
        ("numpy float32 feature-space formula", best_seconds(lambda: numpy_cka(x, y)), float(numpy_cka(x, y))),
        ("torch float32 (2 threads)", best_seconds(torch_cka), torch_cka()),
        ("the float64 GEMMs alone (numpy: X^T Y, X^T X, Y^T Y)", best_seconds(lambda: (xc.T @ yc, xc.T @ xc, yc.T @ yc)), None),
    ]
    reference = rows[1][2]
    gemms = rows[-1][1]
    print(f"{n} x {d} float32 activations, 2 threads; infoscale's GEMM back end: {infoscale.layers.gemm_backend()}\n")
    print("| computation | seconds | vs infoscale | vs the float64 GEMMs | CKA - numpy float64 |")
    print("|---|---:|---:|---:|---:|")
    for name, seconds, v in rows:
        diff = "-" if v is None else f"{v - reference:.1e}"
        print(f"| {name} | {seconds:.3f} | {seconds / rows[0][1]:.2f}x | {seconds / gemms:.2f}x | {diff} |")


if __name__ == "__main__":
    main()
