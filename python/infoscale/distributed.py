"""The layer analysis of ``infoscale layers`` data-parallel on ``torch.distributed``: each rank runs
the model over its shard of the texts and keeps a mergeable :class:`infoscale.layers.LayerState`;
the states are gathered to rank 0 in rank order, merged, and rank 0 fuses the signals, finds the
peaks, runs the bootstrap over every sequence and returns (or writes) the report. Launch with
``torchrun`` (gloo on CPUs, NCCL on GPUs)::

    torchrun --nproc_per_node=2 -m infoscale.distributed --model llama-a --out build/distributed

What is merged (``docs/distributed.md``): per sequence, the unbiased HSIC terms of S1 (the
minibatch CKA of Nguyen et al. 2021, one sequence per minibatch: the form of CKA that shards),
the attention JS sums of S3, and the probes' token labels and features (the probes are fitted on
rank 0 with cross-validation over all tokens); or, with ``probe_sums`` (``--probe-sums``, ridge
probes), the probes' exact normal-equation sums, all-gathered, from which every rank fits the same
probes and predicts its own tokens, so no token's features leave its rank. Every per-sequence number is computed from that
sequence alone and merged in global order, so the report does not depend on the number of ranks,
bit for bit, provided each sequence's activations do: shards are cut on batch boundaries, so every
batch (and its padding) is the same whatever the world size.

:func:`layer_parallel_reports` makes the ranks pipeline stages instead: each keeps the hidden
states and attention layers of its stage, and the pairs that straddle two stages are computed from
the earlier stage's per-sequence token Grams and its last attention layer, sent rank to rank.

``--interventions`` also runs Experiment 2 with its prompts sharded the same way
(:mod:`infoscale.distributed_interventions`): each rank generates its prompts' samples under every
condition, rank 0 gathers them and runs the paired t-tests; the result is the 1-process one.

A rank that fails makes every rank raise :class:`RankFailure` naming it before anything is
gathered (an all-reduce of an ok/failed flag); a rank that dies makes the collectives fail (gloo
sees the closed connection, else the process group's timeout), so no partial report is written.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import pathlib
import sys
import tempfile
import traceback
from typing import Any, List, Optional, Sequence

import numpy as np

from . import _core
from . import layers as _L
from .pipeline import DEFAULT_WEIGHTS, LayerAnalysis, _plain, label_sets

Error = _core.Error
LayerState = _core.layers.LayerState


class RankFailure(RuntimeError):
    """A rank of the job failed; the message names every failed rank and its error."""


class LayerShard(LayerAnalysis):
    """One rank's collector: :class:`infoscale.LayerAnalysis`'s feeding methods (hidden layers in
    order, attention per sequence or per batch and layer) over the shard's sequences (local indices
    0..n-1; global ``first_sequence``...), kept as a :class:`LayerState` (:meth:`state`)."""

    def __init__(self, sequence_lengths: Sequence[int], first_sequence: int, total_sequences: int, *,
                 labels: Any = None, causal: bool = False, policy: str = "par") -> None:
        self.policy = policy
        self.causal = bool(causal)
        self._core = _L.LayerShardCore([int(n) for n in sequence_lengths], int(first_sequence), int(total_sequences),
                                       label_sets(labels), causal=self.causal)
        self._previous = None

    def state(self) -> LayerState:
        return self._core.state()

    def start_stage_attention(self, layer: int, attention: Any, sequences: Sequence[int]) -> None:
        """Layer-parallel collection: attention layer ``layer`` of a batch is this pipeline stage's
        first, kept as the previous layer of the next one; its pair with layer ``layer - 1``, the
        previous stage's last, is added later (:meth:`add_straddling_attention`)."""
        self._previous = (int(layer), tuple(int(s) for s in sequences), _plain(attention))

    def add_straddling_attention(self, layer: int, previous: Any, attention: Any, mask: Any,
                                 sequences: Sequence[int]) -> None:
        """The pair that straddles two pipeline stages for one batch: attention layer ``layer - 1``
        (``previous``, the earlier stage's last) against this stage's first, ``layer``; the
        one-process computation (:meth:`add_attention_layer`) on the same tensors."""
        self._previous = (int(layer) - 1, tuple(int(s) for s in sequences), _plain(previous))
        self.add_attention_layer(layer, attention, mask, sequences)
        self._previous = None

    def report(self, *args: Any, **kwargs: Any) -> Any:
        raise Error("infoscale::layer_shard: a shard has no report: merge the ranks' states (LayerState.report)")


