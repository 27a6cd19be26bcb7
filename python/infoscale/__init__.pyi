"""
infoscale: information theory and thermodynamics of language-model outputs.

Row-wise functions take probability rows or logits of shape (rows, categories) (a 1-D array
is one row and gives a float), in float16, bfloat16, float32 or float64, from numpy, torch
(CPU) or any DLPack producer, and read them in place whatever their strides. Results are in
nats unless named otherwise. Invalid input raises infoscale.Error, a ValueError whose message
names the function, the argument and the problem.
"""

from collections.abc import Sequence
from typing import Annotated

import numpy
from numpy.typing import NDArray

from . import (
    entropic as entropic,
    hvib as hvib,
    layers as layers,
    lm as lm,
    manifold as manifold
)


class Error(ValueError):
    pass

def entropy(p: Annotated[NDArray, dict(writable=False)], *, tolerance: float | None = None, policy: str = 'par') -> float | NDArray[numpy.float64]:
    """
    Shannon entropy -sum p log p of each row, in nats.

    Equals ``scipy.stats.entropy(p, axis=-1)`` (0 log 0 = 0).

    Parameters
    ----------
    p : array_like (numpy array, torch CPU tensor, any DLPack producer)
        Probability rows, shape (rows, categories) or (categories,); float16, bfloat16, float32 or
        float64. Read in place whatever the strides (no copy).
    tolerance : float, optional
        How far a row's sum may be from 1. Default: 1e-9 for float64, 1e-4 for narrower dtypes.
    policy : {'par', 'seq'}, default 'par'
        'par' spreads rows over OpenMP threads; 'seq' is the single-threaded reference.

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float for a 1-D input.

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf, negative entries, rows not summing to 1, or an array that is
        not 1-D or 2-D.

    Examples
    --------
    >>> infoscale.entropy(np.array([0.5, 0.5]))  # log 2
    0.6931471805599453
    """

def renyi_entropy(p: Annotated[NDArray, dict(writable=False)], alpha: float, *, tolerance: float | None = None, policy: str = 'par') -> float | NDArray[numpy.float64]:
    """
    Renyi entropy of order alpha of each row, in nats: log(sum p**alpha) / (1 - alpha).

    alpha = 0 gives log |support|, alpha = 1 Shannon's entropy, alpha = inf the min-entropy
    -log max p.

    Parameters
    ----------
    p : array_like
        Probability rows, shape (rows, categories) or (categories,).
    alpha : float
        Order, >= 0 (``float('inf')`` allowed).
    tolerance : float, optional
        How far a row's sum may be from 1. Default: 1e-9 for float64, 1e-4 for narrower dtypes.
    policy : {'par', 'seq'}, default 'par'
        'par' spreads rows over OpenMP threads; 'seq' is the single-threaded reference.

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float for a 1-D input.

    Raises
    ------
    ValueError
        On alpha < 0 or NaN, or invalid probability rows.
    """

def cross_entropy(p: Annotated[NDArray, dict(writable=False)], q: Annotated[NDArray, dict(writable=False)], *, tolerance: float | None = None, policy: str = 'par') -> float | NDArray[numpy.float64]:
    """
    Cross-entropy -sum p log q of each row pair, in nats (+inf where q = 0 < p).

    Parameters
    ----------
    p, q : array_like (numpy array, torch CPU tensor, any DLPack producer)
        Probability rows, shape (rows, categories) or (categories,), of one dtype among float16,
        bfloat16, float32, float64. Read in place whatever the strides.
    tolerance : float, optional
        How far a row's sum may be from 1. Default: 1e-9 for float64, 1e-4 for narrower dtypes.
    policy : {'par', 'seq'}, default 'par'
        'par' spreads rows over OpenMP threads; 'seq' is the single-threaded reference.

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float when both inputs are 1-D.

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf, negative entries, rows not summing to 1, mismatched shapes
        or dtypes, or an array that is not 1-D or 2-D.
    """

