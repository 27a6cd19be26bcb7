"""Writes the seed corpus of fuzz/fuzz_layer_state.cpp: small real states (a layer state with
probes and attention, one of ridge predictions, ridge sums, a stage's boundary Grams), each without
its 8-byte checksum, which the harness appends.

    .venv/bin/python -P fuzz/make_state_corpus.py
"""

import pathlib

import numpy as np

from infoscale import layers

out = pathlib.Path(__file__).resolve().parent / "corpus" / "layer_state"
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)
lengths = [4, 5]
hidden = [rng.standard_normal((9, 3), dtype=np.float32) for _ in range(4)]
labels = [np.array([0, 1, 2, 0, 1, 2, 0, 1, 1]), np.array([5, 5, 7, 7, 5, 7, 5, 7, 7])]


def shard(sums: bool) -> "layers.LayerShardCore":
    s = layers.LayerShardCore(lengths, 0, 2, labels)
    if sums:
        s.use_ridge_sums(0, 9, 3, 0)
    for h in hidden:
        s.add_hidden_layer(h, "seq")
    for pair in range(1, 3):
        s.add_attention_pair_sums(pair, [0, 1], [0.1, 0.2], [8, 10], "F32", 2, 5)
    return s


plain, summed = shard(False), shard(True)
seeds = {"layer_state": plain.state().serialize(), "grams": plain.boundary(), "ridge_sums": summed.probe_sums()}
summed.predict_probes([summed.probe_sums()])
seeds["layer_state_predictions"] = summed.state().serialize()
for name, b in seeds.items():
    (out / name).write_bytes(b[:-8])
    print(name, len(b) - 8, "bytes")