def shard_of(sequences: int, batch_size: int, world: int, rank: int, argument: str = "texts") -> range:
    """The sequences of `rank`: whole batches of `batch_size`, the batches dealt in contiguous
    blocks, so a batch is the same batch whatever the world size."""
    if batch_size < 1:
        raise Error("infoscale::distributed: argument 'batch_size' must be >= 1")
    n_batches = -(-sequences // batch_size)
    if n_batches < world:
        raise Error(f"infoscale::distributed: argument '{argument}' gives {n_batches} batches of {batch_size} for "
                    f"{world} ranks; every rank needs at least one (use a smaller batch_size or fewer ranks)")
    first, last = rank * n_batches // world, (rank + 1) * n_batches // world
    return range(first * batch_size, min(sequences, last * batch_size))


def collect_state(model: Any, tokenizer: Any, texts: Sequence[str], shard: range, *, labels: Any = None,
                  batch_size: int = 8, device: Any = None, max_length: Optional[int] = None,
                  attentions: bool = True, causal: bool = False, spill_dir: Optional[str] = None,
                  blocks: Any = None, attention_modules: Any = None, policy: str = "par") -> LayerState:
    """Runs `model` over ``texts[shard]`` with the existing collector (infoscale.hf) and returns the
    shard's state. ``labels`` as :func:`infoscale.hf.layer_report` (per text, or a dict of tasks)."""
    return _collect(model, tokenizer, texts, shard, labels=labels, batch_size=batch_size, device=device,
                    max_length=max_length, attentions=attentions, causal=causal, spill_dir=spill_dir, blocks=blocks,
                    attention_modules=attention_modules, policy=policy).state()


def _collect(model: Any, tokenizer: Any, texts: Sequence[str], shard: range, *, labels: Any, batch_size: int,
             device: Any, max_length: Optional[int], attentions: bool, causal: bool, spill_dir: Optional[str],
             blocks: Any, attention_modules: Any, policy: str, ridge_sums: Optional[tuple] = None) -> LayerShard:
    """The shard's collector after the run; ``ridge_sums = (folds, seed)`` collects the ridge
    probes' normal-equation sums (every text is tokenized to place the shard's tokens in the corpus)."""
    from .hf.batches import tokenize
    from .hf.collector import _Spill, _Stream, _labels, _layout, _run

    ids = tokenize(tokenizer, [texts[i] for i in shard], max_length)
    lengths, offsets = _layout(ids)
    if labels is not None:
        labels = ({k: [v[i] for i in shard] for k, v in labels.items()} if isinstance(labels, dict)
                  else [labels[i] for i in shard])
    collector = LayerShard(lengths, shard.start, len(texts), labels=_labels(labels, lengths), causal=causal,
                           policy=policy)
    if ridge_sums is not None:
        every = _layout(tokenize(tokenizer, texts, max_length))[0]
        collector._core.use_ridge_sums(int(sum(every[:shard.start])), int(sum(every)), *ridge_sums)
    with contextlib.ExitStack() as stack:
        spill = None
        if len(ids) > batch_size:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="infoscale-shard-", dir=spill_dir))
            spill = _Spill(folder, int(offsets[-1]))
        _run(model, tokenizer, ids, _Stream(collector, offsets, spill), batch_size=batch_size, device=device,
             attentions=attentions, blocks=blocks, attention_modules=attention_modules)
        if spill is not None:
            for layer in spill.layers():
                collector.add_hidden_layer(layer)
    return collector


