"""infoscale: information theory and thermodynamics of language-model outputs.

A thin package over the compiled module ``infoscale._core`` (nanobind); see ``help(infoscale)``
and the type stubs. Submodules: ``infoscale.entropic`` (entropic scaling), ``infoscale.layers``
(layer-boundary analysis), ``infoscale.hvib`` (hierarchical variational information bottleneck),
``infoscale.lm`` (Yang's language models: the entropy function, zero points, moduli distances) and
``infoscale.manifold`` (Boltzmann manifolds and the Conjecture 6.4 checker).
``infoscale.thermo_study`` (on demand; torch) runs Yang's quantities on decoders as one report.
``infoscale.ladder_study`` (on demand; torch) measures the entropic-scaling paper's real-model
quantities (cross-entropies, pairwise JS / TV / KL of next-token laws) on the shipped decoders.
``analyse_layers``, ``analyse_dump`` and ``LayerAnalysis`` run the pipeline of the command-line
``infoscale layers`` and return a ``LayerReport``; ``infoscale.hf`` (imported on demand; needs torch
and transformers) collects hidden states, attentions and logits from Hugging Face models;
``infoscale.models`` (on demand, same needs) loads the causal LMs shipped in models/austen/ and the
all-MiniLM-L6-v2 sentence embedder.
"""

import sys as _sys

from . import _core, _guards
from ._core import *  # noqa: F401,F403
from ._core import Error, Thermodynamics, entropic, hvib, layers, lm, manifold  # noqa: F401
from ._core import __doc__ as __doc__  # noqa: F401

# torch views with the negative/conjugate bit are resolved, and in-place functions refuse the
# tensors torch protects (see _guards.py), in every function exported here; _core itself is left
# as it is (its type stubs are generated from it).
_guards.guard_names(globals(), Error)
entropic = _guards.guarded_module(_core.entropic, __name__ + ".entropic", Error)
layers = _guards.guarded_module(_core.layers, __name__ + ".layers", Error)
hvib = _guards.guarded_module(_core.hvib, __name__ + ".hvib", Error)
lm = _guards.guarded_module(_core.lm, __name__ + ".lm", Error)
manifold = _guards.guarded_module(_core.manifold, __name__ + ".manifold", Error)

from .pipeline import LayerAnalysis, analyse_dump, analyse_layers  # noqa: F401
from .report import LayerReport  # noqa: F401

# Make `import infoscale.layers` and `from infoscale.entropic import level` work.
for _name in ("entropic", "layers", "hvib", "lm", "manifold"):
    _sys.modules[__name__ + "." + _name] = globals()[_name]

__version__ = "0.1.0"
