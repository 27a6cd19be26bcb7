"""The layer-boundary report of ``infoscale layers``, as a Python object.

:class:`LayerReport` is the library's own report struct (``include/infoscale/layers/layer_report.hpp``)
bound by nanobind: linear CKA between adjacent layers, S1 = 1/CKA, the probe jumps S2 and the
attention drift S3 when available, the fused evidence E(l) (MS eq. (6)), the peaks of E and up to
two boundaries (L-I, I-G) with percentile and BCa bootstrap intervals over sequences.
``str(report)`` is the program's text output and ``report.to_json()`` its ``--json`` output, byte
for byte: both are printed by the one C++ formatter (``layers/report_format.hpp``).

Layer numbering (as the program's): hidden state 0 is the embedding output and hidden state l the
output of layer l = 1..L. Pair l (0..L-1) is the change from hidden state l to l+1; a boundary at
pair l starts the new regime at layer l+1, relative position (l+1)/L. S3 of pair 0 does not exist
(nothing attends before layer 1) and enters E(0) as 0.
"""

from __future__ import annotations

from typing import Any

from . import _core

LayerReport = _core.layers.LayerReport
BoundaryEstimate = _core.layers.BoundaryEstimate
ConfidenceInterval = _core.layers.ConfidenceInterval


def dtype_name(array: Any) -> str:
    """The safetensors name of an array's float dtype (numpy or torch): 'F16', 'BF16', 'F32', 'F64'."""
    name = str(getattr(array, "dtype", "")).replace("torch.", "")
    names = {"float16": "F16", "bfloat16": "BF16", "float32": "F32", "float64": "F64"}
    if name not in names:
        raise ValueError(f"unsupported dtype {name!r}; expected float16, bfloat16, float32 or float64")
    return names[name]