def _world() -> tuple:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _flag_device() -> Any:
    import torch
    import torch.distributed as dist

    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def check_ranks(error: Optional[str]) -> None:
    """Every rank says whether it failed (`error`) by an all-reduce; if one did, every rank raises
    RankFailure naming the failed ranks and their errors."""
    import torch
    import torch.distributed as dist

    rank, world = _world()
    if world == 1:
        if error is not None:
            raise RankFailure(f"infoscale.distributed: rank 0 failed: {error}")
        return
    flag = torch.tensor([0 if error is None else 1], dtype=torch.int64, device=_flag_device())
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    if int(flag.item()) != 0:
        errors: List[Optional[str]] = [None] * world
        dist.all_gather_object(errors, error)
        failed = "; ".join(f"rank {r}: {e}" for r, e in enumerate(errors) if e is not None)
        raise RankFailure(f"infoscale.distributed: {failed} (no report: every rank's part is needed)")


def gather_objects(obj: Any, error: Optional[str]) -> Optional[List[Any]]:
    """Every rank's picklable `obj` on rank 0 in rank order (None elsewhere), after
    :func:`check_ranks` (`error`: this rank's failure, or None)."""
    import torch.distributed as dist

    rank, world = _world()
    check_ranks(error)
    if world == 1:
        return [obj]
    gathered: Optional[List[Any]] = [None] * world if rank == 0 else None
    dist.gather_object(obj, gathered, dst=0)
    return gathered if rank == 0 else None


def all_gather_objects(obj: Any, error: Optional[str]) -> List[Any]:
    """Every rank's picklable `obj` on every rank in rank order, after :func:`check_ranks`."""
    import torch.distributed as dist

    rank, world = _world()
    check_ranks(error)
    if world == 1:
        return [obj]
    gathered: List[Any] = [None] * world
    dist.all_gather_object(gathered, obj)
    return gathered


def gather_states(state: Optional[LayerState], error: Optional[str]) -> Optional[List[LayerState]]:
    """Every rank's state on rank 0 in rank order (None elsewhere). Before anything is gathered each
    rank says whether it failed (`error`), by an all-reduce; if one did, every rank raises
    RankFailure naming the failed ranks and their errors."""
    if _world()[1] == 1:
        return gather_objects(state, error)
    gathered = gather_objects(None if state is None else state.serialize(), error)
    return None if gathered is None else [LayerState.deserialize(b) for b in gathered]


def merge_states(states: Sequence[LayerState]) -> LayerState:
    """The states merged into the first, in the order given (rank order); the report does not
    depend on the order."""
    merged = states[0]
    for s in states[1:]:
        merged.merge(s)
    return merged


def layer_reports(model: Any, tokenizer: Any, texts: Sequence[str], *, labels: Any = None, batch_size: int = 8,
                  device: Any = None, max_length: Optional[int] = None, attentions: bool = True,
                  normalizations: Sequence[str] = ("max",), resamples: int = 1000, seed: int = 0,
                  weights: Sequence[float] = DEFAULT_WEIGHTS, min_prominence: float = 0.3, edges: bool = False,
                  probe: str = "logistic", causal: bool = False, folds: int = 5, policy: str = "par",
                  source: Optional[str] = None, spill_dir: Optional[str] = None, blocks: Any = None,
                  attention_modules: Any = None, probe_sums: bool = False) -> Optional[list]:
    """The LayerReports (one per entry of `normalizations`) of `model` on `texts`, collected on every
    rank of the initialised process group (or in this process alone when there is none); rank 0
    returns them, the other ranks None. Options as :func:`infoscale.hf.layer_report`.

    ``probe_sums`` (ridge probes only): instead of gathering every token's features on rank 0, each
    rank all-gathers the probes' exact normal-equation sums (d^2 per layer and fold, whatever the
    corpus size), fits the same probes and predicts its own tokens; only the predictions reach rank 0.
    The report is the same bit for bit on any number of ranks, and the gathered-feature fit's up to
    rounding (docs/distributed.md)."""
    from .hf.collector import _source

    rank, world = _world()
    ridge = _ridge_sums(probe, probe_sums, labels, folds, seed)
    state, error, collector = None, None, None
    try:
        collector = _collect(model, tokenizer, texts, shard_of(len(texts), batch_size, world, rank), labels=labels,
                             batch_size=batch_size, device=device, max_length=max_length, attentions=attentions,
                             causal=causal, spill_dir=spill_dir, blocks=blocks,
                             attention_modules=attention_modules, policy=policy, ridge_sums=ridge)
        if ridge is None:
            state = collector.state()
    except Exception as e:  # reported to every rank before any gather, then raised there
        if world == 1:
            raise
        traceback.print_exc()  # where it failed, on the failing rank's stderr
        error = f"{type(e).__name__}: {e}"
    if ridge is not None:
        sums = all_gather_objects(None if collector is None else collector._core.probe_sums(), error)
        collector._core.predict_probes(sums)
        state = collector.state()
    states = gather_states(state, error)
    if states is None:
        return None
    merged = merge_states(states)
    notes = [f"data-parallel over {world} rank(s): batches of {batch_size} dealt in contiguous blocks"]
    return merged.report(source or _source(model), resamples=int(resamples), seed=int(seed),
                         weights=tuple(float(w) for w in weights), normalization=normalizations[0],
                         min_prominence=float(min_prominence), edges=bool(edges), probe=probe, causal=bool(causal),
                         folds=int(folds), policy=policy, notes=notes, normalizations=list(normalizations))


