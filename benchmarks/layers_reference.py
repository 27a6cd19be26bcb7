"""Straightforward numpy/scipy version of the boundary pipeline bench_layers runs, for the ratio.

Packages: numpy 2.1.3, scipy 1.14.1. Same synthetic design as bench_layers.cpp (not the same
random numbers): per layer S1 = 1/linear CKA of adjacent layers, S2 from 3-fold logistic probes
(100 gradient steps) on the first 128 features, S3 = JS of causal attention rows; fusion, scipy
find_peaks(prominence=0.3); B bootstrap resamples over sequences, each recomputing CKA on the
resampled tokens (what one writes without sufficient statistics).
Usage: python benchmarks/layers_reference.py [layers] [tokens] [width] [sequences] [resamples]
"""
import resource
import sys
import time

import numpy as np
from scipy.signal import find_peaks
from scipy.special import softmax

L, N, D, S, B = [int(a) for a in sys.argv[1:6]] + [32, 2000, 512, 20, 1000][len(sys.argv) - 1:]
T = N // S
rng = np.random.default_rng(0)
labels = rng.integers(0, 4, size=N)
start = time.perf_counter()


def cka(x, y):
    x = x - x.mean(0)
    y = y - y.mean(0)
    return np.linalg.norm(x.T @ y) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))


def probe_predictions(x, y, folds=3, iters=100, l2=1e-3):
    fold = rng.permutation(N) % folds
    pred = np.empty(N, dtype=int)
    for f in range(folds):
        tr, te = fold != f, fold == f
        mu, sd = x[tr].mean(0), x[tr].std(0) + 1e-12
        xtr, xte = (x[tr] - mu) / sd, (x[te] - mu) / sd
        onehot = np.eye(4)[y[tr]]
        w, b = np.zeros((x.shape[1], 4)), np.zeros(4)
        step = 1.0 / (np.linalg.norm(xtr, 2) ** 2 / (2 * len(xtr)) + l2)
        for _ in range(iters):
            g = softmax(xtr @ w + b, axis=1) - onehot
            w -= step * (xtr.T @ g / len(xtr) + l2 * w)
            b -= step * g.mean(0)
        pred[te] = np.argmax(xte @ w + b, axis=1)
    return pred


def macro_f1(y, p):
    f = []
    for c in range(4):
        tp, fp, fn = np.sum((y == c) & (p == c)), np.sum((y != c) & (p == c)), np.sum((y == c) & (p != c))
        if 2 * tp + fp + fn:
            f.append(2 * tp / (2 * tp + fp + fn))
    return np.mean(f)


acts = []
h = None
for layer in range(L):
    fresh = rng.normal(size=(N, D))
    fresh[:, :4] += 0.5 * labels[:, None] * (1 + layer % 3)
    jump = layer in (L // 3, 2 * L // 3)
    h = fresh if h is None else (0.4 * h + fresh if jump else h + 0.15 * fresh)
    acts.append(h.astype(np.float32))
preds = [probe_predictions(a[:, :128].astype(np.float64), labels) for a in acts]
heads = 8
att = np.exp(0.5 * rng.normal(size=(S, L, heads, T, T)))
att[:, L // 2 + 1:, :, :, 0] *= np.e ** 2
att *= np.tril(np.ones((T, T)))
att /= att.sum(-1, keepdims=True)


def evidence(seq_idx):
    tok = np.concatenate([np.arange(s * T, (s + 1) * T) for s in seq_idx])
    s1 = np.array([1 / cka(acts[l][tok].astype(np.float64), acts[l + 1][tok].astype(np.float64)) for l in range(L - 1)])
    p = np.array([macro_f1(labels[tok], pr[tok]) for pr in preds])
    s2 = np.abs(np.diff(p)) / p[:-1]
    a = att[seq_idx]
    m = 0.5 * (a[:, :-1] + a[:, 1:])
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = lambda u: np.where(u > 0, u * np.log(u / m), 0).sum(-1)
        js = 0.5 * kl(a[:, :-1]) + 0.5 * kl(a[:, 1:])
    s3 = js.transpose(1, 0, 2, 3).reshape(L - 1, -1).mean(1)
    e = sum(w * s / s.max() for w, s in zip((1.0, 0.8, 0.6), (s1, s2, s3)))
    peaks, props = find_peaks(e, prominence=0.3)
    top = np.sort(peaks[np.argsort(-props["prominences"], kind="stable")[:2]])
    return top


full = evidence(np.arange(S))
boot = [evidence(rng.integers(0, S, size=S)) for _ in range(B)]
elapsed = time.perf_counter() - start
print(f"layers_reference: {L} layers x {N} tokens x {D} wide, {S} sequences, {B} resamples")
print(f"  total {elapsed:.2f} s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")
print(f"  boundaries {full.tolist()}")
