"""What a user would otherwise run: entropy + free energy of softmax(z) per row with scipy and numpy.

Prints JSON lines {"kind": "scipy"|"numpy"|"torch", "V", "rows", "seconds", "gbs"} for fp32 logits
filled like bench_thermo's. Single-threaded by construction (numpy's element-wise kernels are);
torch is measured with torch.set_num_threads(1) when it is installed.
Usage: python benchmarks/thermo_reference.py [--quick]
"""
import json
import sys
import time

import numpy as np
import scipy.special
import scipy.stats


def best_seconds(f, budget=0.4, min_repeats=3):
    best, start, i = float("inf"), time.perf_counter(), 0
    while True:
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
        i += 1
        if i >= min_repeats and time.perf_counter() - start > budget:
            return best


def scipy_entropy_free_energy(z):
    log_z = scipy.special.logsumexp(z, axis=1)  # F = -T log Z at T = 1
    s = scipy.stats.entropy(scipy.special.softmax(z, axis=1), axis=1)
    return -log_z, s


def numpy_entropy_free_energy(z):
    z = z.astype(np.float64)
    m = z.max(axis=1, keepdims=True)
    d = z - m
    e = np.exp(d)
    w = e.sum(axis=1)
    log_z = m[:, 0] + np.log(w)
    s = np.log(w) - (e * d).sum(axis=1) / w
    return -log_z, s


def main():
    quick = "--quick" in sys.argv
    rows_list = [1, 64] if quick else [1, 16, 256]
    rng = np.random.default_rng(0)
    try:
        import torch  # noqa: F401

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    for v in (32000, 128256, 262144):
        for rows in rows_list:
            z = rng.uniform(-8, 8, size=(rows, v)).astype(np.float32)
            nbytes = z.nbytes
            for kind, f in (("scipy", scipy_entropy_free_energy), ("numpy", numpy_entropy_free_energy)):
                s = best_seconds(lambda: f(z))
                print(json.dumps({"kind": kind, "V": v, "rows": rows, "seconds": s, "gbs": nbytes / s / 1e9}))
            if torch is not None:
                t = torch.from_numpy(z)

                def torch_run():
                    lp = torch.log_softmax(t.double(), dim=1)
                    return -torch.logsumexp(t.double(), dim=1), -(lp.exp() * lp).sum(dim=1)

                s = best_seconds(torch_run)
                print(json.dumps({"kind": "torch", "V": v, "rows": rows, "seconds": s, "gbs": nbytes / s / 1e9}))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
