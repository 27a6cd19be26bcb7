"""Experiment 2 (noise in each scale's layers while the model generates, MS §4.2) data-parallel on
``torch.distributed``: each rank generates every condition's samples of its share of the prompts,
and rank 0 merges them and runs the paired t-tests. Launch with ``torchrun`` through
``infoscale.distributed``::

    torchrun --nproc_per_node=2 -m infoscale.distributed --interventions --model llama-a --out build/exp2

A sample is a function of (prompt batch, sample index, condition) only: sampling is seeded per
(global batch, sample) and the noise of sample s is Philox stream ``((s * 4096 + l) << 20) + t``
of global sample index s (``infoscale.hf.interventions``). Shards are whole prompt batches
(``infoscale.distributed.shard_of``), so every batch, its padding and its seeds are the ones of the
1-process run, and so is every generation. The one statistic shared across prompts before the
perturbed runs, each layer's baseline std (``scale='baseline'``), is all-gathered as per-batch sums
and added in global batch order on every rank: the same bits as one process. Then each rank
generates its prompts under the baseline and every scale and computes their per-prompt metrics;
texts and metrics are gathered to rank 0 in rank order, which runs Table 2 (the library's paired
t-tests and brittleness) on every prompt. The result equals the 1-process
:func:`infoscale.hf.interventions.run_intervention`'s, bit for bit, apart from a note naming the
world size.

A rank that fails makes every rank raise :class:`infoscale.distributed.RankFailure` naming it at
the next collective (an all-reduce of ok flags before the std gather and before the result gather),
so no partial result is written.
"""

from __future__ import annotations

import traceback
from typing import Any, Callable, Optional, Sequence

import numpy as np

from . import distributed as D


def run_intervention(model: Any, tokenizer: Any, prompts: Sequence[str], scales: dict, *, sigma: float = 0.1,
                     scale: str = "baseline", samples_per_prompt: int = 4, max_new_tokens: int = 48, seed: int = 0,
                     batch_size: int = 8, embed: Optional[Callable[[list], np.ndarray]] = None, blocks: Any = None,
                     model_name: str = "model", family: str = "", scales_source: str = "",
                     **generate_kwargs: Any) -> Any:
    """:func:`infoscale.hf.interventions.run_intervention` on every rank of the initialised process
    group (or in this process alone when there is none): the same arguments; rank 0 returns the
    InterventionResult, the other ranks None.

    Raises
    ------
    infoscale.Error
        On the arguments :func:`infoscale.hf.interventions.run_intervention` refuses, or fewer
        prompt batches of `batch_size` than ranks (every rank, alike).
    infoscale.distributed.RankFailure
        On every rank, when any rank failed.
    """
    from .hf import interventions as iv

    rank, world = D._world()
    # Every rank tokenises every prompt (cheap) so the batches and the checks are the 1-process ones.
    batches, taps = iv._prepare(model, tokenizer, prompts, scales, max_new_tokens, batch_size, blocks)
    shard = D.shard_of(len(prompts), batch_size, world, rank, argument="prompts")
    first_batch = shard.start // batch_size
    mine = batches[first_batch:first_batch + -(-len(shard) // batch_size)]
    sums, error = {}, None
    try:
        if scale == "baseline":
            sums = {name: iv._layer_sums(model, taps.blocks, layers, mine) for name, layers in scales.items()}
    except Exception as e:
        if world == 1:
            raise
        traceback.print_exc()
        error = f"{type(e).__name__}: {e}"
    every = D.all_gather_objects(sums, error)
    # Per-batch sums in global batch order: the 1-process additions, so the same std to the bit.
    baseline_std = {name: iv._std_of([b for part in every for b in part[name]]) for name in scales} \
        if scale == "baseline" else {}
    part, error = None, None
    try:
        generations = iv._conditions(model, tokenizer, mine, taps, scales, sigma, scale, baseline_std,
                                     first_batch=first_batch, first_prompt=shard.start,
                                     samples_per_prompt=samples_per_prompt, max_new_tokens=max_new_tokens,
                                     seed=seed, **generate_kwargs)
        metrics = {c: [iv.behaviour(s, embed) for s in per_prompt] for c, per_prompt in generations.items()}
        part = (generations, metrics)
    except Exception as e:  # reported to every rank before the gather, then raised there
        if world == 1:
            raise
        traceback.print_exc()
        error = f"{type(e).__name__}: {e}"
    parts = D.gather_objects(part, error)
    if parts is None:
        return None
    # rank order is prompt order (shards are contiguous)
    generations = {c: [p for g, _ in parts for p in g[c]] for c in parts[0][0]}
    metrics = {c: [p for _, m in parts for p in m[c]] for c in parts[0][1]}
    notes = [f"data-parallel over {world} rank(s): prompt batches of {batch_size} dealt in contiguous blocks"]
    return iv._result(scales, generations, metrics, baseline_std, sigma=sigma, scale=scale,
                      samples_per_prompt=samples_per_prompt, max_new_tokens=max_new_tokens, prompts=len(prompts),
                      embed=embed is not None, model_name=model_name, family=family, scales_source=scales_source,
                      extra_notes=notes)
