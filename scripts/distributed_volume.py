"""Counts the bytes infoscale.distributed moves, from real serialised LayerStates, and checks the
closed form of docs/distributed.md against them; then evaluates it for a 70B model (80 layers,
d = 8192) over 100,000 sentences on 8 and 64 GPUs.

    .venv/bin/python -P scripts/distributed_volume.py

Each rank gathers one LayerState to rank 0 at the end of collection (nothing is exchanged per
batch): header 16 B + checksum 8 B + per part a sequence list (16 + 16 S_r B) and
  CKA:        20 + (L + 1) (8 + 8 S_r) + L (8 + 8 S_r)      per-sequence HSIC terms, L + 1 hidden states
  attention:  16 + (8 + 8 L S_r) + (8 + 8 S_r)             first pair, JS sums of L pairs (pair 0 a placeholder) + rows
  probes:     8 + T (8 + 8 N_r) + 20 + (L + 1)(8 + 4 d N_r)   labels of T tasks, float32 features
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
        b += shard + 8 + tasks * (8 + 8 * N) + 8 + 8 + 4 + (L + 1) * (8 + 4 * d * N)
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
    # ridge normal equations, the scalable probe state: per layer and fold X'X (upper triangle), X'T, sums
    C = 50
    ridge = (L + 1) * 5 * (d * (d + 1) // 2 + d * C + d + C + 1) * 8
    print(f"  ridge sufficient statistics (5 folds, {C} classes, float64): {ridge / 2**30:,.1f} GiB per rank, "
          "independent of the corpus; all-reduced, ring traffic 2 (p-1)/p of it per rank")


if __name__ == "__main__":
    main()
