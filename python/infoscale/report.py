"""The layer-boundary report of ``infoscale layers``, as a Python object.

:class:`LayerReport` holds what the command-line program prints: linear CKA between adjacent
layers, S1 = 1/CKA, the probe jumps S2 and the attention drift S3 when available, the fused
evidence E(l) (multi-scale paper eq. (6)), the peaks of E and up to two boundaries (L-I, I-G) with
percentile and BCa bootstrap intervals over sequences. ``str(report)`` is the program's text
output and ``report.to_json()`` its ``--json`` output, key for key, so either can be compared with
the other or stored.

Layer numbering (as the program's): hidden state 0 is the embedding output and hidden state l the
output of layer l = 1..L. Pair l (0..L-1) is the change from hidden state l to l+1; a boundary at
pair l starts the new regime at layer l+1, relative position (l+1)/L. S3 of pair 0 does not exist
(nothing attends before layer 1) and enters E(0) as 0.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np


@dataclass(frozen=True)
class Interval:
    """A bootstrap confidence interval in layer-pair units.

    ``status`` is ``'ok'``, ``'bca_degenerate_used_percentile'`` (BCa undefined because the
    bootstrap or the jackknife has no spread: the percentile interval is reported) or
    ``'no_estimate'`` (too many resamples without the boundary: unbounded).
    """

    lower: float
    upper: float
    method: str
    status: str

    @property
    def width(self) -> float:
        return self.upper - self.lower

    @classmethod
    def from_core(cls, ci: Any) -> "Interval":
        return cls(float(ci.lower), float(ci.upper), str(ci.method), str(ci.status))

    def to_dict(self) -> dict:
        return {"lower": _number(self.lower), "upper": _number(self.upper), "width": _number(self.width),
                "method": self.method, "status": self.status}

    def text(self) -> str:
        """The program's CI column: ``[lo, hi]``, a ``*`` for a degenerate BCa, ``none`` if unbounded."""
        if self.status == "no_estimate":
            return "none"
        star = "*" if self.status == "bca_degenerate_used_percentile" else ""
        return "[%g, %g]%s" % (self.lower, self.upper, star)


@dataclass(frozen=True)
class BoundaryResult:
    """One boundary: a peak of E(l) at layer pair ``pair`` and its bootstrap statistics."""

    name: str  #: 'L-I' and 'I-G' when two were found, else 'one'
    pair: int
    relative_position: float  #: (pair + 1) / layers
    prominence: float
    detection_rate: float  #: share of resamples with this boundary (NaN without a bootstrap)
    ci_percentile: Optional[Interval]
    ci_bca: Optional[Interval]
    accepted: bool  #: CI bounded and narrower than 5 layers

    @property
    def first_layer_of_new_regime(self) -> int:
        return self.pair + 1

    def to_dict(self) -> dict:
        return {"name": self.name, "pair": self.pair,
                "first_layer_of_new_regime": self.first_layer_of_new_regime,
                "relative_position": self.relative_position, "prominence": _number(self.prominence),
                "detection_rate": _number(self.detection_rate),
                "ci_percentile": None if self.ci_percentile is None else self.ci_percentile.to_dict(),
                "ci_bca": None if self.ci_bca is None else self.ci_bca.to_dict(), "accepted": self.accepted}


@dataclass
class LayerReport:
    """What ``infoscale layers`` reports for one model and one set of texts.

    Arrays have one entry per layer pair; ``s2`` and ``s3`` are empty when there were no labels or
    no attentions, and ``s3[0]`` is 0 (pair 0 has no attention drift). ``peaks`` lists
    ``(pair, prominence)`` for every peak of E with prominence >= ``min_prominence``.
    """

    source: str
    dtype: str  #: storage type of the hidden states, safetensors style ('F32', 'F16', 'BF16', 'F64')
    layers: int
    tokens: int
    features: int
    sequences: int
    weights: tuple
    min_prominence: float
    notes: list
    cka: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    s3: np.ndarray
    evidence: np.ndarray
    peaks: list
    boundaries: list
    resamples: Optional[int] = None  #: None when there was a single sequence (no bootstrap)
    seed: int = 0
    attention: Optional[dict] = None  #: {'dtype', 'shape', 'mask'} when S3 was computed
    probes: Optional[dict] = None  #: {'classes', 'kind'} when S2 was computed
    extra: dict = field(default_factory=dict)  #: anything a caller adds (not printed)

    @property
    def signals(self) -> str:
        return "S1" + (",S2" if len(self.s2) else "") + (",S3" if len(self.s3) else "")

    def to_dict(self) -> dict:
        """The ``--json`` output of ``infoscale layers`` as a dict (non-finite numbers are None)."""
        out: dict = {"dump": self.source, "dtype": self.dtype, "layers": self.layers, "tokens": self.tokens,
                     "features": self.features, "sequences": self.sequences, "signals": self.signals,
                     "weights": [float(w) for w in self.weights], "min_prominence": float(self.min_prominence),
                     "notes": list(self.notes)}
        out["bootstrap"] = None if self.resamples is None else {
            "resamples": self.resamples, "seed": self.seed, "confidence": 0.95, "max_ci_width": 5.0}
        pairs = []
        for l in range(self.layers):
            p: dict = {"pair": l, "from_layer": l, "to_layer": l + 1, "cka": _number(self.cka[l]),
                       "s1": _number(self.s1[l])}
            if len(self.s2):
                p["s2"] = _number(self.s2[l])
            if len(self.s3):
                p["s3"] = None if l == 0 else _number(self.s3[l])
            p["evidence"] = _number(self.evidence[l])
            pairs.append(p)
        out["pairs"] = pairs
        out["peaks"] = [{"pair": int(i), "prominence": _number(v)} for i, v in self.peaks]
        out["boundaries"] = [b.to_dict() for b in self.boundaries]
        return out

    def to_json(self, indent: Optional[int] = 2) -> str:
        """The ``--json`` output of ``infoscale layers`` (same keys, same order)."""
        return json.dumps(self.to_dict(), indent=indent)

    def __str__(self) -> str:
        return _text(self)


