"""infoscale: information theory and thermodynamics of language-model outputs.

A thin package over the compiled module ``infoscale._core`` (nanobind); see ``help(infoscale)``
and the type stubs. Submodules: ``infoscale.entropic`` (entropic scaling), ``infoscale.layers``
(layer-boundary analysis), ``infoscale.hvib`` (hierarchical variational information bottleneck).
``analyse_layers``, ``analyse_dump`` and ``LayerAnalysis`` run the pipeline of the command-line
``infoscale layers`` and return a ``LayerReport``; ``infoscale.hf`` (imported on demand; needs torch
and transformers) collects hidden states, attentions and logits from Hugging Face models.
"""

import sys as _sys

from . import _core, _guards

# Before the names are copied below: torch's negative/conjugate views are resolved, and protected
# tensors refused by in-place functions (see _guards.py), for every function of the module.
for _module in (_core, _core.entropic, _core.layers, _core.hvib):
    _guards.install(_module, _core.Error)

from ._core import *  # noqa: F401,F403,E402
from ._core import Error, Thermodynamics, entropic, hvib, layers  # noqa: F401,E402
from ._core import __doc__ as __doc__  # noqa: F401,E402
from .pipeline import LayerAnalysis, analyse_dump, analyse_layers  # noqa: F401
from .report import LayerReport  # noqa: F401

# Make `import infoscale.layers` and `from infoscale.entropic import level` work.
for _name in ("entropic", "layers", "hvib"):
    _sys.modules[__name__ + "." + _name] = globals()[_name]

__version__ = "0.1.0"
