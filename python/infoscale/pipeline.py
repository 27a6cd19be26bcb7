"""The pipeline of ``infoscale layers`` on arrays: whole (:func:`analyse_layers`, :func:`analyse_dump`)
or layer by layer as a model produces them (:class:`LayerAnalysis`).

Both run the same steps as the command-line program (``tools/cli/layers_command.hpp``), through
the compiled ``infoscale.layers``: linear CKA of adjacent layers on every bootstrap weight set
(``CKAEvidence``), probes on token labels when given (``ProbeEvidence``), attention drift with
padding masked and no causal mask (``AttentionEvidence``), then ``detect_boundaries`` twice (BCa
and percentile intervals) when there are at least two sequences, or the fusion and peaks on the
full sample when there is one. Same inputs, same numbers: the tests compare the program's golden
outputs with these functions' reports.

Memory of :class:`LayerAnalysis`: it never holds activations. Per layer it keeps the centred token
Gram matrix (tokens x tokens float64; two are alive while a layer is added), per-sequence sums, and
the CKA of each layer pair on each of the 1 + resamples + sequences weight sets; for attention, one
float per (sequence, layer pair) and, between two calls of :meth:`LayerAnalysis.add_attention_layer`,
a reference to the previous layer's attention of the current batch.
"""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

from . import _core
from .report import BoundaryResult, Interval, LayerReport, dtype_name, peaks_list

_L = _core.layers
Error = _core.Error

DEFAULT_WEIGHTS = (1.0, 0.8, 0.6)


def _raise(argument: str, problem: str, function: str = "analyse_layers") -> None:
    raise Error(f"infoscale::{function}: argument '{argument}' {problem}")


