"""What a user would write without infoscale for the analysis bench_layers runs, for the ratio.

Packages: numpy, scipy, scikit-learn (versions printed). The synthetic design of
synthetic_layers.hpp (the same layer recurrence, three label sets of 4, 8 and 3 classes written
into features 0-23 from their onset layers on; not the same random numbers): per layer S1 =
1/linear CKA of adjacent layers (numpy), S2 from sklearn MLPClassifier probes (128 ReLU units,
Adam with learning_rate_init 1e-2, batch 200, at most 20 epochs: bench_layers' mlp_minibatch
settings) on each label set, 5-fold cross_val_predict, optionally after sklearn PCA
(svd_solver='randomized'); S3 = JS of causal attention rows; fusion; scipy find_peaks(prominence=0.3);
B bootstrap resamples over sequences, each recomputing CKA on the resampled tokens (what one writes
without sufficient statistics). Phases are timed.
Usage: python benchmarks/layers_reference.py [layers] [tokens] [width] [sequences] [resamples] [projection]
"""
import resource
import sys
import time
import warnings

import numpy as np
import scipy
import sklearn
from scipy.signal import find_peaks
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, cross_val_predict
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

L, N, D, S, B, K = [int(a) for a in sys.argv[1:7]] + [12, 2000, 512, 20, 200, 64][len(sys.argv) - 1:]
T = N // S
CLASSES = (4, 8, 3)
rng = np.random.default_rng(0)
labels = [rng.integers(0, c, size=N) for c in CLASSES]
patterns = [rng.choice([-1.0, 1.0], size=(c, 8)) for c in CLASSES]
onset = (0, L // 3, 2 * L // 3)
times = {}


def timed(name, f, *a):
    t0 = time.perf_counter()
    out = f(*a)
    times[name] = times.get(name, 0.0) + time.perf_counter() - t0
    return out


def cka(x, y):
    x = x - x.mean(0)
    y = y - y.mean(0)
    return np.linalg.norm(x.T @ y) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))


def probe_predictions(x):
    out = []
    for y in labels:
        steps = [StandardScaler()] + ([PCA(n_components=K, svd_solver="randomized", random_state=0)] if K else [])
        mlp = MLPClassifier(hidden_layer_sizes=(128,), learning_rate_init=1e-2, batch_size=200, max_iter=20,
                            alpha=1e-4, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            out.append(cross_val_predict(make_pipeline(*steps, mlp), x, y,
                                         cv=KFold(5, shuffle=True, random_state=0)))
    return out


def macro_f1(y, p, c):
    f = []
    for k in range(c):
        tp, fp, fn = np.sum((y == k) & (p == k)), np.sum((y != k) & (p == k)), np.sum((y == k) & (p != k))
        if 2 * tp + fp + fn:
            f.append(2 * tp / (2 * tp + fp + fn))
    return np.mean(f)


start = time.perf_counter()
acts, preds = [], []
h = None
for layer in range(L):
    t0 = time.perf_counter()
    fresh = rng.normal(size=(N, D))
    for t in range(3):
        if layer >= onset[t]:
            fresh[:, 8 * t:8 * t + 8] += 0.5 * patterns[t][labels[t]] * (1 + (layer + t) % 3)
    jump = layer in (L // 3, 2 * L // 3)
    h = fresh if h is None else (0.4 * h + fresh if jump else h + 0.15 * fresh)
    acts.append(h.astype(np.float32))
    times["generating the synthetic layers"] = times.get("generating the synthetic layers", 0.0) + \
        time.perf_counter() - t0
    preds.append(timed("S2 probes", probe_predictions, acts[-1]))
heads = 8
att = np.exp(0.5 * rng.normal(size=(S, L, heads, T, T)))
att[:, L // 2 + 1:, :, :, 0] *= np.e ** 2
att *= np.tril(np.ones((T, T)))
att /= att.sum(-1, keepdims=True)


def evidence(seq_idx):
    tok = np.concatenate([np.arange(s * T, (s + 1) * T) for s in seq_idx])
    s1 = timed("S1 CKA (full and per resample)", lambda: np.array(
        [1 / cka(acts[l][tok].astype(np.float64), acts[l + 1][tok].astype(np.float64)) for l in range(L - 1)]))
    p = np.array([np.mean([macro_f1(labels[t][tok], pr[t][tok], CLASSES[t]) for t in range(3)]) for pr in preds])
    s2 = np.abs(np.diff(p)) / p[:-1]
    a = att[seq_idx]
    m = 0.5 * (a[:, :-1] + a[:, 1:])
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = lambda u: np.where(u > 0, u * np.log(u / m), 0).sum(-1)
        js = 0.5 * kl(a[:, :-1]) + 0.5 * kl(a[:, 1:])
    s3 = js.transpose(1, 0, 2, 3).reshape(L - 1, -1).mean(1)
    e = sum(w * s / s.max() for w, s in zip((1.0, 0.8, 0.6), (s1, s2, s3)))
    peaks, props = find_peaks(e, prominence=0.3)
    return np.sort(peaks[np.argsort(-props["prominences"], kind="stable")[:2]])


full = evidence(np.arange(S))
boot = [evidence(rng.integers(0, S, size=S)) for _ in range(B)]
elapsed = time.perf_counter() - start
print(f"layers_reference (numpy {np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}): "
      f"{L} layers x {N} tokens x {D} wide, {S} sequences, {B} resamples, MLP probes"
      + (f" on {K} PCA components" if K else " on every feature"))
for name, sec in times.items():
    print(f"  {name}: {sec:.2f} s")
print(f"  total {elapsed:.2f} s, peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")
print(f"  boundaries {full.tolist()}")
