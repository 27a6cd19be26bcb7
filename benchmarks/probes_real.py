"""The probes at scale against the exact protocol on a shipped decoder's hidden states (issue 18).

For every `step`-th hidden state of the model over the first `tokens` tokens of the labelled
held-out text (models/austen/labels), the mean 5-fold macro-F1 over the three silver label sets
(POS, dependency relation, NER BIO) of
  exact      the paper's MLP, full-batch Adam for 300 steps in double (kind 'mlp');
  minibatch  the same MLP and objective by mini-batch Adam in float (kind 'mlp_minibatch');
  projected  minibatch on the top `projection` principal components of the layer;
with the differences, the layer pairs where S2 is largest, and the times (one thread each).
Usage: python benchmarks/probes_real.py [model=llama-a] [tokens=1500] [step=2] [projection=32]
"""
import sys
import time

import numpy as np
import torch

from infoscale import layers, models, study

name = sys.argv[1] if len(sys.argv) > 1 else "llama-a"
max_tokens, step, projection = [int(a) for a in sys.argv[2:5]] + [1500, 2, 32][len(sys.argv[2:5]):]
torch.set_num_threads(1)
texts, labels, ids = study.shipped_corpus()
used, total = 0, 0
while used < len(ids) and total < max_tokens:
    total += len(ids[used])
    used += 1
model, _ = models.load_shipped(name)
with torch.no_grad():
    per_text = [model(input_ids=torch.tensor(np.asarray(i)[None]), output_hidden_states=True).hidden_states
                for i in ids[:used]]
hidden = [np.concatenate([h[l][0].numpy() for h in per_text]) for l in range(len(per_text[0]))]
tasks = {}
for task, per in labels.items():
    y = np.concatenate(per[:used])
    _, dense = np.unique(y, return_inverse=True)
    tasks[task] = (dense.astype(np.int64), int(dense.max()) + 1)
methods = {"exact": dict(kind="mlp"), "minibatch": dict(kind="mlp_minibatch"),
           "projected": dict(kind="mlp_minibatch", projection=projection)}
rows, seconds = [], dict.fromkeys(methods, 0.0)
for l in range(0, len(hidden), step):
    row = {}
    for m, options in methods.items():
        t0 = time.perf_counter()
        row[m] = np.mean([layers.probe_score(hidden[l], y, c, **options) for y, c in tasks.values()])
        seconds[m] += time.perf_counter() - t0
    rows.append((l, row))
    print(f"layer {l}: " + ", ".join(f"{m} {v:.4f}" for m, v in row.items()), file=sys.stderr, flush=True)
print(f"probes_real: {name}, hidden states {[l for l, _ in rows]} of {len(hidden) - 1} layers, {total} tokens "
      f"({used} held-out sentences), width {hidden[0].shape[1]}, tasks "
      + ", ".join(f"{t} ({c} classes)" for t, (_, c) in tasks.items()) + ", 5 folds")
print(f"| hidden state | exact F1 | minibatch F1 | projected ({projection}) F1 | minibatch - exact | projected - exact |")
print("|---:|---:|---:|---:|---:|---:|")
for l, r in rows:
    print(f"| {l} | {r['exact']:.4f} | {r['minibatch']:.4f} | {r['projected']:.4f} | "
          f"{r['minibatch'] - r['exact']:+.4f} | {r['projected'] - r['exact']:+.4f} |")
for m in methods:
    p = np.array([r[m] for _, r in rows])
    s2 = np.abs(np.diff(p)) / p[:-1]
    top = np.argsort(-s2, kind="stable")[:2]
    print(f"{m}: largest S2 between hidden states " + ", ".join(f"{rows[i][0]}-{rows[i + 1][0]} ({s2[i]:.3f})"
                                                                for i in sorted(top))
          + f"; {seconds[m]:.1f} s")
