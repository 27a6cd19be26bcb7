"""Hidden states and attentions of a Hugging Face model over a list of texts, and the report of
``infoscale layers`` on them.

Two ways to run (:func:`layer_report`):

- ``stream=False`` gathers every layer of every text into arrays laid out as the program's dump
  (:class:`LayerDump`: hidden_states [L+1, tokens, d], attentions [L, S, heads, T, T], mask,
  offsets) and analyses them: memory ~ (L+1) tokens d + L S heads T^2 floats.
- ``stream=True`` never holds all layers. Attention is reduced as each layer is produced: per batch,
  layer l's attention is compared with layer l-1's (kept by reference until then) and only one
  float per (sequence, layer pair) survives. Hidden states go to the analysis as soon as a layer
  is complete for every token: with one batch (``batch_size >= len(texts)``) that is inside the
  forward pass, so at most two layers exist at once besides the model's own; with several batches a
  layer is complete only after the last batch, so each batch's real-token rows are written to one
  memory-mapped float file per layer (in ``spill_dir`` or a temporary folder, removed afterwards) and
  the layers are analysed one at a time from there. Either way the analysis keeps per layer the
  tokens x tokens centred Gram matrix (float64; two alive at once) and per-sequence sums.

Both give the same report, bit for bit (tested). Hidden states and attentions of float16/bfloat16
models are widened to float32 when collected; float32/float64 CPU tensors are read in place.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Sequence

import numpy as np
import torch

from ..pipeline import DEFAULT_WEIGHTS, LayerAnalysis, analyse_layers
from ..report import LayerReport
from .batches import Batch, batches, pad_token_id, tokenize
from .hooked_transformer import HookedForward, is_hooked_transformer
from .hooks import LayerHooks
from .modules import find_taps


@dataclass
class LayerDump:
    """Hidden states and attentions of a model over texts, in the layout of ``infoscale layers``.

    Attributes
    ----------
    hidden_states : numpy.ndarray, shape (L + 1, tokens, d)
        Real tokens of every text, concatenated in text order; [0] = embedding output.
    attentions : numpy.ndarray, shape (L, S, heads, T, T), or None
        Zero outside each text's real tokens (T = the longest text).
    attention_mask : numpy.ndarray of int64, shape (S, T)
    sequence_offsets : numpy.ndarray of int64, shape (S + 1,)
    token_ids : numpy.ndarray of int64, shape (tokens,)
    labels : numpy.ndarray of int64, shape (tokens,), or None
    source : str
    """

    hidden_states: np.ndarray
    attentions: Optional[np.ndarray]
    attention_mask: np.ndarray
    sequence_offsets: np.ndarray
    token_ids: np.ndarray
    labels: Optional[np.ndarray] = None
    source: str = "model"

    def analyse(self, **options: Any) -> LayerReport:
        """:func:`infoscale.analyse_layers` on these arrays (options as there)."""
        options.setdefault("source", self.source)
        return analyse_layers(self.hidden_states, sequence_offsets=self.sequence_offsets,
                              attentions=self.attentions,
                              attention_mask=self.attention_mask if self.attentions is not None else None,
                              labels=self.labels, **options)

    def save(self, path: str) -> None:
        """Writes a safetensors dump that the command-line ``infoscale layers`` reads (needs the
        ``safetensors`` package)."""
        from safetensors.numpy import save_file

        tensors = {"hidden_states": np.ascontiguousarray(self.hidden_states),
                   "sequence_offsets": self.sequence_offsets, "token_ids": self.token_ids}
        if self.attentions is not None:
            tensors["attentions"] = np.ascontiguousarray(self.attentions)
            tensors["attention_mask"] = self.attention_mask
        if self.labels is not None:
            tensors["labels"] = self.labels
        save_file(tensors, str(path), metadata={"source": self.source})


def _collected(t: torch.Tensor) -> torch.Tensor:
    """A hooked tensor as the analysis reads it: detached, on the CPU, float16/bfloat16 widened."""
    t = t.detach()
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.float()
    return t.to("cpu")


def _real_rows(hidden: torch.Tensor, batch: Batch) -> torch.Tensor:
    """The real tokens' rows of [batch, T, d], in sequence order: [tokens of the batch, d]."""
    return _collected(hidden[batch.attention_mask.bool()])


