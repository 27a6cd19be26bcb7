"""infoscale: information theory and thermodynamics of language-model outputs.

A thin package over the compiled module ``infoscale._core`` (nanobind); see ``help(infoscale)``
and the type stubs in ``_core.pyi``. ``infoscale.entropic`` holds the entropic-scaling formulas.
"""

import sys as _sys

from ._core import *  # noqa: F401,F403
from ._core import Error, Thermodynamics, entropic  # noqa: F401
from ._core import __doc__ as __doc__  # noqa: F401

# Make `import infoscale.entropic` and `from infoscale.entropic import level` work.
_sys.modules[__name__ + ".entropic"] = entropic

__version__ = "0.1.0"
