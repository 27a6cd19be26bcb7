"""
Boltzmann manifolds and the checker for Conjecture 6.4 of Yang (arXiv 2407.21092, §6): 'the
entropy function for a LLM is convex on the phase space (R^N)^n'. The checker samples geodesic
segments (midpoint test f(mid) <= (f(a) + f(b))/2) and points with unit directions (central
second difference >= 0), and counts violations beyond `tolerance` (plus the second difference's
rounding). A convex function bounded above on R^d is constant and the entropy is <= log V, so
counterexamples are expected for every non-constant entropy.
"""

from typing import Annotated

import numpy
from numpy.typing import NDArray


class ConvexityExamples:
    """
    Counterexamples of one kind.

    Attributes
    ----------
    a : numpy.ndarray, shape (k, coordinates)
        Midpoint test: one end; Hessian test: the point x.
    b : numpy.ndarray, shape (k, coordinates)
        Midpoint test: the other end; Hessian test: the unit direction v.
    gap : numpy.ndarray, shape (k,)
        By how much the inequality failed (> 0): f(mid) - chord, or -curvature.
    """

    @property
    def a(self) -> NDArray[numpy.float64]: ...

    @property
    def b(self) -> NDArray[numpy.float64]: ...

    @property
    def gap(self) -> NDArray[numpy.float64]: ...

    def __len__(self) -> int: ...

class ConvexityReport:
    """
    Counts, extremes and counterexamples of a convexity check (Yang, arXiv
    2407.21092, Conjecture 6.4).

    Attributes
    ----------
    midpoint_tests, hessian_tests : int
    midpoint_violations, hessian_violations : int
        Against convexity.
    midpoint_concavity_violations, hessian_concavity_violations : int
        Against the reverse (concave) inequalities.
    worst_midpoint_gap : float
        max of f(mid) - (f(a) + f(b))/2 (> 0: convexity fails).
    most_negative_curvature, most_positive_curvature : float
        Extremes of the second differences (0 included).
    midpoint_examples, hessian_examples : ConvexityExamples
    convexity_refuted, concavity_refuted : bool
    """

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
    def worst_midpoint_gap(self) -> float: ...

    @property
    def most_negative_curvature(self) -> float: ...

    @property
    def most_positive_curvature(self) -> float: ...

    @property
    def midpoint_examples(self) -> ConvexityExamples: ...

    @property
    def hessian_examples(self) -> ConvexityExamples: ...

    @property
    def convexity_refuted(self) -> bool: ...

    @property
    def concavity_refuted(self) -> bool: ...

def check_convexity(f: Callable[[NDArray[numpy.float64]], float], dimension: int, *, segments: int = 200, hessian_points: int = 200, scale: float = 2.0, step: float = 0.001, tolerance: float = 1e-07, keep_examples: int = 3, seed: int = 0, stream: int = 0) -> ConvexityReport:
    """
    Searches for violations of the convexity of f on R^dimension, the phase space (R^N)^n of
    Conjecture 6.4 (Yang, arXiv 2407.21092, §6: 'the entropy function for a LLM is convex on the
    phase space').

    Parameters
    ----------
    f : callable(numpy.ndarray) -> float
        Called with a fresh float64 vector of length dimension; returns a finite float. Shift the
        argument inside f to centre the sampled points elsewhere (points are N(0, scale^2 I)).
    dimension : int
        >= 1, chosen at run time (C++ euclidean_space); the draws equal those of the C++
        euclidean<dimension> checker with the same seed.
    segments : int, default 200
        Midpoint tests f(mid(a, b)) <= (f(a) + f(b)) / 2 on sampled geodesic segments (pairs near
        the cut locus are skipped, so fewer may run).
    hessian_points : int, default 200
        Second-difference tests d^2/dt^2 f(exp(x, t v)) >= 0 at sampled points and unit directions.
    scale : float, default 2.0
        > 0: points of R^N factors are N(0, scale^2 I) (ignored by spheres and tori).
    step : float, default 1e-3
        > 0: h of the central second difference.
    tolerance : float, default 1e-7
        >= 0: a test is a violation only beyond this (nats), plus the second difference's rounding
        64 eps (1 + |f(x)|) / h^2.
    keep_examples : int, default 3
        Counterexamples kept per kind.
    seed, stream : int, default 0
        The counter-based draws (infoscale.lm.uniforms' generator): same seed, same report.

    Returns
    -------
    ConvexityReport

    Raises
    ------
    infoscale.Error
        On dimension 0, step or scale <= 0, a negative tolerance, no test asked for, or f returning
        something that is not a finite float (naming 'f'). An exception raised by f propagates.
    """

def check_entropy_convexity(manifold: str, words: int, temperature: float = 1.0, *, segments: int = 200, hessian_points: int = 200, scale: float = 2.0, step: float = 0.001, tolerance: float = 1e-07, keep_examples: int = 3, seed: int = 0, stream: int = 0) -> ConvexityReport:
    """
    Conjecture 6.4 (Yang, arXiv 2407.21092, §6) on a Boltzmann manifold: the convexity of the
    entropy of P(w|x) = softmax(<x, e_w>/T) over `words` random word points e_w of the manifold
    (the proxies of docs/convexity.md and examples/convexity_check.cpp), with the GIL released.

    Parameters
    ----------
    manifold : str
        One of 'R^2', 'R^4', 'R^8', '(R^4)^2' (the phase space with n = 2, N = 4), 'S^2', 'S^3',
        '(S^1)^2', '(S^1)^3', '(S^1)^4', 'R^2 x S^2', 'R^2 x (S^1)^2', 'R^4 x S^3',
        'R^4 x (S^1)^3' (also in ``entropy_manifolds``). R^N pairs by the dot product, S^M by the
        cosine, the torus by sum cos(theta_i - theta'_i); products add the pairings.
    words : int
        >= 2 random word points (drawn from stream + 0x9e3779b97f4a7c15).
    temperature : float
        T > 0.
    segments : int, default 200
        Midpoint tests f(mid(a, b)) <= (f(a) + f(b)) / 2 on sampled geodesic segments (pairs near
        the cut locus are skipped, so fewer may run).
    hessian_points : int, default 200
        Second-difference tests d^2/dt^2 f(exp(x, t v)) >= 0 at sampled points and unit directions.
    scale : float, default 2.0
        > 0: points of R^N factors are N(0, scale^2 I) (ignored by spheres and tori).
    step : float, default 1e-3
        > 0: h of the central second difference.
    tolerance : float, default 1e-7
        >= 0: a test is a violation only beyond this (nats), plus the second difference's rounding
        64 eps (1 + |f(x)|) / h^2.
    keep_examples : int, default 3
        Counterexamples kept per kind.
    seed, stream : int, default 0
        The counter-based draws (infoscale.lm.uniforms' generator): same seed, same report.

    Returns
    -------
    ConvexityReport
        Points in the manifold's coordinates (R^{M+1} for S^M, angles for tori).
    """

def classical_mds(distances: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], dimensions: int = 2) -> Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]:
    """
    Classical (Torgerson) MDS: (n, dimensions) coordinates whose distances approximate the (n, n)
    distance matrix (finite, >= 0, symmetric, zero diagonal): the top eigenvectors of
    -1/2 J (D*D) J scaled by the square roots of their eigenvalues (clipped at 0), each axis'
    sign fixed so that its largest-magnitude coordinate is positive.
    """

entropy_manifolds: tuple = ...