class _Gather:
    """Consumer that keeps everything (stream=False): per layer, the real-token rows of each batch
    and each sequence's attention block."""

    def __init__(self) -> None:
        self.hidden: dict = defaultdict(list)
        self.attention: dict = defaultdict(dict)
        self.batch: Optional[Batch] = None

    def start_batch(self, batch: Batch) -> None:
        self.batch = batch

    def on_hidden(self, l: int, hidden: torch.Tensor) -> None:
        self.hidden[l].append(_real_rows(hidden, self.batch).numpy())

    def on_attention(self, l: int, weights: torch.Tensor) -> None:
        w = _collected(weights)
        for b, (s, n) in enumerate(zip(self.batch.sequences, self.batch.lengths)):
            self.attention[l][s] = w[b, :, :n, :n].numpy().copy()

    def end_batch(self) -> None:
        self.batch = None


class _Spill:
    """One memory-mapped (tokens, d) file per layer; rows are written at their global offset."""

    def __init__(self, folder: str, tokens: int) -> None:
        self.folder = folder
        self.tokens = tokens
        self.files: dict = {}

    def write(self, l: int, start: int, rows: torch.Tensor) -> None:
        if l not in self.files:
            dtype = np.float64 if rows.dtype == torch.float64 else np.float32
            path = os.path.join(self.folder, f"hidden_{l}.f{np.dtype(dtype).itemsize * 8}")
            self.files[l] = np.memmap(path, dtype=dtype, mode="w+", shape=(self.tokens, rows.shape[1]))
        self.files[l][start:start + rows.shape[0]] = rows.numpy()

    def layers(self) -> Iterator[np.ndarray]:
        for l in sorted(self.files):
            m = self.files.pop(l)
            m.flush()
            yield m
            del m


class _Stream:
    """Consumer that reduces as it goes (stream=True)."""

    def __init__(self, analysis: LayerAnalysis, offsets: np.ndarray, spill: Optional[_Spill]) -> None:
        self.analysis = analysis
        self.offsets = offsets
        self.spill = spill
        self.batch: Optional[Batch] = None
        self.mask: Optional[np.ndarray] = None

    def start_batch(self, batch: Batch) -> None:
        self.batch = batch
        self.mask = batch.mask_numpy

    def on_hidden(self, l: int, hidden: torch.Tensor) -> None:
        rows = _real_rows(hidden, self.batch)
        if self.spill is None:
            self.analysis.add_hidden_layer(rows)
        else:
            self.spill.write(l, int(self.offsets[self.batch.sequences[0]]), rows)

    def on_attention(self, l: int, weights: torch.Tensor) -> None:
        self.analysis.add_attention_layer(l, _collected(weights), self.mask, self.batch.sequences)

    def end_batch(self) -> None:
        self.analysis.end_batch()
        self.batch = None


@contextlib.contextmanager
def _evaluation(model: torch.nn.Module) -> Iterator[None]:
    """Eval mode (no dropout) and no autograd for the duration; the training flag is restored."""
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            yield
    finally:
        model.train(was_training)


def _device(model: torch.nn.Module, device: Any) -> torch.device:
    current = next(model.parameters()).device
    if device is None:
        return current
    device = torch.device(device)
    if device != current:
        model.to(device)
    return device


def _forward_kwargs(model: torch.nn.Module) -> dict:
    params = inspect.signature(model.forward).parameters
    return {"use_cache": False} if "use_cache" in params else {}


class _HFForward:
    """A transformers model's forward pass with the collector's hooks (the base model runs)."""

    def __init__(self, model: torch.nn.Module, attentions: bool, blocks: Any, attention_modules: Any) -> None:
        self.base = getattr(model, "base_model", model)
        self.taps = find_taps(self.base, blocks, attention_modules)
        if attentions and not self.taps.attentions:
            raise ValueError(f"{type(self.base).__name__} declares no attention modules; pass "
                             "attention_modules=[...] or attentions=False")
        self.attentions = attentions
        self.layers = len(self.taps.blocks)
        self.kwargs = _forward_kwargs(self.base)
        tie = getattr(getattr(self.base, "config", None), "tie_last_hidden_states", None)
        self.tie_last = tie is None or bool(tie)

    @staticmethod
    def source(model: torch.nn.Module) -> str:
        return str(getattr(getattr(model, "config", None), "name_or_path", "") or type(model).__name__)

    def __call__(self, batch: Batch, consumer: Any) -> None:
        hooks = LayerHooks(self.taps, consumer.on_hidden, consumer.on_attention if self.attentions else None,
                           tie_last=self.tie_last)
        with hooks:
            output = self.base(input_ids=batch.input_ids, attention_mask=batch.attention_mask, **self.kwargs)
            hooks.finish(output)