def _number(v: float) -> Optional[float]:
    """JSON has no NaN or infinities: they become null, as in the program's output."""
    v = float(v)
    return v if math.isfinite(v) else None


def _text(r: LayerReport) -> str:
    """The program's text output, line for line (printf formats reproduced with %)."""
    lines = ["dump: %s" % r.source,
             "hidden_states: %s, %d x %d x %d: embeddings + L = %d layers, %d tokens in %d sequence%s" % (
                 r.dtype, r.layers + 1, r.tokens, r.features, r.layers, r.tokens, r.sequences,
                 "" if r.sequences == 1 else "s")]
    if r.attention is not None:
        shape = "[" + " x ".join(str(n) for n in r.attention["shape"]) + "]"
        mask = "padding from attention_mask" if r.attention["mask"] else "no attention_mask (all positions real)"
        lines.append("attentions: %s, %s, %s" % (r.attention["dtype"], shape, mask))
    if r.probes is not None:
        lines.append("labels: %d classes; S2 from %s probes (5-fold out-of-fold macro-F1)" % (
            r.probes["classes"], r.probes["kind"]))
    lines += ["note: %s" % n for n in r.notes]
    lines.append("E(l) = sum of w S(l) / max S over %s, weights %g,%g,%g" % ((r.signals,) + tuple(r.weights)))
    if r.resamples is not None:
        lines.append("bootstrap: %d resamples over sequences, seed %d, 95%% CIs (percentile and BCa)" % (
            r.resamples, r.seed))
    header = "\n%4s %7s %10s %10s" % ("pair", "layers", "CKA", "S1=1/CKA")
    if len(r.s2):
        header += " %10s" % "S2 probe"
    if len(r.s3):
        header += " %10s" % "S3 JS"
    lines.append(header + " %10s" % "E(l)")
    for l in range(r.layers):
        row = "%4d %7s %10.6f %10.6f" % (l, "%d->%d" % (l, l + 1), r.cka[l], r.s1[l])
        if len(r.s2):
            row += " %10.6f" % r.s2[l]
        if len(r.s3):
            row += (" %10s" % "-") if l == 0 else (" %10.6f" % r.s3[l])
        lines.append(row + " %10.6f" % r.evidence[l])
    peaks = "".join(" pair %d (%.4f)" % (i, v) for i, v in r.peaks) or " none"
    lines.append("\npeaks of E with prominence >= %g:%s" % (r.min_prominence, peaks))
    if not r.boundaries:
        lines.append("boundaries: none found")
        return "\n".join(lines) + "\n"
    lines.append("\n%-4s %4s %9s %8s %10s %14s %14s %9s %s" % (
        "", "pair", "new layer", "relative", "prominence", "CI percentile", "CI BCa", "detected",
        "accepted (CI < 5 layers)"))
    degenerate = False
    for b in r.boundaries:
        degenerate = degenerate or (b.ci_bca is not None and b.ci_bca.status == "bca_degenerate_used_percentile")
        rate = "%.1f%%" % (100.0 * b.detection_rate) if math.isfinite(b.detection_rate) else "-"
        accepted = ("yes" if b.accepted else "no") if r.resamples is not None else "- (no CI)"
        lines.append("%-4s %4d %9d %7.1f%% %10.4f %14s %14s %9s %s" % (
            b.name, b.pair, b.pair + 1, 100.0 * b.relative_position, b.prominence,
            _ci_text(b.ci_percentile), _ci_text(b.ci_bca), rate, accepted))
    if degenerate:
        lines.append("* BCa undefined (no spread in the bootstrap or jackknife): percentile interval")
    return "\n".join(lines) + "\n"


def _ci_text(ci: Optional[Interval]) -> str:
    return "none" if ci is None else ci.text()


def dtype_name(array: Any) -> str:
    """The safetensors name of an array's float dtype (numpy or torch): 'F16', 'BF16', 'F32', 'F64'."""
    name = str(getattr(array, "dtype", "")).replace("torch.", "")
    names = {"float16": "F16", "bfloat16": "BF16", "float32": "F32", "float64": "F64"}
    if name not in names:
        raise ValueError(f"unsupported dtype {name!r}; expected float16, bfloat16, float32 or float64")
    return names[name]


def peaks_list(peaks: Sequence[Any]) -> list:
    """(index, prominence) pairs of infoscale.layers.Peak objects."""
    return [(int(p.index), float(p.prominence)) for p in peaks]