class LayerAnalysis:
    """``infoscale layers`` fed one layer at a time.

    Parameters
    ----------
    sequence_lengths : sequence of int
        Real tokens per sequence, in the order their rows are stacked in every layer matrix.
    labels : array_like of int, shape (tokens,), optional
        Token classes (>= 0, at least two distinct) for the probe signal S2; without them S2 is
        omitted and E(l) fuses the other signals with their weights.
    resamples : int, default 1000
        Bootstrap resamples over sequences (ignored with a single sequence: no CI then).
    seed : int, default 0
        Seed of the bootstrap and of the probes' folds.
    weights : (float, float, float), default (1.0, 0.8, 0.6)
        Weights of S1, S2, S3 in E(l) (finite, >= 0).
    min_prominence : float, default 0.3
        Least prominence of a boundary peak of E.
    edges : bool, default False
        Let the first and last layer pairs be boundaries (scipy's find_peaks never reports them).
    probe : {'logistic', 'mlp'}, default 'logistic'
        The probe for S2 (the paper's 128-unit MLP is slow).
    policy : {'par', 'seq'}, default 'par'
        Threads for the bootstrap; results do not depend on it.

    Notes
    -----
    Call :meth:`add_hidden_layer` for hidden states 0 (embeddings) to L in order, and give the
    attention either per sequence (:meth:`add_attention_sequence`, every layer at once) or per
    batch and layer (:meth:`add_attention_layer`, layers in order within a batch); then
    :meth:`report`. Every hidden layer and attention tensor is read in place (numpy, torch CPU,
    any DLPack producer) and never kept.
    """

    def __init__(self, sequence_lengths: Sequence[int], *, labels: Any = None, resamples: int = 1000,
                 seed: int = 0, weights: Sequence[float] = DEFAULT_WEIGHTS, min_prominence: float = 0.3,
                 edges: bool = False, probe: str = "logistic", policy: str = "par") -> None:
        lengths = [int(n) for n in sequence_lengths]
        if not lengths:
            _raise("sequence_lengths", "is empty", "LayerAnalysis")
        if any(n <= 0 for n in lengths):
            _raise("sequence_lengths", "has an empty sequence", "LayerAnalysis")
        weights = tuple(float(w) for w in weights)
        if len(weights) != 3:
            _raise("weights", "needs 3 values (S1,S2,S3)", "LayerAnalysis")
        if not all(math.isfinite(w) and w >= 0.0 for w in weights):
            _raise("weights", "must be finite and >= 0", "LayerAnalysis")
        if not (min_prominence >= 0.0):
            _raise("min_prominence", "must be >= 0", "LayerAnalysis")
        if probe not in ("logistic", "mlp"):
            _raise("probe", f"must be 'logistic' or 'mlp', got {probe!r}", "LayerAnalysis")
        self.sequence_lengths = lengths
        self.tokens = sum(lengths)
        self.sequences = len(lengths)
        self.bootstrap = self.sequences >= 2
        self.resamples = int(resamples)
        self.seed = int(seed)
        self.weights = weights
        self.min_prominence = float(min_prominence)
        self.edges = bool(edges)
        self.probe = probe
        self.policy = policy
        self._plan = _L.ResamplingPlan(self.sequences, self.resamples if self.bootstrap else 0, self.seed)
        self._cka = _L.CKAEvidence(lengths, self._plan)
        self._hidden = 0
        self._dtype: Optional[str] = None
        self._features: Optional[int] = None
        self._labels: Optional[np.ndarray] = None
        self._classes = 0
        self._probes = None
        if labels is not None:
            y = np.asarray(labels).astype(np.int64, copy=False).reshape(-1)
            if y.size != self.tokens:
                _raise("labels", f"has {y.size} labels but the sequences hold {self.tokens} tokens")
            if y.size and (y.min() < 0 or y.max() > 1_000_000):
                _raise("labels", "has a label outside [0, 1000000]")
            self._classes = int(y.max()) + 1 if y.size else 0
            if self._classes < 2:
                _raise("labels", "has a single class: no probe can be scored")
            self._labels = np.ascontiguousarray(y)
            self._probes = _L.ProbeEvidence(lengths, self._plan)
        # Attention drift: per sequence, {attention layer a >= 1: JS sum of the pair (a-1, a)}.
        self._js: list = [dict() for _ in lengths]
        self._rows = np.zeros(self.sequences, dtype=np.int64)
        self._previous: Optional[tuple] = None
        self._attention: Optional[dict] = None
        self._attention_override: Optional[dict] = None

    # ---- hidden states ----
    @property
    def hidden_layers(self) -> int:
        """Hidden states added so far (embeddings included)."""
        return self._hidden

    def add_hidden_layer(self, layer: Any) -> None:
        """Adds hidden state ``hidden_layers`` (0 = embeddings): shape (tokens, features), rows in
        sequence order; read in place, widened to float64 only inside the library."""
        index = self._hidden
        shape = tuple(getattr(layer, "shape", ()))
        if len(shape) != 2:
            _raise("hidden_states", f"layer {index} must be 2-D [tokens, features], got shape {shape}")
        if shape[0] != self.tokens:
            _raise("hidden_states", f"layer {index} has {shape[0]} tokens but the sequences hold {self.tokens}")
        if self._features is None:
            self._features = int(shape[1])
            self._dtype = dtype_name(layer)
        try:
            self._cka.add_layer(layer, policy=self.policy)
        except Error as e:
            _raise("hidden_states", f"layer {index}: {e}")
        if self._probes is not None:
            predicted = _L.cross_validated_predictions(layer, self._labels, self._classes, kind=self.probe,
                                                       folds=min(5, self.tokens), seed=self.seed)
            self._probes.add_layer([self._labels], [predicted], [self._classes])
        self._hidden += 1

    # ---- attention ----
    def add_attention_sequence(self, sequence: int, layers: Any, valid: Any = None) -> None:
        """Attention drift sums of one sequence from its whole stack ``layers`` [L, heads, T, T]
        (attention of layers 1..L; ``valid`` marks real positions, default all)."""
        v = None if valid is None else np.ascontiguousarray(np.asarray(valid).astype(np.int64, copy=False))
        try:
            js, rows = _L.attention_drift_statistics(layers, causal=False, valid=v)
        except Error as e:
            _raise("attentions", f"of sequence {sequence}: {e}")
        self._js[sequence] = {a + 1: float(x) for a, x in enumerate(js)}
        self._rows[sequence] = rows
        shape = tuple(layers.shape)
        self._note_attention(layers, shape[1], shape[3])

    def add_attention_layer(self, layer: int, attention: Any, mask: Any, sequences: Sequence[int]) -> None:
        """Attention of model layer ``layer + 1`` (index ``layer`` from 0) for one batch.

        ``attention`` is [batch, heads, T, T], ``mask`` [batch, T] (1 = real token) and
        ``sequences`` the batch's sequence indices. Layers of a batch must come in order 0, 1, ...;
        the previous one is kept (by reference) until the next arrives, and the pair's JS sums are
        added at once, so at most two layers of one batch's attention are ever referenced.
        """
        sequences = tuple(int(s) for s in sequences)
        mask = np.ascontiguousarray(np.asarray(mask).astype(np.int64, copy=False))
        if layer > 0:
            if self._previous is None or self._previous[0] != layer - 1 or self._previous[1] != sequences:
                _raise("attention", f"layer {layer} of sequences {sequences[:3]}... came without layer {layer - 1}",
                       "LayerAnalysis")
            try:
                js, rows = _L.attention_drift_batch(self._previous[2], attention, mask)
            except Error as e:
                _raise("attentions", f"layers {layer - 1}->{layer}: {e}")
            for s, value, r in zip(sequences, js, rows):
                self._js[s][layer] = float(value)
                self._rows[s] = r
        self._previous = (layer, sequences, attention)
        self._note_attention(attention, tuple(attention.shape)[1], tuple(attention.shape)[3])

    def end_batch(self) -> None:
        """Drops the reference to the last attention layer of the batch."""
        self._previous = None

    def _note_attention(self, tensor: Any, heads: int, positions: int) -> None:
        t = max(positions, self._attention["t"]) if self._attention else positions
        self._attention = {"dtype": dtype_name(tensor), "heads": int(heads), "t": int(t), "mask": True}

    def set_attention_description(self, dtype: str, shape: Sequence[int], mask: bool) -> None:
        """What the text report says about the attention tensor (a dump states its own shape)."""
        self._attention_override = {"dtype": dtype, "shape": [int(n) for n in shape], "mask": bool(mask)}

    # ---- report ----
    def report(self, source: str = "arrays", notes: Sequence[str] = ()) -> LayerReport:
        """Fuses the signals, finds the boundaries (with bootstrap CIs when there are >= 2 sequences)
        and returns the report; ``notes`` are printed before the analysis' own."""
        layers = self._hidden - 1
        if self._hidden < 3:
            _raise("hidden_states", f"covers {self._hidden} layers; at least 3 (embeddings and 2 layers) are needed")
        notes = list(notes)
        if not self.bootstrap:
            notes.append("one sequence: no bootstrap over sequences, so no confidence intervals")
        if self._probes is None:
            notes.append("no labels: S2 (probe jumps) omitted; E(l) fuses the other signals with their weights")
        drift = None
        attention = None
        if self._attention is not None:
            drift = _L.AttentionEvidence(self._plan)
            for s in range(self.sequences):
                got = self._js[s]
                missing = [a for a in range(1, layers) if a not in got]
                if missing or len(got) != layers - 1:
                    _raise("attentions", f"of sequence {s} cover layer pairs {sorted(got)}, expected 1..{layers - 1}")
                drift.set_sequence(s, [0.0] + [got[a] for a in range(1, layers)], int(self._rows[s]))
            a = self._attention
            attention = self._attention_override or {
                "dtype": a["dtype"], "shape": [layers, self.sequences, a["heads"], a["t"], a["t"]], "mask": True}
        else:
            notes.append("no attentions: S3 (attention drift) omitted")
        cka = np.array([self._cka.cka(l, 0) for l in range(layers)])
        common = dict(weights=self.weights, min_prominence=self.min_prominence, include_edges=self.edges,
                      policy=self.policy)
        boundaries = []
        if self.bootstrap:
            bca = _L.detect_boundaries(self._cka, self._probes, drift, method="bca", **common)
            pct = _L.detect_boundaries(self._cka, self._probes, drift, method="percentile", **common)
            s1, s2, s3, evidence = bca.s1, bca.s2, bca.s3, bca.evidence
            peaks = peaks_list(bca.peaks)
            for x, y in zip(bca.boundaries, pct.boundaries):
                boundaries.append((int(x.layer), float(x.prominence), float(x.detection_rate),
                                   Interval.from_core(y.ci), Interval.from_core(x.ci), bool(x.accepted)))
        else:
            s1 = self._cka.signal(0)
            s2 = self._probes.signal(0) if self._probes is not None else np.zeros(0)
            s3 = drift.signal(0) if drift is not None else np.zeros(0)
            evidence = _L.boundary_evidence(s1, s2 if len(s2) else None, s3 if len(s3) else None,
                                            weights=self.weights)
            found = _L.find_peaks(evidence, min_prominence=self.min_prominence, include_edges=self.edges)
            peaks = peaks_list(found)
            for p in _L.most_prominent(found, 2):
                boundaries.append((int(p.index), float(p.prominence), math.nan, None, None, False))
        names = ["L-I", "I-G"] if len(boundaries) == 2 else ["one"] * len(boundaries)
        results = [BoundaryResult(name, pair, (pair + 1) / layers, prom, rate, pct_ci, bca_ci, ok)
                   for name, (pair, prom, rate, pct_ci, bca_ci, ok) in zip(names, boundaries)]
        probes = None if self._probes is None else {"classes": self._classes, "kind": self.probe}
        return LayerReport(source=source, dtype=self._dtype or "F32", layers=layers, tokens=self.tokens,
                           features=int(self._features or 0), sequences=self.sequences, weights=self.weights,
                           min_prominence=self.min_prominence, notes=notes, cka=cka, s1=np.asarray(s1),
                           s2=np.asarray(s2), s3=np.asarray(s3), evidence=np.asarray(evidence), peaks=peaks,
                           boundaries=results, resamples=self.resamples if self.bootstrap else None,
                           seed=self.seed, attention=attention,
                           probes=probes)


