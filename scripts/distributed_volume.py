"""Counts the bytes infoscale.distributed moves, from real serialised LayerStates, and checks the
closed form of docs/distributed.md against them; then evaluates it for a 70B model (80 layers,
d = 8192) over 100,000 sentences on 8 and 64 GPUs.

    .venv/bin/python -P scripts/distributed_volume.py

Each rank gathers one LayerState to rank 0 at the end of collection (nothing is exchanged per
batch): header 16 B + checksum 8 B + per part a sequence list (16 + 16 S_r B) and
  CKA:        20 + (L + 1) (8 + 8 S_r) + L (8 + 8 S_r)      per-sequence HSIC terms, L + 1 hidden states
  attention:  16 + (8 + 8 L S_r) + (8 + 8 S_r)             first pair, JS sums of L pairs (pair 0 a placeholder) + rows
  probes:     8 + T (8 + 8 N_r) + 24 + (L + 1)(8 + 4 d N_r)   labels of T tasks, content flag, float32 features
for S_r sequences and N_r tokens on the rank.
"""

from __future__ import annotations

import argparse

import numpy as np

from infoscale import layers


def closed_form(L: int, d: int, S: int, N: int, tasks: int, probes: bool = True, attention: bool = True) -> int:
    """Bytes of one serialised LayerState: L blocks (L + 1 hidden states), S sequences, N tokens."""
    shard = 8 + 8 + (8 + 8 * S) * 2
    b = 16 + 8  # header, checksum
    b += 8 + 3 + 8  # dtype string "F32", features
    b += shard + 8 + 4 + 8 + (L + 1) * (8 + 8 * S) + L * (8 + 8 * S)  # first layer, lead flag, count
    b += 4
    if probes:
        b += shard + 8 + tasks * (8 + 8 * N) + 4 + 8 + 8 + 4 + (L + 1) * (8 + 4 * d * N)  # content: features
    b += 4
    if attention:
        b += shard + 8 + 8 + (8 + 8 * L * S) + (8 + 8 * S)  # pairs, first pair, sums, rows
        b += 8 + 3 + 8 + 8 + 4 + 4  # attention dtype "F32", heads, positions, padding, causal
    return b


def measure(L: int, d: int, lengths: list, tasks: int, probes: bool = True, attention: bool = True) -> int:
    """Serialised bytes of a real shard state fed synthetic activations of that shape."""
    rng = np.random.default_rng(0)
    N = int(sum(lengths))
    labels = [rng.integers(0, 3, N) for _ in range(tasks)] if probes else []
    shard = layers.LayerShardCore(lengths, 0, len(lengths), labels)
    for _ in range(L + 1):
        shard.add_hidden_layer(rng.standard_normal((N, d), dtype=np.float32), "seq")
    if attention:
        for pair in range(1, L):
            shard.add_attention_pair_sums(pair, list(range(len(lengths))), [0.1] * len(lengths),
                                          [4 * n for n in lengths], "F32", 4, max(lengths))
    return len(shard.state().serialize())


def sums_closed_form(L: int, d: int, S: int, folds: int, classes: list) -> int:
    """Bytes of one rank's serialised ridge normal-equation sums (probe_sums): L + 1 hidden states,
    S sequences, classes[t] classes in task t; per layer and fold 16-byte sums of x, of x x' (lower
    triangle) and of x per class."""
    b = 16 + 8 + 8 + 8 + (8 + 8 * S) * 2  # header, checksum, sequence list
    b += 32 + 8 + 8 * folds + 8  # folds, seed, corpus tokens, first layer, fold counts, task count
    b += sum(8 + 8 + 8 * c + 8 + 8 * folds * c for c in classes)  # class ids and counts per fold
    b += 16  # layers, features
    b += (L + 1) * (8 + 16 * folds * d + 8 + 16 * folds * d * (d + 1) // 2 + sum(8 + 16 * folds * c * d for c in classes))
    return b


def measure_sums(L: int, d: int, lengths: list, folds: int, classes: list) -> int:
    """Serialised bytes of a real shard's probe_sums() fed synthetic activations of that shape."""
    rng = np.random.default_rng(0)
    N = int(sum(lengths))
    labels = [np.arange(N) % c for c in classes]
    shard = layers.LayerShardCore(lengths, 0, len(lengths), labels)
    shard.use_ridge_sums(0, N, folds, 0)
    for _ in range(L + 1):
        shard.add_hidden_layer(rng.standard_normal((N, d), dtype=np.float32), "seq")
    return len(shard.probe_sums())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokens-per-sentence", type=float, default=25.0)
    a = ap.parse_args()
    checks = [(4, 16, [5, 7, 6], 3, True, True), (12, 32, [9] * 10, 3, True, True), (80, 8192, [25] * 4, 3, False, True),
              (80, 64, [25] * 4, 3, True, True), (6, 8, [4, 5], 0, False, False)]
    print("closed form vs serialised LayerState (bytes):")
    for L, d, lengths, tasks, probes, attention in checks:
        got = measure(L, d, lengths, tasks, probes, attention)
        want = closed_form(L, d, len(lengths), sum(lengths), tasks, probes, attention)
        print(f"  L={L:3d} d={d:5d} S={len(lengths):3d} N={sum(lengths):4d} probes={probes!s:5} attention={attention!s:5}"
              f"  measured {got:>12,d}  formula {want:>12,d}")
        assert got == want, (got, want)

    L, d, sentences, tasks = 80, 8192, 100_000, 3
    n = a.tokens_per_sentence
    print(f"\n70B: L = {L}, d = {d}, {sentences:,} sentences x {n:g} tokens, {tasks} label sets")
    for gpus, replica in ((8, 2), (64, 2)):
        ranks = gpus // replica
        S = sentences / ranks
        N = S * n
        small = closed_form(L, d, int(S), int(N), tasks, probes=False)
        full = closed_form(L, d, int(S), int(N), tasks, probes=True)
        print(f"  {gpus} GPUs = {ranks} data-parallel ranks (replicas of {replica} GPUs): per rank "
              f"{S:,.0f} sentences; state without probe features {small / 2**20:,.1f} MiB "
              f"(rank 0 gathers {ranks * small / 2**30:,.2f} GiB), with gathered features "
              f"{full / 2**40:,.2f} TiB (rank 0 would gather {ranks * full / 2**40:,.1f} TiB)")
    print("\nridge normal-equation sums vs serialised probe_sums() (bytes):")
    for L_, d_, lengths, folds, classes in ((3, 4, [4, 6], 3, [2, 3]), (12, 128, [20] * 4, 5, [17, 40, 19])):
        got, want = measure_sums(L_, d_, lengths, folds, classes), sums_closed_form(L_, d_, len(lengths), folds, classes)
        print(f"  L={L_:3d} d={d_:5d} folds={folds} classes={classes}  measured {got:>12,d}  formula {want:>12,d}")
        assert got == want, (got, want)
    ridge = sums_closed_form(L, d, 0, 5, [50])
    print(f"  70B (5 folds, 50 classes): {ridge / 2**30:,.1f} GiB per rank, independent of the corpus; the "
          f"all-gather brings each rank (ranks - 1) x that ({3 * ridge / 2**30:,.0f} GiB on 4 ranks, "
          f"{31 * ridge / 2**40:,.1f} TiB on 32); a summing reduce-scatter ~1x in and out")


if __name__ == "__main__":
    main()