def _kind(model: torch.nn.Module) -> type:
    """The one place where model kinds are told apart; each kind's forward feeds the same consumers."""
    return HookedForward if is_hooked_transformer(model) else _HFForward


def _source(model: torch.nn.Module) -> str:
    return _kind(model).source(model)


def _run(model: torch.nn.Module, tokenizer: Any, ids: list, consumer: Any, *, batch_size: int, device: Any,
         attentions: bool, blocks: Any, attention_modules: Any) -> int:
    """Runs the model over the batches with its forward feeding `consumer`; returns L."""
    forward = _kind(model)(model, attentions, blocks, attention_modules)
    dev = _device(model, device)
    with _evaluation(model):
        for batch in batches(ids, batch_size, dev, pad_token_id(tokenizer)):
            consumer.start_batch(batch)
            forward(batch, consumer)
            consumer.end_batch()
    return forward.layers


def _layout(ids: list) -> tuple:
    lengths = [len(s) for s in ids]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return lengths, offsets


def _labels(labels: Any, lengths: list) -> Any:
    """Per-text labels -> one int64 array over all tokens; a dict {task: per-text labels} -> a
    2-D array [tasks, tokens] (several label sets: S2 is then the mean over them)."""
    if labels is None:
        return None
    if isinstance(labels, dict):
        if not labels:
            return None
        return np.stack([_labels(per_text, lengths) for per_text in labels.values()])
    parts = [np.asarray(y).astype(np.int64).reshape(-1) for y in labels]
    if len(parts) != len(lengths) or any(len(p) != n for p, n in zip(parts, lengths)):
        bad = next((i for i, (p, n) in enumerate(zip(parts, lengths)) if len(p) != n), None)
        where = (f" (text {bad}: {len(parts[bad])} labels, {lengths[bad]} tokens)" if bad is not None
                 else f" ({len(parts)} label arrays for {len(lengths)} texts)")
        raise ValueError("labels must give one int array per text, one label per token (special tokens included)"
                         + where)
    return np.concatenate(parts)


def collect_layers(model: torch.nn.Module, tokenizer: Any, texts: Sequence[str], *, batch_size: int = 8,
                   device: Any = None, max_length: Optional[int] = None, attentions: bool = True,
                   labels: Any = None, blocks: Any = None, attention_modules: Any = None,
                   source: Optional[str] = None) -> LayerDump:
    """Runs `model` over `texts` and returns every layer's hidden states and attentions.

    Parameters
    ----------
    model : transformers.PreTrainedModel or transformer_lens.HookedTransformer
        Any model with transformer blocks (an encoder, a decoder, its LM-head version: the base
        model runs). Attentions need ``attn_implementation="eager"``. A HookedTransformer is read
        at its hook points (infoscale.hf.hooked_transformer: load it without weight processing to
        see the trained model's residual stream).
    tokenizer : transformers tokenizer
        Each text is tokenised on its own, special tokens included; batches are right-padded.
    texts : sequence of str
    batch_size : int, default 8
    device : str or torch.device, optional
        Where to run; the model is moved there if it is elsewhere. Default: the model's device.
    max_length : int, optional
        Truncate longer texts.
    attentions : bool, default True
        Also collect attention maps (for S3).
    labels : sequence of int arrays, optional
        Per text, one class per token (for the probe signal S2).
    blocks, attention_modules : sequence of torch.nn.Module, optional
        The modules to hook when the model does not declare them (see infoscale.hf.modules).
    source : str, optional
        Name in the report; default the model's name_or_path.

    Returns
    -------
    LayerDump
    """
    ids = tokenize(tokenizer, texts, max_length)
    lengths, offsets = _layout(ids)
    gather = _Gather()
    layers = _run(model, tokenizer, ids, gather, batch_size=batch_size, device=device, attentions=attentions,
                  blocks=blocks, attention_modules=attention_modules)
    hidden = np.stack([np.concatenate(gather.hidden[l]) for l in range(layers + 1)])
    t_max = max(lengths)
    mask = np.zeros((len(ids), t_max), dtype=np.int64)
    for s, n in enumerate(lengths):
        mask[s, :n] = 1
    att = None
    if attentions:
        heads = gather.attention[0][0].shape[0]
        att = np.zeros((layers, len(ids), heads, t_max, t_max), dtype=gather.attention[0][0].dtype)
        for l in range(layers):
            for s, n in enumerate(lengths):
                att[l, s, :, :n, :n] = gather.attention[l][s]
    return LayerDump(hidden, att, mask, offsets, np.concatenate([np.asarray(s, dtype=np.int64) for s in ids]),
                     _labels(labels, lengths), source or _source(model))