def _ridge_sums(probe: str, probe_sums: bool, labels: Any, folds: int, seed: int) -> Optional[tuple]:
    """(folds, seed) of the normal-equation probe sums when they are asked for, else None."""
    if not probe_sums or labels is None:
        return None
    if probe != "ridge":
        raise Error(f"infoscale::distributed: argument 'probe_sums' needs probe='ridge' (the probe with "
                    f"normal equations), got probe='{probe}'")
    return int(folds), int(seed)


class _LayerRange:
    """Passes one pipeline stage's hidden states and attention layers to the collector's consumer.
    The stage's first attention layer (of a stage after the first) starts each batch's pairs and is
    kept for the straddling pair; its last (of a stage before the last) is kept for the next stage.
    Kept layers are spilled to `folder`, a file per batch, so a stage holds one batch's at a time."""

    def __init__(self, inner: Any, collector: LayerShard, hidden: range, blocks: range, first_stage: bool,
                 last_stage: bool, folder: str) -> None:
        self.inner, self.collector, self.hidden, self.blocks = inner, collector, hidden, blocks
        self.first_stage, self.last_stage, self.folder = first_stage, last_stage, folder
        self.own_first: List[tuple] = []  # per batch: (sequences, mask, file of blocks[0]'s attention)
        self.own_last: List[tuple] = []  # per batch: (sequences, mask, file of blocks[-1]'s attention)

    def start_batch(self, batch: Any) -> None:
        self.inner.start_batch(batch)

    def on_hidden(self, l: int, hidden: Any) -> None:
        if l in self.hidden:
            self.inner.on_hidden(l, hidden)

    def _keep(self, kind: str, kept: List[tuple], attention: np.ndarray) -> str:
        path = os.path.join(self.folder, f"attention_{kind}_{len(kept)}.npy")
        np.save(path, attention)
        return path

    def on_attention(self, l: int, weights: Any) -> None:
        if l not in self.blocks:
            return
        from .hf.collector import _collected

        sequences = tuple(int(s) for s in self.inner.batch.sequences)
        attention = None
        if l == self.blocks[-1] and not self.last_stage:
            attention = _collected(weights).numpy()
            self.own_last.append((sequences, self.inner.mask, self._keep("last", self.own_last, attention)))
        if l == self.blocks[0] and not self.first_stage:
            attention = _collected(weights).numpy() if attention is None else attention
            self.own_first.append((sequences, self.inner.mask, self._keep("first", self.own_first, attention)))
            self.collector.start_stage_attention(l, attention, sequences)
        else:
            self.inner.on_attention(l, weights)

    def end_batch(self) -> None:
        self.inner.end_batch()