def kl_divergence(p: Annotated[NDArray, dict(writable=False)], q: Annotated[NDArray, dict(writable=False)], *, tolerance: float | None = None, policy: str = 'par') -> float | NDArray[numpy.float64]:
    """
    Kullback-Leibler divergence KL(p || q) of each row pair, in nats.

    Equals ``scipy.stats.entropy(p, q, axis=-1)``; +inf where q = 0 < p.

    Parameters
    ----------
    p, q : array_like (numpy array, torch CPU tensor, any DLPack producer)
        Probability rows, shape (rows, categories) or (categories,), of one dtype among float16,
        bfloat16, float32, float64. Read in place whatever the strides.
    tolerance : float, optional
        How far a row's sum may be from 1. Default: 1e-9 for float64, 1e-4 for narrower dtypes.
    policy : {'par', 'seq'}, default 'par'
        'par' spreads rows over OpenMP threads; 'seq' is the single-threaded reference.

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float when both inputs are 1-D.

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf, negative entries, rows not summing to 1, mismatched shapes
        or dtypes, or an array that is not 1-D or 2-D.
    """

def js_divergence(p: Annotated[NDArray, dict(writable=False)], q: Annotated[NDArray, dict(writable=False)], *, tolerance: float | None = None, policy: str = 'par') -> float | NDArray[numpy.float64]:
    """
    Jensen-Shannon divergence of each row pair, in nats, in [0, log 2].

    The square of ``scipy.spatial.distance.jensenshannon(p, q, axis=-1)``; see js_distance.

    Parameters
    ----------
    p, q : array_like (numpy array, torch CPU tensor, any DLPack producer)
        Probability rows, shape (rows, categories) or (categories,), of one dtype among float16,
        bfloat16, float32, float64. Read in place whatever the strides.
    tolerance : float, optional
        How far a row's sum may be from 1. Default: 1e-9 for float64, 1e-4 for narrower dtypes.
    policy : {'par', 'seq'}, default 'par'
        'par' spreads rows over OpenMP threads; 'seq' is the single-threaded reference.

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float when both inputs are 1-D.

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf, negative entries, rows not summing to 1, mismatched shapes
        or dtypes, or an array that is not 1-D or 2-D.
    """

def js_distance(p: Annotated[NDArray, dict(writable=False)], q: Annotated[NDArray, dict(writable=False)], *, tolerance: float | None = None, policy: str = 'par') -> float | NDArray[numpy.float64]:
    """
    Jensen-Shannon distance sqrt(JS divergence) of each row pair (a metric).

    Equals ``scipy.spatial.distance.jensenshannon(p, q, axis=-1)``.

    Parameters
    ----------
    p, q : array_like (numpy array, torch CPU tensor, any DLPack producer)
        Probability rows, shape (rows, categories) or (categories,), of one dtype among float16,
        bfloat16, float32, float64. Read in place whatever the strides.
    tolerance : float, optional
        How far a row's sum may be from 1. Default: 1e-9 for float64, 1e-4 for narrower dtypes.
    policy : {'par', 'seq'}, default 'par'
        'par' spreads rows over OpenMP threads; 'seq' is the single-threaded reference.

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float when both inputs are 1-D.

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf, negative entries, rows not summing to 1, mismatched shapes
        or dtypes, or an array that is not 1-D or 2-D.
    """

def total_variation(p: Annotated[NDArray, dict(writable=False)], q: Annotated[NDArray, dict(writable=False)], *, tolerance: float | None = None, policy: str = 'par') -> float | NDArray[numpy.float64]:
    """
    Total variation distance (1/2) sum |p - q| of each row pair, in [0, 1].

    Parameters
    ----------
    p, q : array_like (numpy array, torch CPU tensor, any DLPack producer)
        Probability rows, shape (rows, categories) or (categories,), of one dtype among float16,
        bfloat16, float32, float64. Read in place whatever the strides.
    tolerance : float, optional
        How far a row's sum may be from 1. Default: 1e-9 for float64, 1e-4 for narrower dtypes.
    policy : {'par', 'seq'}, default 'par'
        'par' spreads rows over OpenMP threads; 'seq' is the single-threaded reference.

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float when both inputs are 1-D.

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf, negative entries, rows not summing to 1, mismatched shapes
        or dtypes, or an array that is not 1-D or 2-D.
    """

def entropy_from_logits(logits: Annotated[NDArray, dict(writable=False)], temperature: float = 1.0, *, policy: str = 'par', precision: str = 'exact') -> float | NDArray[numpy.float64]:
    """
    Entropy of softmax(logits / T) of each row, in nats, without materialising the softmax.

    Parameters
    ----------
    logits : array_like (numpy array, torch CPU tensor, any DLPack producer)
        Unnormalised log-probabilities, shape (rows, vocabulary) or (vocabulary,); float16,
        bfloat16, float32 or float64, read in place whatever the strides. p = softmax(logits / T).
    temperature : float, default 1.0
        T > 0.
    policy : {'par', 'seq'}, default 'par'
        'par' spreads rows over OpenMP threads; 'seq' is the single-threaded reference.
    precision : {'exact', 'fast'}, default 'exact'
        'fast' evaluates exp and per-block sums in float: ~1e-7 relative, about twice as fast.

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float for a 1-D input.

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf logits, T <= 0, an empty axis, or an array that is not 1-D
        or 2-D.
    """