def layer_report(model: torch.nn.Module, tokenizer: Any, texts: Sequence[str], *, stream: bool = False,
                 batch_size: int = 8, device: Any = None, max_length: Optional[int] = None,
                 attentions: bool = True, labels: Any = None, resamples: int = 1000, seed: int = 0,
                 weights: Sequence[float] = DEFAULT_WEIGHTS, min_prominence: float = 0.3, edges: bool = False,
                 probe: str = "logistic", normalization: str = "max", causal: bool = False,
                 spill_dir: Optional[str] = None, source: Optional[str] = None, blocks: Any = None,
                 attention_modules: Any = None, policy: str = "par") -> LayerReport:
    """The report of ``infoscale layers`` for `model` on `texts`.

    Parameters
    ----------
    model, tokenizer, texts, batch_size, device, max_length, attentions, labels, blocks, attention_modules, source
        As :func:`collect_layers`.
    stream : bool, default False
        Reduce layers as they are produced instead of gathering them (see the module notes for
        the memory each way takes); the report is the same.
    resamples, seed, weights, min_prominence, edges, probe, normalization, causal, policy
        As :func:`infoscale.analyse_layers` (the program's defaults).
    spill_dir : str, optional
        Folder for the per-layer hidden-state files of ``stream=True`` with several batches
        (default: a temporary folder); the files are removed before returning.

    Returns
    -------
    LayerReport
        ``print(report)`` gives the program's text output, ``report.to_json()`` its ``--json``.
    """
    options = dict(resamples=resamples, seed=seed, weights=weights, min_prominence=min_prominence, edges=edges,
                   probe=probe, normalization=normalization, causal=causal, policy=policy)
    if not stream:
        dump = collect_layers(model, tokenizer, texts, batch_size=batch_size, device=device, max_length=max_length,
                              attentions=attentions, labels=labels, blocks=blocks,
                              attention_modules=attention_modules, source=source)
        return dump.analyse(**options)
    return layer_analysis(model, tokenizer, texts, batch_size=batch_size, device=device, max_length=max_length,
                          attentions=attentions, labels=labels, spill_dir=spill_dir, source=source, blocks=blocks,
                          attention_modules=attention_modules, **options).report()


def layer_analysis(model: torch.nn.Module, tokenizer: Any, texts: Sequence[str], *, batch_size: int = 8,
                   device: Any = None, max_length: Optional[int] = None, attentions: bool = True, labels: Any = None,
                   spill_dir: Optional[str] = None, source: Optional[str] = None, blocks: Any = None,
                   attention_modules: Any = None, **options: Any) -> LayerAnalysis:
    """:func:`layer_report` with ``stream=True``, stopped before the report: the returned
    :class:`infoscale.LayerAnalysis` has every layer added, so ``.report()`` can be called for each
    normalisation without running the model again. ``labels`` may be a dict {task: per-text labels}
    (several label sets). Options as :func:`layer_report`."""
    ids = tokenize(tokenizer, texts, max_length)
    lengths, offsets = _layout(ids)
    analysis = LayerAnalysis(lengths, labels=_labels(labels, lengths), source=source or _source(model), **options)
    with contextlib.ExitStack() as stack:
        spill = None
        if len(ids) > batch_size:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="infoscale-layers-", dir=spill_dir))
            spill = _Spill(folder, int(offsets[-1]))
        consumer = _Stream(analysis, offsets, spill)
        _run(model, tokenizer, ids, consumer, batch_size=batch_size, device=device, attentions=attentions,
             blocks=blocks, attention_modules=attention_modules)
        if spill is not None:
            for layer in spill.layers():
                analysis.add_hidden_layer(layer)
    return analysis