def analyse_layers(hidden_states: Any, *, sequence_offsets: Any = None, attentions: Any = None,
                   attention_mask: Any = None, labels: Any = None, resamples: int = 1000, seed: int = 0,
                   weights: Sequence[float] = DEFAULT_WEIGHTS, min_prominence: float = 0.3, edges: bool = False,
                   probe: str = "logistic", source: str = "arrays", policy: str = "par") -> LayerReport:
    """``infoscale layers`` on arrays laid out as its dump (see ``infoscale layers --help``).

    Parameters
    ----------
    hidden_states : array_like, shape (L + 1, tokens, features)
        [0] = embedding output, [l] = output of layer l; the real tokens of every sequence,
        concatenated. float16/bfloat16/float32/float64, read in place (numpy, torch CPU, DLPack).
    sequence_offsets : array_like of int, shape (S + 1,), optional
        Sequence s holds tokens [off[s], off[s+1]). Default: from attention_mask, else one sequence
        (and then no bootstrap CI).
    attentions : array_like, shape (L, S, heads, T, T), optional
        Attention probabilities, for S3 (attention drift); read in place.
    attention_mask : array_like of int, shape (S, T), optional
        1 = real token; default: every position is real.
    labels : array_like of int, shape (tokens,), optional
        Token classes for S2 (probe jumps).
    resamples, seed, weights, min_prominence, edges, probe, policy
        As :class:`LayerAnalysis`; the defaults are the program's.
    source : str, default 'arrays'
        What the report's first line names (the program prints the dump's path).

    Returns
    -------
    LayerReport

    Raises
    ------
    infoscale.Error
        With the program's checks: ranks and shapes, offsets, masks, labels, NaN/Inf, constant layers.
    """
    h_shape = tuple(hidden_states.shape)
    if len(h_shape) != 3:
        _raise("hidden_states", f"has rank {len(h_shape)}; expected [layers + 1, tokens, features]")
    states, tokens, features = h_shape
    if states < 3:
        _raise("hidden_states", f"covers {states} layers; at least 3 (embeddings and 2 layers) are needed")
    if tokens < 2 or features == 0:
        _raise("hidden_states", "has too few tokens or no features")
    layers = states - 1
    notes = []
    mask = None
    if attentions is not None:
        a_shape = tuple(attentions.shape)
        if len(a_shape) != 5:
            _raise("attentions", f"has rank {len(a_shape)}; expected [layers, sequences, heads, T, T]")
        if a_shape[0] != layers:
            _raise("attentions", f"covers {a_shape[0]} layers but hidden_states {layers} (plus embeddings)")
        if a_shape[3] != a_shape[4]:
            _raise("attentions", "has different query and key counts")
        if 0 in a_shape:
            _raise("attentions", "is empty")
        if attention_mask is not None:
            mask = np.asarray(attention_mask).astype(np.int64)
            if mask.shape != (a_shape[1], a_shape[3]):
                _raise("attention_mask", f"has shape {mask.shape} but attentions {a_shape} (expected [sequences, T])")
            if not np.isin(mask, (0, 1)).all():
                _raise("attention_mask", "has a value other than 0 or 1")
        else:
            mask = np.ones((a_shape[1], a_shape[3]), dtype=np.int64)
    elif attention_mask is not None:
        notes.append("attention_mask without attentions: ignored")

    if sequence_offsets is not None:
        off = np.asarray(sequence_offsets).astype(np.int64).reshape(-1)
        if off.size < 2 or off[0] != 0:
            _raise("sequence_offsets", "does not start at 0 or holds fewer than 2 entries")
        lengths = np.diff(off)
        if (lengths <= 0).any():
            _raise("sequence_offsets", f"does not increase (sequence {int(np.argmax(lengths <= 0))} is empty or negative)")
        if off[-1] != tokens:
            _raise("sequence_offsets", f"ends at {off[-1]} but hidden_states has {tokens} tokens")
        lengths = [int(n) for n in lengths]
    elif attentions is not None:
        lengths = [int(n) for n in mask.sum(axis=1)]
        if sum(lengths) != tokens:
            _raise("attention_mask", f"holds {sum(lengths)} real tokens but hidden_states {tokens} "
                   "(and there are no sequence_offsets)")
        notes.append("sequences taken from the attention mask (no sequence_offsets)")
    else:
        lengths = [tokens]
    if attentions is not None:
        if a_shape[1] != len(lengths):
            _raise("attentions", f"covers {a_shape[1]} sequences but hidden_states {len(lengths)}")
        for s, n in enumerate(lengths):
            if int(mask[s].sum()) != n:
                _raise("attention_mask", f"has {int(mask[s].sum())} real tokens in row {s} but that sequence "
                       f"of hidden_states has {n}")
    if any(n == 0 for n in lengths):
        _raise("sequence_offsets", "has an empty sequence")

    analysis = LayerAnalysis(lengths, labels=labels, resamples=resamples, seed=seed, weights=weights,
                             min_prominence=min_prominence, edges=edges, probe=probe, policy=policy)
    for l in range(states):
        analysis.add_hidden_layer(hidden_states[l])
    if attentions is not None:
        for s in range(len(lengths)):
            analysis.add_attention_sequence(s, attentions[:, s], mask[s])
        analysis.set_attention_description(dtype_name(attentions), a_shape, attention_mask is not None)
    return analysis.report(source=source, notes=notes)


def analyse_dump(path: str, **options: Any) -> LayerReport:
    """``infoscale layers DUMP``: reads a safetensors dump (needs the ``safetensors`` package) and
    runs :func:`analyse_layers` on its tensors; ``options`` as analyse_layers, ``source`` defaults
    to ``path``. bfloat16 tensors cannot be read by safetensors.numpy."""
    from safetensors.numpy import load_file

    t = load_file(str(path))
    if "hidden_states" not in t:
        _raise(str(path), "has no tensor 'hidden_states'", "analyse_dump")
    options.setdefault("source", str(path))
    return analyse_layers(t["hidden_states"], sequence_offsets=t.get("sequence_offsets"),
                          attentions=t.get("attentions"), attention_mask=t.get("attention_mask"),
                          labels=t.get("labels"), **options)