def _real_blocks(attention: np.ndarray, mask: np.ndarray) -> list:
    """Each sequence's attention among its real tokens, [heads, n, n]: what the straddling pair reads
    (a padded query is skipped, and a real query's mass on padding is masked off)."""
    blocks = []
    for b in range(attention.shape[0]):
        real = np.flatnonzero(mask[b])
        blocks.append(np.ascontiguousarray(attention[b][:, real][:, :, real]))
    return blocks


def _padded(blocks: list, mask: np.ndarray, shape: tuple, dtype: Any) -> np.ndarray:
    """The batch tensor back from _real_blocks, zeros at padding (which no JS term reads)."""
    out = np.zeros(shape, dtype)
    for b, block in enumerate(blocks):
        real = np.flatnonzero(mask[b])
        if block.shape[1:] != (len(real), len(real)):
            raise Error(f"infoscale::distributed: the previous stage's attention of batch row {b} is "
                        f"{block.shape[1]} x {block.shape[2]} for {len(real)} real tokens")
        out[b][np.ix_(range(shape[1]), real, real)] = block
    return out


def stage_of(hidden_states: int, world: int, rank: int) -> range:
    """The hidden states of pipeline stage `rank`: contiguous blocks of the L + 1 states."""
    if hidden_states < 2 * world:
        raise Error(f"infoscale::distributed: {hidden_states} hidden states cannot give {world} stages 2 each")
    return range(rank * hidden_states // world, (rank + 1) * hidden_states // world)


def stage_blocks(hidden: range) -> range:
    """The attention layers (blocks) of a stage holding `hidden`: block k outputs hidden state k + 1."""
    return range(max(hidden.start, 1) - 1, hidden.stop - 1)


def layer_parallel_reports(model: Any, tokenizer: Any, texts: Sequence[str], *, labels: Any = None,
                           batch_size: int = 8, device: Any = None, max_length: Optional[int] = None,
                           attentions: bool = True, causal: bool = False, normalizations: Sequence[str] = ("max",),
                           policy: str = "par", source: Optional[str] = None, spill_dir: Optional[str] = None,
                           blocks: Any = None, attention_modules: Any = None, probe_sums: bool = False,
                           **options: Any) -> Optional[list]:
    """Layer-parallel collection: rank r is pipeline stage r and keeps the hidden states
    ``stage_of(L + 1, world, r)`` of every text and the attention layers that produce them
    (``stage_blocks``). Stage r + 1 computes the pairs that straddle the stages from stage r's
    per-sequence token Grams (``LayerShardCore.boundary()``) and, for S3, stage r's last attention
    layer of each batch, both sent rank to rank once every batch has run; never its hidden states.
    Rank 0 appends the stages' states in rank order and returns the reports (the other ranks None).

    With ``probe_sums`` (ridge probes) each stage fits its own layers' probes from their normal-equation
    sums (it holds every token of them) and sends rank 0 predictions instead of features.

    Here every rank runs the whole model and hooks only its stage's layers (CPU ranks do not run a
    pipeline-parallel model); with a model split by pipeline parallelism or ``device_map`` a stage's
    hooks see only its own blocks, and nothing else changes."""
    import torch.distributed as dist

    from .hf.batches import tokenize
    from .hf.collector import _Spill, _Stream, _labels, _layout, _run, _source
    from .hf.modules import find_taps

    rank, world = _world()
    ridge = _ridge_sums(options.get("probe", "logistic"), probe_sums, labels, options.get("folds", 5),
                        options.get("seed", 0))
    error, state, collector, spill, consumer = None, None, None, None, None
    with contextlib.ExitStack() as stack:
        try:
            n_blocks = len(find_taps(getattr(model, "base_model", model), blocks, None).blocks)
            hidden = stage_of(n_blocks + 1, world, rank)
            if attentions and len(stage_of(n_blocks + 1, world, 0)) < 3:
                raise Error(f"infoscale::distributed: attention drift needs 2 attention layers on the first pipeline "
                            f"stage, and {n_blocks} layers over {world} stages give it 1 (fewer stages, or "
                            "attentions=False)")
            ids = tokenize(tokenizer, texts, max_length)
            lengths, offsets = _layout(ids)
            collector = LayerShard(lengths, 0, len(texts), labels=_labels(labels, lengths), causal=causal,
                                   policy=policy)
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="infoscale-stage-", dir=spill_dir))
            spill = _Spill(folder, int(offsets[-1]))
            consumer = _LayerRange(_Stream(collector, offsets, spill), collector, hidden, stage_blocks(hidden),
                                   rank == 0, rank == world - 1, folder)
            _run(model, tokenizer, ids, consumer, batch_size=batch_size, device=device, attentions=attentions,
                 blocks=blocks, attention_modules=attention_modules)
        except Exception as e:
            if world == 1:
                raise
            traceback.print_exc()
            error = f"{type(e).__name__}: {e}"
        check_ranks(error)
        if rank > 0:  # the straddling pairs: the previous stage's Grams, then its last attention layer
            got: List[Any] = [None]
            dist.recv_object_list(got, src=rank - 1)
            grams, batches = got[0]
            collector._core.continue_from(grams)
            if batches != len(consumer.own_first):
                raise Error(f"infoscale::distributed: stage {rank - 1} sends the attention of {batches} batches, "
                            f"stage {rank} ran {len(consumer.own_first)}")
            for own_sequences, mask, path in consumer.own_first:  # one batch at a time
                dist.recv_object_list(got, src=rank - 1)
                sequences, blocks = got[0]
                if sequences != own_sequences:
                    raise Error(f"infoscale::distributed: stage {rank - 1}'s batch of sequences {sequences[:3]}... "
                                f"meets stage {rank}'s of {own_sequences[:3]}...")
                attention = np.load(path)
                previous = _padded(blocks, mask, attention.shape, attention.dtype)
                collector.add_straddling_attention(consumer.blocks[0], previous, attention, mask, sequences)
        if ridge is not None:
            collector._core.use_ridge_sums(0, int(offsets[-1]), *ridge)
        for layer in spill.layers():
            collector.add_hidden_layer(layer)
        if ridge is not None:  # a stage holds every token of its layers: its own sums are the corpus'
            collector._core.predict_probes([collector._core.probe_sums()])
        if rank < world - 1:
            dist.send_object_list([(collector._core.boundary(), len(consumer.own_last))], dst=rank + 1)
            for sequences, mask, path in consumer.own_last:  # the real tokens' rows and keys only
                dist.send_object_list([(sequences, _real_blocks(np.load(path), mask))], dst=rank + 1)
        state = collector.state()
    states = gather_states(state, None)
    if states is None:
        return None
    merged = states[0]
    for s in states[1:]:
        merged.append_layers(s)
    notes = [f"layer-parallel over {world} pipeline stage(s): hidden states in contiguous blocks"]
    return merged.report(source or _source(model), normalization=normalizations[0], policy=policy, notes=notes,
                         normalizations=list(normalizations), causal=bool(causal), **options)


