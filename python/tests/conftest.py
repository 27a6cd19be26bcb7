import os

# The Hugging Face tests must never reach the Hub: every model and tokenizer is local.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# torch ships its own OpenMP runtime next to the one infoscale links: with both spinning after their
# parallel regions (the default), they starve each other on a small, busy machine (the Hugging Face
# tests ran 4x slower on 2 shared cores). Idle threads that sleep cost nothing measurable here.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng():
    return np.random.default_rng(20240607)


def probability_rows(rng, rows=7, categories=33, zeros=True):
    """Dirichlet rows, some entries exactly zero (to exercise 0 log 0 and q = 0 < p)."""
    p = rng.dirichlet(np.full(categories, 0.7), size=rows)
    if zeros:
        p[::2, ::5] = 0.0
        p /= p.sum(axis=1, keepdims=True)
    return p


def layouts(a):
    """The same matrix in layouts that must be read in place: C, Fortran, strided, reversed."""
    rows, cols = a.shape
    wide = np.zeros((rows, 2 * cols), dtype=a.dtype)
    wide[:, ::2] = a
    transposed = np.ascontiguousarray(a.T).T  # strides (1, rows)
    padded = np.zeros((2 * rows, cols), dtype=a.dtype)
    padded[::2] = a
    reversed_ = np.ascontiguousarray(a[::-1, ::-1])[::-1, ::-1]  # negative strides
    ro = a.copy()
    ro.flags.writeable = False
    return {
        "C": a,
        "fortran": np.asfortranarray(a),
        "column-strided": wide[:, ::2],
        "transposed": transposed,
        "row-strided": padded[::2],
        "negative-strides": reversed_,
        "read-only": ro,
    }