def varentropy_from_logits(logits: Annotated[NDArray, dict(writable=False)], temperature: float = 1.0, *, policy: str = 'par', precision: str = 'exact') -> float | NDArray[numpy.float64]:
    """
    Varentropy Var_p(-log p) of each row of softmax(logits / T): the variance of the surprisal.

    Parameters
    ----------
    logits : array_like (numpy array, torch CPU tensor, any DLPack producer)
        Unnormalised log-probabilities, shape (rows, vocabulary) or (vocabulary,); float16,
        bfloat16, float32 or float64, read in place whatever the strides. p = softmax(logits / T).
    temperature : float, default 1.0
        T > 0.
    policy : {'par', 'seq'}, default 'par'
        'par' spreads rows over OpenMP threads; 'seq' is the single-threaded reference.
    precision : {'exact', 'fast'}, default 'exact'
        'fast' evaluates exp and per-block sums in float: ~1e-7 relative, about twice as fast.

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float for a 1-D input.

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf logits, T <= 0, an empty axis, or an array that is not 1-D
        or 2-D.
    """

def cross_entropy_from_logits(logits: Annotated[NDArray, dict(writable=False)], targets: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)], *, policy: str = 'par') -> float | NDArray[numpy.float64]:
    """
    Per-token loss -log softmax(logits)[row, targets[row]], in nats.

    Parameters
    ----------
    logits : array_like
        Shape (rows, vocabulary) (or (vocabulary,) with one target).
    targets : numpy.ndarray of int64, shape (rows,)
        Observed token ids in [0, vocabulary). Other integer dtypes are converted.
    policy : {'par', 'seq'}, default 'par'

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float for a 1-D input.

    Raises
    ------
    ValueError
        On a target outside the vocabulary, a length mismatch, or NaN/Inf logits.
    """

def kl_divergence_from_logits(logits_a: Annotated[NDArray, dict(writable=False)], logits_b: Annotated[NDArray, dict(writable=False)], *, policy: str = 'par') -> float | NDArray[numpy.float64]:
    """
    KL(softmax(logits_a) || softmax(logits_b)) of each row pair, in nats.

    Parameters
    ----------
    logits_a, logits_b : array_like
        Logits of one shape, (rows, vocabulary) or (vocabulary,), and one dtype.
    policy : {'par', 'seq'}, default 'par'

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float for a 1-D input.

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf logits, T <= 0, an empty axis, or an array that is not 1-D
        or 2-D.
    """

def js_divergence_from_logits(logits_a: Annotated[NDArray, dict(writable=False)], logits_b: Annotated[NDArray, dict(writable=False)], *, policy: str = 'par') -> float | NDArray[numpy.float64]:
    """
    Jensen-Shannon divergence between softmax(logits_a) and softmax(logits_b) of each row pair, in nats.

    Parameters
    ----------
    logits_a, logits_b : array_like
        Logits of one shape, (rows, vocabulary) or (vocabulary,), and one dtype.
    policy : {'par', 'seq'}, default 'par'

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float for a 1-D input.

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf logits, T <= 0, an empty axis, or an array that is not 1-D
        or 2-D.
    """

class Thermodynamics:
    """
    Thermodynamic functions of next-token distributions (energies E_i = -logit_i, k_B = 1, nats).

    Attributes
    ----------
    temperature : float or numpy.ndarray
        T (a float from thermodynamics, the array of temperatures from temperature_scan).
    log_partition : numpy.ndarray
        log Z(T) = logsumexp(logits / T).
    internal_energy : numpy.ndarray
        U(T) = E_p[E] = -sum p_i logit_i.
    free_energy : numpy.ndarray
        F(T) = -T log Z(T).
    entropy : numpy.ndarray
        S(T) = (U - F) / T = -sum p log p.
    heat_capacity : numpy.ndarray
        C(T) = Var_p(E) / T**2.

    Each array has shape (rows,) from thermodynamics ( () for a 1-D input) and
    (temperatures, rows) from temperature_scan ((temperatures,) for a 1-D input).
    """

    @property
    def temperature(self, /) -> float | NDArray[numpy.float64]: ...

    @property
    def log_partition(self) -> NDArray[numpy.float64]: ...

    @property
    def internal_energy(self) -> NDArray[numpy.float64]: ...

    @property
    def free_energy(self) -> NDArray[numpy.float64]: ...

    @property
    def entropy(self) -> NDArray[numpy.float64]: ...

    @property
    def heat_capacity(self) -> NDArray[numpy.float64]: ...

    def as_dict(self) -> dict:
        """The six attributes as a dict (e.g. for pandas.DataFrame)."""

    def __repr__(self) -> str: ...