def init_process_group(backend: Optional[str] = None, timeout_s: float = 600.0) -> None:
    """torch.distributed from torchrun's environment: NCCL when CUDA is there, else gloo, with a
    timeout on every collective (a rank that hangs fails the job instead of stalling it)."""
    import torch
    import torch.distributed as dist

    if backend is None:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_s))


def _parse_scales(text: str) -> dict:
    """``L=0-3,I=4-7,G=8-11`` (0-based blocks, inclusive ranges or single blocks) as a dict."""
    scales = {}
    for item in text.split(","):
        name, _, blocks = item.partition("=")
        first, _, last = blocks.partition("-")
        if name not in ("L", "I", "G") or not first.isdigit() or not (last or first).isdigit():
            raise Error(f"infoscale::distributed: argument '--scales' has {item!r}; expected NAME=FIRST-LAST with "
                        "NAME one of L, I, G")
        scales[name] = list(range(int(first), int(last or first) + 1))
    return scales


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="torchrun ... -m infoscale.distributed",
                                 description="The layer report of a shipped decoder (and Experiment 2), data-parallel "
                                             "over the ranks.")
    ap.add_argument("--model", default="llama-a", help="a shipped model (models/austen/NAME) or a HF folder")
    ap.add_argument("--texts-limit", type=int, help="the first N held-out labelled segments")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--probe", choices=("logistic", "mlp", "ridge", "mlp_minibatch"), default="ridge")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--no-labels", action="store_true")
    ap.add_argument("--probe-sums", action="store_true",
                    help="ridge probes from all-gathered normal-equation sums instead of features gathered on rank 0")
    ap.add_argument("--layer-parallel", action="store_true",
                    help="ranks are pipeline stages instead of data shards (the same report)")
    ap.add_argument("--interventions", action="store_true",
                    help="also Experiment 2 (noise in each scale while generating: Table 2), its prompts sharded")
    ap.add_argument("--scales", metavar="L=a-b,I=c-d,G=e-f",
                    help="Experiment 2's blocks per scale (0-based, inclusive); default: between the boundaries "
                         "of the data-parallel layer report, as infoscale.study does")
    ap.add_argument("--prompts", type=int, default=200, help="Experiment 2: prompts (the first words of the texts)")
    ap.add_argument("--samples-per-prompt", type=int, default=5)
    ap.add_argument("--max-new-tokens", type=int, default=48)
    ap.add_argument("--sigma", type=float, default=0.1, help="Experiment 2: noise / activation std (eq. 7)")
    ap.add_argument("--no-coherence", action="store_true", help="Experiment 2 without the SBERT coherence metric")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds a collective may wait")
    ap.add_argument("--out", help="folder for report.txt and report.json (rank 0)")
    a = ap.parse_args(argv)
    from . import models
    from .study import TASKS, shipped_corpus

    if "RANK" in os.environ:
        init_process_group(timeout_s=a.timeout)
    path = pathlib.Path(a.model)
    model, tok = (models.load_causal_lm(path, path) if path.is_dir() else models.load_shipped(a.model))
    texts, labels, _ = shipped_corpus()
    if a.texts_limit is not None:
        texts = texts[:a.texts_limit]
        labels = {k: v[:a.texts_limit] for k, v in labels.items()}
    import torch

    import torch.distributed as dist

    device = f"cuda:{os.environ.get('LOCAL_RANK', '0')}" if torch.cuda.is_available() else None
    scales = _parse_scales(a.scales) if a.scales else None
    reports = None
    if not (a.interventions and scales):
        collect = layer_parallel_reports if a.layer_parallel else layer_reports
        reports = collect(model, tok, texts, labels=None if a.no_labels else {k: labels[k] for k in TASKS},
                          batch_size=a.batch_size, device=device, resamples=a.resamples, seed=a.seed,
                          probe=a.probe, folds=a.folds, source=a.model, probe_sums=a.probe_sums)
    out = pathlib.Path(a.out) if a.out else None
    if reports is not None:
        text, js = str(reports[0]), reports[0].to_json()
        if out:
            out.mkdir(parents=True, exist_ok=True)
            (out / "report.txt").write_text(text + "\n")
            (out / "report.json").write_text(js + "\n")
        print(text)
    if a.interventions:
        from . import distributed_interventions
        from .study import _intervention_options

        source = "given (--scales)"
        if scales is None:  # rank 0 holds the report: the scales between its boundaries, to every rank
            picked = [_L.scales_of(reports[0]) if reports is not None else None]
            if dist.is_initialized():
                dist.broadcast_object_list(picked, src=0)
            scales, source = picked[0]
        o = _intervention_options(dict(prompts=a.prompts, samples_per_prompt=a.samples_per_prompt,
                                       max_new_tokens=a.max_new_tokens, sigma=a.sigma, fisher_texts=0), a.seed, texts)
        embed = None
        if not a.no_coherence:
            from .models import sentence_embedder

            embed = sentence_embedder()
        result = distributed_interventions.run_intervention(
            model, tok, o["prompt_texts"], scales, sigma=a.sigma, samples_per_prompt=a.samples_per_prompt,
            max_new_tokens=a.max_new_tokens, seed=a.seed, batch_size=a.batch_size, embed=embed,
            model_name=a.model, scales_source=source)
        if result is not None:
            if out:
                result.write(out)
            print(result.table())
    if dist.is_initialized():
        dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
