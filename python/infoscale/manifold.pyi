"""
Boltzmann manifolds and the checker for Conjecture 6.4 of Yang (arXiv 2407.21092): 'the entropy
function for a LLM is convex on the phase space (R^N)^n'. The checker samples geodesic segments
(midpoint test f(mid) <= (f(a) + f(b))/2) and points with unit directions (central second
difference >= 0), and counts violations beyond `tolerance` (plus the second difference's rounding).
"""

from collections.abc import Callable
from typing import Annotated

import numpy
from numpy.typing import NDArray


class ConvexityReport:
    """Counts, extremes and counterexamples of a convexity check."""

    @property
    def midpoint_tests(self) -> int: ...

    @property
    def hessian_tests(self) -> int: ...

    @property
    def midpoint_violations(self) -> int: ...

    @property
    def hessian_violations(self) -> int: ...

    @property
    def midpoint_concavity_violations(self) -> int: ...

    @property
    def hessian_concavity_violations(self) -> int: ...

    @property
    def worst_midpoint_gap(self) -> float:
        """max of f(mid) - (f(a) + f(b))/2"""

    @property
    def most_negative_curvature(self) -> float: ...

    @property
    def most_positive_curvature(self) -> float: ...

    @property
    def midpoint_examples(self) -> list[tuple[Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], float]]:
        """[(a, b, gap)]"""

    @property
    def hessian_examples(self) -> list[tuple[Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], float]]:
        """[(x, unit direction, -curvature)]"""

    @property
    def convexity_refuted(self) -> bool: ...

    @property
    def concavity_refuted(self) -> bool: ...

def check_convexity(f: Callable, dimension: int, segments: int = 200, hessian_points: int = 200, scale: float = 2.0, step: float = 0.001, tolerance: float = 1e-07, keep_examples: int = 3, seed: int = 0, stream: int = 0) -> ConvexityReport:
    """
    Geodesic convexity of f: R^dimension -> R (a Python callable on float64 vectors) at points
    N(0, scale^2 I) (shift inside f to centre elsewhere), straight segments, step h of the second
    difference. The draws are those of the C++ euclidean<dimension> checker with the same seed.
    """

def check_entropy_convexity(manifold: str, words: int, temperature: float, segments: int = 200, hessian_points: int = 200, scale: float = 2.0, step: float = 0.001, tolerance: float = 1e-07, keep_examples: int = 3, seed: int = 0, stream: int = 0) -> ConvexityReport:
    """
    The proxies of docs/convexity.md: the entropy of P(w|x) = softmax(<x, e_w>/T) over `words` random
    word points of the manifold, checked by the same tests.
    """