def thermodynamics(logits: Annotated[NDArray, dict(writable=False)], temperature: float = 1.0, *, policy: str = 'par', precision: str = 'exact') -> Thermodynamics:
    """
    Z, U, F, S and C of every row of softmax(logits / T), in one pass over the logits.

    Parameters
    ----------
    logits : array_like (numpy array, torch CPU tensor, any DLPack producer)
        Shape (rows, vocabulary) or (vocabulary,); float16, bfloat16, float32 or float64, read in
        place whatever the strides.
    temperature : float, default 1.0
        T > 0; T = 1 is the model's own distribution.
    policy : {'par', 'seq'}, default 'par'
    precision : {'exact', 'fast'}, default 'exact'
        'fast' evaluates exp and per-block sums in float: ~1e-7 relative, about twice as fast.

    Returns
    -------
    Thermodynamics
        Arrays of shape (rows,) (0-d for a 1-D input).

    Raises
    ------
    ValueError
        On T <= 0, NaN/Inf logits, an empty axis, or an array that is not 1-D or 2-D.
    """

def temperature_scan(logits: Annotated[NDArray, dict(writable=False)], temperatures: Sequence[float], *, policy: str = 'par', precision: str = 'exact') -> Thermodynamics:
    """
    Thermodynamics at each of several temperatures (a heat-capacity curve, for instance).

    Parameters
    ----------
    logits : array_like
        Shape (rows, vocabulary) or (vocabulary,).
    temperatures : sequence of float
        Non-empty, every T > 0.
    policy : {'par', 'seq'}, default 'par'
    precision : {'exact', 'fast'}, default 'exact'
        'fast' evaluates exp and per-block sums in float: ~1e-7 relative, about twice as fast.

    Returns
    -------
    Thermodynamics
        Arrays of shape (len(temperatures), rows) ((len(temperatures),) for a 1-D input);
        ``temperature`` is the array of temperatures.

    Raises
    ------
    ValueError
        On an empty list, a T <= 0, or invalid logits.
    """

def log_partition(logits: Annotated[NDArray, dict(writable=False)], temperature: float = 1.0, *, policy: str = 'par', precision: str = 'exact') -> float | NDArray[numpy.float64]:
    """
    log Z(T) = logsumexp(logits / T) of each row.

    Parameters
    ----------
    logits : array_like
        Shape (rows, vocabulary) or (vocabulary,).
    temperature : float, default 1.0
        T > 0.
    policy : {'par', 'seq'}, default 'par'
    precision : {'exact', 'fast'}, default 'exact'

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float for a 1-D input.

    Raises
    ------
    ValueError
        On T <= 0 or invalid logits.
    """

def free_energy(logits: Annotated[NDArray, dict(writable=False)], temperature: float = 1.0, *, policy: str = 'par', precision: str = 'exact') -> float | NDArray[numpy.float64]:
    """
    Helmholtz free energy F(T) = -T log Z(T) of each row.

    Parameters
    ----------
    logits : array_like
        Shape (rows, vocabulary) or (vocabulary,).
    temperature : float, default 1.0
        T > 0.
    policy : {'par', 'seq'}, default 'par'
    precision : {'exact', 'fast'}, default 'exact'

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float for a 1-D input.

    Raises
    ------
    ValueError
        On T <= 0 or invalid logits.
    """

def heat_capacity(logits: Annotated[NDArray, dict(writable=False)], temperature: float = 1.0, *, policy: str = 'par', precision: str = 'exact') -> float | NDArray[numpy.float64]:
    """
    Heat capacity C(T) = Var_p(E) / T**2 of each row.

    Parameters
    ----------
    logits : array_like
        Shape (rows, vocabulary) or (vocabulary,).
    temperature : float, default 1.0
        T > 0.
    policy : {'par', 'seq'}, default 'par'
    precision : {'exact', 'fast'}, default 'exact'

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float for a 1-D input.

    Raises
    ------
    ValueError
        On T <= 0 or invalid logits.
    """

