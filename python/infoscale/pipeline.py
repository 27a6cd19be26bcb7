"""The pipeline of ``infoscale layers`` on arrays: whole (:func:`analyse_layers`, :func:`analyse_dump`)
or layer by layer as a model produces them (:class:`LayerAnalysis`).

Every step runs in the library (``include/infoscale/layers/layer_analysis.hpp``, ``layer_stack.hpp``,
``layer_dump.hpp``), the same code the command-line program calls, and the report is the same C++
object (:class:`infoscale.LayerReport`): same inputs, same bytes. This module only adapts Python
arguments, and pairs consecutive attention layers of a batch when they arrive one at a time.

Memory of :class:`LayerAnalysis`: it never holds activations. Per layer it keeps the centred token
Gram matrix (tokens x tokens float64; two are alive while a layer is added), per-sequence sums, and
the CKA of each layer pair on each of the 1 + resamples + sequences weight sets; for attention, one
float per (sequence, layer pair) and, between two calls of :meth:`LayerAnalysis.add_attention_layer`,
a reference to the previous layer's attention of the current batch.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from . import _core, _guards
from . import layers as _L  # the guarded functions (torch negative/conjugate views resolved)
from .report import LayerReport, dtype_name

Error = _core.Error


def _plain(value: Any) -> Any:
    """A torch view with the negative or conjugate bit resolved (DLPack would drop the bit)."""
    if _guards._is_tensor(value) and (value.is_neg() or value.is_conj()):
        return _guards._resolve(value)
    return value

DEFAULT_WEIGHTS = (1.0, 0.8, 0.6)

_OPTIONS_DOC = """
    resamples : int, default 1000
        Bootstrap resamples over sequences (ignored with a single sequence: no CI then); 0 or >= 20.
    seed : int, default 0
        Seed of the bootstrap and of the probes' folds.
    weights : (float, float, float), default (1.0, 0.8, 0.6)
        Weights of S1, S2, S3 in E(l) (finite, >= 0).
    normalization : {'max', 'minmax'}, default 'max'
        How eq. (6) scales each signal: S / max S, as the equation is printed (default), or
        (S - min S) / (max S - min S), the text's "normalized to [0, 1]".
    min_prominence : float, default 0.3
        Least prominence of a boundary peak of E.
    edges : bool, default False
        Let the first and last layer pairs be boundaries (scipy's find_peaks never reports them).
    probe : {'logistic', 'mlp', 'ridge'}, default 'logistic'
        The probe for S2 (the paper's 128-unit MLP is slow; ridge is sklearn's RidgeClassifier with
        alpha = 1, one closed-form solve per fold, the fastest).
    causal : bool, default False
        Mask keys after each query in S3. A decoder's attention has no mass there already; an
        encoder's must not be masked. The report says which was used.
    folds : int, default 5
        Cross-validation folds of the probes.
    probe_projection : int, default 0
        Probes on the top k principal components of each layer (0: every feature); for residual
        streams thousands wide (see the README's probe benchmark for what it costs in F1).
    policy : {'par', 'seq'}, default 'par'
        Threads for CKA and the bootstrap; results do not depend on it.
"""


def label_sets(labels: Any) -> list:
    """Labels as a list of int64 arrays, one per label set: None, one array [tokens], a 2-D array
    [sets, tokens], or a sequence of arrays."""
    if labels is None:
        return []
    if isinstance(labels, (list, tuple)) and labels and np.ndim(labels[0]) == 1:
        return [np.ascontiguousarray(np.asarray(y).astype(np.int64, copy=False)) for y in labels]
    y = np.asarray(labels)
    if y.ndim == 2:
        return [np.ascontiguousarray(row.astype(np.int64, copy=False)) for row in y]
    return [np.ascontiguousarray(y.astype(np.int64, copy=False).reshape(-1))]


def _options(resamples: int, seed: int, weights: Sequence[float], normalization: str, min_prominence: float,
             edges: bool, probe: str, causal: bool, folds: int, probe_projection: int = 0) -> dict:
    return dict(resamples=int(resamples), seed=int(seed), weights=tuple(float(w) for w in weights),
                normalization=normalization, min_prominence=float(min_prominence), edges=bool(edges), probe=probe,
                causal=bool(causal), folds=int(folds), probe_projection=int(probe_projection))


class LayerAnalysis:
    """``infoscale layers`` fed one layer at a time.

    Parameters
    ----------
    sequence_lengths : sequence of int
        Real tokens per sequence, in the order their rows are stacked in every layer matrix.
    labels : array_like of int, optional
        Token classes for the probe signal S2: one array (tokens,), or several label sets (a list
        of arrays or a 2-D array [sets, tokens]); S2 is then the mean over sets. Any ids >= 0.
    source : str, default 'arrays'
        What the report's first line and error messages name.
    """ + _OPTIONS_DOC + """
    Notes
    -----
    Call :meth:`add_hidden_layer` for hidden states 0 (embeddings) to L in order, and give the
    attention either per sequence (:meth:`add_attention_sequence`, every layer at once) or per
    batch and layer (:meth:`add_attention_layer`, layers in order within a batch); then
    :meth:`report`. Every hidden layer and attention tensor is read in place (numpy, torch CPU,
    any DLPack producer) and never kept.
    """

    def __init__(self, sequence_lengths: Sequence[int], *, labels: Any = None, resamples: int = 1000,
                 seed: int = 0, weights: Sequence[float] = DEFAULT_WEIGHTS, normalization: str = "max",
                 min_prominence: float = 0.3, edges: bool = False, probe: str = "logistic", causal: bool = False,
                 folds: int = 5, policy: str = "par", source: str = "arrays", probe_projection: int = 0) -> None:
        self.policy = policy
        self.causal = bool(causal)
        self._core = _L.LayerAnalysisCore([int(n) for n in sequence_lengths], label_sets(labels), source,
                                          **_options(resamples, seed, weights, normalization, min_prominence, edges,
                                                     probe, causal, folds, probe_projection))
        self._previous: Optional[tuple] = None

    @property
    def hidden_layers(self) -> int:
        """Hidden states added so far (embeddings included)."""
        return self._core.hidden_layers

    def add_hidden_layer(self, layer: Any) -> None:
        """Adds hidden state ``hidden_layers`` (0 = embeddings): shape (tokens, features), rows in
        sequence order; read in place, widened to float64 only inside the library."""
        self._core.add_hidden_layer(_plain(layer), self.policy)

    def add_attention_sequence(self, sequence: int, layers: Any, valid: Any = None) -> None:
        """Attention drift sums of one sequence from its whole stack ``layers`` [L, heads, T, T]
        (attention of layers 1..L; ``valid`` marks real positions, default all)."""
        v = None if valid is None else np.ascontiguousarray(np.asarray(valid).astype(np.int64, copy=False))
        self._core.add_attention_sequence(int(sequence), _plain(layers), v)

    def add_attention_layer(self, layer: int, attention: Any, mask: Any, sequences: Sequence[int]) -> None:
        """Attention of model layer ``layer + 1`` (index ``layer`` from 0) for one batch.

        ``attention`` is [batch, heads, T, T], ``mask`` [batch, T] (1 = real token) and
        ``sequences`` the batch's sequence indices. Layers of a batch must come in order 0, 1, ...;
        the previous one is kept (by reference) until the next arrives, and the pair's JS sums are
        added at once, so at most two layers of one batch's attention are ever referenced.
        """
        sequences = tuple(int(s) for s in sequences)
        attention = _plain(attention)
        mask = np.ascontiguousarray(np.asarray(mask).astype(np.int64, copy=False))
        if layer > 0:
            if self._previous is None or self._previous[0] != layer - 1 or self._previous[1] != sequences:
                raise Error(f"infoscale::layers: argument 'attention' layer {layer} of sequences {sequences[:3]}... "
                            f"came without layer {layer - 1}")
            js, rows = _L.attention_drift_batch(self._previous[2], attention, mask, causal=self.causal)
            shape = tuple(attention.shape)
            self._core.add_attention_pair_sums(layer, list(sequences), [float(x) for x in js],
                                               [int(r) for r in rows], dtype_name(attention), shape[1], shape[3])
        self._previous = (layer, sequences, attention)

    def end_batch(self) -> None:
        """Drops the reference to the last attention layer of the batch."""
        self._previous = None

    def set_attention_description(self, dtype: str, shape: Sequence[int], mask: bool) -> None:
        """What the report says about the attention tensor (a dump states its own shape)."""
        self._core.describe_attention(dtype, [int(n) for n in shape], bool(mask))

    def report(self, notes: Sequence[str] = (), normalization: Optional[str] = None) -> LayerReport:
        """Fuses the signals, finds the boundaries (with bootstrap CIs when there are >= 2 sequences)
        and returns the report; ``notes`` are printed before the analysis' own. ``normalization``
        ('max' or 'minmax') overrides the option for this report only: both readings of eq. (6)
        from one collection."""
        for n in notes:
            self._core.note(str(n))
        return self._core.report(self.policy, normalization)


def analyse_layers(hidden_states: Any, *, sequence_offsets: Any = None, attentions: Any = None,
                   attention_mask: Any = None, labels: Any = None, resamples: int = 1000, seed: int = 0,
                   weights: Sequence[float] = DEFAULT_WEIGHTS, normalization: str = "max",
                   min_prominence: float = 0.3, edges: bool = False, probe: str = "logistic", causal: bool = False,
                   folds: int = 5, source: str = "arrays", policy: str = "par",
                   probe_projection: int = 0) -> LayerReport:
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
    labels : array_like of int, optional
        Token classes for S2 (probe jumps): one array (tokens,) or several label sets.
    source : str, default 'arrays'
        What the report's first line names (the program prints the dump's path).
    """ + _OPTIONS_DOC + """
    Returns
    -------
    LayerReport

    Raises
    ------
    infoscale.Error
        With the program's checks: ranks and shapes, offsets, masks, labels, NaN/Inf, constant layers.
    """
    def ints(a: Any, ndim: int) -> Any:
        return None if a is None else np.ascontiguousarray(np.asarray(a).astype(np.int64).reshape((-1,) if ndim == 1
                                                                                                  else np.shape(a)))
    return _L.analyse_layer_stack(hidden_states, ints(sequence_offsets, 1), _plain(attentions), ints(attention_mask, 2),
                                  label_sets(labels), source=source, policy=policy,
                                  **_options(resamples, seed, weights, normalization, min_prominence, edges, probe,
                                             causal, folds, probe_projection))


def analyse_dump(path: Any, *, source: Optional[str] = None, resamples: int = 1000, seed: int = 0,
                 weights: Sequence[float] = DEFAULT_WEIGHTS, normalization: str = "max", min_prominence: float = 0.3,
                 edges: bool = False, probe: str = "logistic", causal: bool = False, folds: int = 5,
                 policy: str = "par", probe_projection: int = 0) -> LayerReport:
    """``infoscale layers DUMP``: the library reads the safetensors dump (any float dtype, bfloat16
    too), checks it and analyses it, exactly as the program does; ``source`` defaults to ``path``."""
    return _L.analyse_layer_dump(str(path), source=str(path) if source is None else source, policy=policy,
                                 **_options(resamples, seed, weights, normalization, min_prominence, edges, probe,
                                            causal, folds, probe_projection))