def gaussian_kl(m0: float, v0: float, m1: float, v1: float) -> float:
    """
    KL(N(m0, v0) || N(m1, v1)) between one-dimensional Gaussians, in nats.

    Parameters
    ----------
    m0, v0 : float
        Mean and variance (> 0) of the first Gaussian.
    m1, v1 : float
        Mean and variance (> 0) of the second.

    Returns
    -------
    float
        0.5 * (v0/v1 - 1 - log(v0/v1) + (m0 - m1)**2 / v1).

    Raises
    ------
    ValueError
        On a non-finite mean or a variance <= 0.
    """

def gaussian_kl_diagonal(m0: Annotated[NDArray, dict(writable=False)], v0: Annotated[NDArray, dict(writable=False)], m1: Annotated[NDArray, dict(writable=False)], v1: Annotated[NDArray, dict(writable=False)], *, policy: str = 'par') -> float | NDArray[numpy.float64]:
    """
    KL(N(m0, diag v0) || N(m1, diag v1)) of each row, in nats.

    Parameters
    ----------
    m0, v0, m1, v1 : array_like
        Means and variances (not log-variances), all of one shape (rows, dim) or (dim,) and one
        dtype; read in place whatever the strides.
    policy : {'par', 'seq'}, default 'par'

    Returns
    -------
    numpy.ndarray of float64, shape (rows,), or float when all inputs are 1-D.

    Raises
    ------
    ValueError
        On NaN/Inf, a variance <= 0, or mismatched shapes or dtypes.
    """

def gaussian_kl_full(m0: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], s0: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], m1: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], s1: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]) -> float:
    """
    KL(N(m0, s0) || N(m1, s1)) with full covariance matrices, in nats (Cholesky factorisation).

    Parameters
    ----------
    m0 : array_like, shape (dim,)
    s0 : array_like, shape (dim, dim)
        Symmetric positive definite.
    m1 : array_like, shape (dim,)
    s1 : array_like, shape (dim, dim)

    Returns
    -------
    float

    Raises
    ------
    ValueError
        When a covariance is not symmetric positive definite or the shapes disagree.

    Notes
    -----
    Unlike the row-wise functions, the (small) inputs are copied into float64 Eigen matrices.
    """

def claims(inputs: str = 'docs/claims') -> dict:
    """
    The claims ledger of the three papers, as `infoscale claims` writes docs/claims.md.

    Every numbered equation, table and prediction of the entropic-scaling (ES), thermodynamics (TD) and
    multi-scale (MS) papers, recomputed by the library, with a verdict: holds, fails, inconsistent,
    not_testable or convention. The real-model rows read ladder.json, thermo.json and study.json from
    the folder `inputs` (written by infoscale.ladder_study, thermo_study and study); a missing file
    makes its rows not_testable, a corrupt one raises infoscale.Error naming it.

    Returns a dict: rows (list of dicts with paper, place, claim, computed, found, verdict, note),
    counts (verdict -> rows), sources (the files read) and markdown (docs/claims.md's text).
    """

def svg_line_chart(labels: Sequence[str], xs: Sequence[Sequence[float]], ys: Sequence[Sequence[float]], *, title: str, xlabel: str, ylabel: str, step: bool = False, threshold: float | None = None, threshold_label: str = '') -> str:
    """
    An SVG line chart (560 x 360) of series k = (xs[k], ys[k]) named labels[k]; step=True draws
    staircases (CDFs); threshold draws a dashed vertical line labelled threshold_label.
    Non-finite values raise infoscale.Error.
    """

def svg_scatter_panels(titles: Sequence[str], points: Sequence[Sequence[Sequence[float]]], labels: Sequence[Sequence[str]], *, xlabel: str = 'MDS 1', ylabel: str = 'MDS 2') -> str:
    """
    Side-by-side SVG scatter panels (300 x 300 each, equal axis scales): panel k has the title
    titles[k] and the points points[k] ((x, y) pairs) labelled labels[k].
    """

from .pipeline import LayerAnalysis as LayerAnalysis, analyse_dump as analyse_dump, analyse_layers as analyse_layers
from .report import LayerReport as LayerReport
