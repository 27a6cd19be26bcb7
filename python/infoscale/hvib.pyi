"""
Hierarchical variational information bottleneck (mspgt-hvib §3.2, App. A): the G/I/L chain
of Gaussians in closed form and by Monte Carlo, the ELBO and its per-scale KL terms, the
beta-weighted objective, the variational information bound, Blahut-Arimoto and the
information bottleneck, the multiplier-entropy law, MI-slope kinks, Fisher sensitivity, and
Gaussian / KSG / binning mutual-information estimators. Everything is in nats. (The row-wise
Gaussian KLs are infoscale.gaussian_kl, gaussian_kl_diagonal and gaussian_kl_full.)
"""

from collections.abc import Sequence
from typing import Annotated, overload

import numpy
from numpy.typing import NDArray


class Gaussian:
    """
    N(mean, covariance), validated on construction (finite, symmetric positive definite).

    Parameters
    ----------
    mean : array_like, shape (k,)
    covariance : array_like, shape (k, k)
        Copied into float64.

    Raises
    ------
    ValueError
        On NaN/Inf, a non-symmetric or non-positive-definite covariance, or a length mismatch.
    """

    def __init__(self, mean: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], covariance: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]) -> None: ...

    @property
    def mean(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]: ...

    @property
    def covariance(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]: ...

    @property
    def cholesky(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]:
        """Lower Cholesky factor L, covariance = L L^T."""

    @property
    def dimension(self) -> int: ...

    def log_determinant(self) -> float:
        """ln det covariance."""

    def log_density(self, x: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]) -> float:
        """log N(x; mean, covariance)."""

    def entropy(self) -> float:
        """Differential entropy 1/2 ln det(2 pi e covariance), nats."""

    def sample(self, seed: int, stream: int = 0, first_index: int = 0) -> Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]:
        """
        The reparameterised draw mean + L eps, eps_k = normal draw first_index + k of the
        counter-based stream (seed, stream).
        """

def kl_divergence(a: Gaussian, b: Gaussian) -> float:
    """
    KL(a || b) between two Gaussians of one dimension, nats.

    Returns
    -------
    float
    """

class LinearGaussianConditional:
    """
    z | u ~ N(weight u + offset, covariance): a linear-Gaussian conditional, for which every H-VIB
    term has a closed form.

    Parameters
    ----------
    weight : array_like, shape (k, parent_dimension)
    offset : array_like, shape (k,)
    covariance : array_like, shape (k, k)
        Symmetric positive definite.
    """

    def __init__(self, weight: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], offset: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], covariance: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]) -> None: ...

    @property
    def weight(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]: ...

    @property
    def offset(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]: ...

    @property
    def covariance(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]: ...

    @property
    def cholesky(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]: ...

    @property
    def dimension(self) -> int: ...

    @property
    def parent_dimension(self) -> int: ...

    def at(self, parent: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]) -> Gaussian:
        """The Gaussian law given the parent vector."""

    def log_density(self, x: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], parent: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]) -> float:
        """log p(x | parent)."""

class ScaleWeights:
    """
    Per-scale weights beta_G, beta_I, beta_L of the H-VIB objective, eq. (18).
    """

    def __init__(self, g: float = 1.0, i: float = 1.0, l: float = 1.0) -> None: ...

    @property
    def g(self) -> float: ...

    @g.setter
    def g(self, arg: float, /) -> None: ...

    @property
    def i(self) -> float: ...

    @i.setter
    def i(self, arg: float, /) -> None: ...

    @property
    def l(self) -> float: ...

    @l.setter
    def l(self, arg: float, /) -> None: ...

class KLChain:
    """KL_G, KL_I, KL_L of mspgt-hvib eqs. (14)-(16), nats."""

    def __init__(self, g: float = 0.0, i: float = 0.0, l: float = 0.0) -> None: ...

    @property
    def g(self) -> float: ...

    @g.setter
    def g(self, arg: float, /) -> None: ...

    @property
    def i(self) -> float: ...

    @i.setter
    def i(self, arg: float, /) -> None: ...

    @property
    def l(self) -> float: ...

    @l.setter
    def l(self, arg: float, /) -> None: ...

    def total(self) -> float:
        """KL_G + KL_I + KL_L."""

class HVIBTerms:
    """
    The reconstruction term E_q[log p(X|G,I,L)] and the KL chain, eq. (17).
    """

    def __init__(self, reconstruction: float = 0.0, kl: KLChain = ...) -> None: ...

    @property
    def reconstruction(self) -> float: ...

    @reconstruction.setter
    def reconstruction(self, arg: float, /) -> None: ...

    @property
    def kl(self) -> KLChain: ...

    @kl.setter
    def kl(self, arg: KLChain, /) -> None: ...

    def elbo(self) -> float:
        """
        The hierarchical ELBO: reconstruction - (KL_G + KL_I + KL_L), eq. (17).
        """

def hvib_objective(terms: HVIBTerms, beta: ScaleWeights) -> float:
    """
    H-VIB objective E_q[log p(X|G,I,L)] - sum_s beta_s KL_s, eq. (18); the ELBO at beta = (1, 1, 1).

    Raises
    ------
    ValueError
        When a beta is negative or not finite.
    """

class LinearGaussianModel:
    """
    The generative side of the chain at a fixed context C, mspgt-hvib eq. (9):
    p(G|C) p(I|G) p(L|I) p(X|G,I,L).

    Parameters
    ----------
    g : Gaussian
        p(G | C).
    i_given_g : LinearGaussianConditional
        p(I | G), parent G.
    l_given_i : LinearGaussianConditional
        p(L | I), parent I.
    x_given_gil : LinearGaussianConditional
        p(X | G, I, L), parent [G; I; L].
    """

    def __init__(self, g: Gaussian, i_given_g: LinearGaussianConditional, l_given_i: LinearGaussianConditional, x_given_gil: LinearGaussianConditional) -> None: ...

    @property
    def g(self) -> Gaussian: ...

    @property
    def i_given_g(self) -> LinearGaussianConditional: ...

    @property
    def l_given_i(self) -> LinearGaussianConditional: ...

    @property
    def x_given_gil(self) -> LinearGaussianConditional: ...

class LinearGaussianPosterior:
    """
    The variational posterior at fixed (C, X), mspgt-hvib eq. (10): q(G) q(I|G) q(L|G,I).

    Parameters
    ----------
    g : Gaussian
        q(G | C, X).
    i_given_g : LinearGaussianConditional
        q(I | G, C, X), parent G.
    l_given_gi : LinearGaussianConditional
        q(L | I, G, C, X), parent [G; I].
    """

    def __init__(self, g: Gaussian, i_given_g: LinearGaussianConditional, l_given_gi: LinearGaussianConditional) -> None: ...

    @property
    def g(self) -> Gaussian: ...

    @property
    def i_given_g(self) -> LinearGaussianConditional: ...

    @property
    def l_given_gi(self) -> LinearGaussianConditional: ...

@overload
def joint_distribution(model: LinearGaussianModel) -> tuple[Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]]:
    """
    The joint Gaussian of (G, I, L, X) under the generative model, as (mean, covariance).
    """

@overload
def joint_distribution(posterior: LinearGaussianPosterior) -> tuple[Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]]:
    """
    The joint Gaussian of (G, I, L) under the posterior, as (mean, covariance).
    """

def log_evidence(model: LinearGaussianModel, x: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]) -> float:
    """log p(X | C), the marginal likelihood the ELBO bounds, eqs. (11)-(12)."""

def exact_posterior(model: LinearGaussianModel, x: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]) -> LinearGaussianPosterior:
    """
    The exact posterior p(G, I, L | X, C), factorised along the chain (10); with it the ELBO equals
    log p(X|C).
    """

def kl_terms(model: LinearGaussianModel, posterior: LinearGaussianPosterior) -> KLChain:
    """
    KL_G, KL_I, KL_L in closed form, eqs. (14)-(16).

    Returns
    -------
    KLChain
    """

def reconstruction(model: LinearGaussianModel, posterior: LinearGaussianPosterior, x: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]) -> float:
    """
    E_q[log p(X|G,I,L)] in closed form: log N(x; A m + b, S) - 1/2 tr(S^-1 A Cov_q A^T).
    """

def elbo_terms(model: LinearGaussianModel, posterior: LinearGaussianPosterior, x: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]) -> HVIBTerms:
    """
    All ELBO terms in closed form, eq. (17).

    Returns
    -------
    HVIBTerms
    """

def joint_kl(model: LinearGaussianModel, posterior: LinearGaussianPosterior) -> float:
    """
    KL(q(G,I,L) || p(G,I,L|C)) between the joints, which the chain splits into KL_G + KL_I + KL_L.
    """

def posterior_gap(model: LinearGaussianModel, posterior: LinearGaussianPosterior, x: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]) -> float:
    """KL(q(G,I,L) || p(G,I,L|X,C)) = log p(X|C) - ELBO."""

class HVIBEstimate:
    """A Monte Carlo estimate of the ELBO terms with standard errors."""

    @property
    def value(self) -> HVIBTerms: ...

    @property
    def standard_error(self) -> HVIBTerms: ...

    @property
    def samples(self) -> int: ...

def monte_carlo_elbo_terms(model: LinearGaussianModel, posterior: LinearGaussianPosterior, x: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], samples: int, seed: int = 0, stream: int = 0) -> HVIBEstimate:
    """
    ELBO terms by Monte Carlo with reparameterised draws (inner Gaussian KLs in closed form); a
    pure function of (seed, stream, samples). Converges to elbo_terms.

    Returns
    -------
    HVIBEstimate
    """

def encoder_marginal(encoder: LinearGaussianConditional, input: Gaussian) -> Gaussian:
    """
    The encoder's marginal q(z) = N(A m + b, A S A^T + Sigma) for x ~ N(m, S).
    """

def gaussian_channel_information(encoder: LinearGaussianConditional, input: Gaussian) -> float:
    """
    I(X; Z) of the Gaussian channel Z = A X + b + N: 1/2 [ln det(A S A^T + Sigma) - ln det Sigma].
    """

def variational_information_bound(encoder: LinearGaussianConditional, input: Gaussian, prior: Gaussian) -> float:
    """
    The variational rate E_x KL(q(z|x) || r(z)) >= I(X; Z), eq. (19), in closed form; the gap is
    KL(q(z) || r(z)).
    """

def compose(second: LinearGaussianConditional, first: LinearGaussianConditional) -> LinearGaussianConditional:
    """
    The noisy linear layer x -> second(first(x)).

    Returns
    -------
    LinearGaussianConditional
    """

def layer_information(layers: Sequence[LinearGaussianConditional], input: Gaussian) -> NDArray[numpy.float64]:
    """
    I(X; h_l) for every layer of X -> h_1 -> ... -> h_L (noisy linear layers); non-increasing by the
    data-processing inequality, eq. (25).

    Returns
    -------
    numpy.ndarray of float64
    """

def rate_upper_bound(means: Annotated[NDArray, dict(writable=False)], variances: Annotated[NDArray, dict(writable=False)], prior_means: Annotated[NDArray, dict(writable=False)], prior_variances: Annotated[NDArray, dict(writable=False)], *, policy: str = 'par') -> float:
    """
    The sample VIB rate (1/n) sum_i KL(N(m_i, diag v_i) || N(r_m, diag r_v)) over an encoder's
    output rows: an unbiased estimate of the bound (19).

    Parameters
    ----------
    means, variances : array_like, shape (rows, dim)
    prior_means, prior_variances : array_like, shape (rows, dim), (1, dim) or (dim,)
        A single prior row is broadcast.
    policy : {'par', 'seq'}, default 'par'
        'par' spreads the work over OpenMP threads; 'seq' is the single-threaded reference.

    Returns
    -------
    float
    """

class RateDistortionPoint:
    """One point of a rate-distortion curve."""

    @property
    def beta(self) -> float:
        """The Lagrange multiplier: dR/dD = -beta here."""

    @property
    def rate(self) -> float:
        """I(X; Xhat), nats."""

    @property
    def distortion(self) -> float:
        """E d(X, Xhat)."""

    @property
    def reproduction(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]:
        """q(xhat)."""

    @property
    def channel(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]:
        """q(xhat | x), one row per x."""

    @property
    def iterations(self) -> int: ...

    @property
    def converged(self) -> bool: ...

def blahut_arimoto(p_x: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], distortion: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], beta: float, *, max_iterations: int = 20000, tolerance: float = 1e-12) -> RateDistortionPoint:
    """
    Blahut-Arimoto at slope beta: minimises I(X; Xhat) + beta E d(X, Xhat) over q(xhat | x).

    beta is the Lagrange multiplier of the distortion constraint: dR/dD = -beta at the point
    found. Stops when Blahut's bound max log c(xhat) on the rate's distance from R(D) falls
    below the tolerance.

    Parameters
    ----------
    p_x : array_like, shape (n,)
        Source distribution (sums to 1).
    distortion : array_like, shape (n, m)
        d(x, xhat), finite.
    beta : float
        >= 0.
    max_iterations : int, default 20000
    tolerance : float, default 1e-12
        Convergence threshold (see each solver's notes).

    Returns
    -------
    RateDistortionPoint
    """

def rate_distortion_curve(p_x: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], distortion: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], betas: Sequence[float], *, max_iterations: int = 20000, tolerance: float = 1e-12) -> list[RateDistortionPoint]:
    """
    The rate-distortion curve at the given slopes, one Blahut-Arimoto solve per beta.

    Returns
    -------
    list of RateDistortionPoint
    """

class ChannelCapacity:
    """Capacity of a discrete memoryless channel and its optimal input."""

    @property
    def capacity(self) -> float:
        """I(X; Y) at the returned input, nats (<= lower_bound <= C)."""

    @property
    def lower_bound(self) -> float:
        """Blahut's I_L at the last iterate (<= C)."""

    @property
    def upper_bound(self) -> float:
        """Blahut's I_U = max_x KL(W(.|x) || q) at the last iterate (>= C)."""

    @property
    def input(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]:
        """The capacity-achieving p(x)."""

    @property
    def output(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]:
        """q(y) = sum_x p(x) W(y | x)."""

    @property
    def iterations(self) -> int: ...

    @property
    def converged(self) -> bool:
        """upper_bound - lower_bound < tolerance."""

def channel_capacity(channel: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], *, max_iterations: int = 20000, tolerance: float = 1e-12) -> ChannelCapacity:
    """
    Capacity C = max_p I(X; Y) of a discrete memoryless channel by Blahut-Arimoto, nats.

    Stops when Blahut's bounds I_L <= C <= I_U are closer than the tolerance.

    Parameters
    ----------
    channel : array_like, shape (nx, ny)
        Row x is W(. | x): finite, >= 0, summing to 1.
    max_iterations : int, default 20000
    tolerance : float, default 1e-12

    Returns
    -------
    ChannelCapacity

    Raises
    ------
    ValueError
        On an empty channel, a NaN or negative entry, or a row not summing to 1.
    """

class ConditionalRateDistortionPoint:
    """A point of the conditional rate-distortion function R_{X|Y}(D)."""

    @property
    def beta(self) -> float: ...

    @property
    def rate(self) -> float:
        """I(X; Xhat | Y)."""

    @property
    def distortion(self) -> float: ...

    @property
    def conditional_entropy(self) -> float:
        """H(X | Y)."""

def conditional_blahut_arimoto(joint: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], distortion: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], beta: float, *, max_iterations: int = 20000, tolerance: float = 1e-12) -> ConditionalRateDistortionPoint:
    """
    R_{X|Y}(D) at slope beta with the parent Y known to both sides: the p(y)-average of per-y
    Blahut-Arimoto points.

    Parameters
    ----------
    joint : array_like, shape (ny, nx)
        p(y, x): rows are the parent Y = Z_<s.
    distortion : array_like, shape (nx, m)
    beta : float

    Returns
    -------
    ConditionalRateDistortionPoint
    """

def multiplier_at_rate(joint: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], distortion: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], target_rate: float, *, max_iterations: int = 20000, tolerance: float = 1e-12) -> float:
    """
    The multiplier beta* at which R_{X|Y} reaches target_rate in (0, H(X|Y)) (bisection in log beta).
    """

def multiplier_at_distortion(joint: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], distortion: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], target_distortion: float, *, max_iterations: int = 20000, tolerance: float = 1e-12) -> float:
    """
    The multiplier beta* at which E d reaches target_distortion in (0, D_max).
    """

class MultiplierEntropyRow:
    """One source in the check of eq. (23)."""

    @property
    def conditional_entropy(self) -> float:
        """H(Z_s | Z_<s)."""

    @property
    def multiplier(self) -> float:
        """beta*."""

    @property
    def product(self) -> float:
        """beta* H."""

class MultiplierEntropyReport:
    """The verdict on beta* ~ 1 / H(Z_s | Z_<s), mspgt-hvib eq. (23)."""

    @property
    def rows(self) -> list[MultiplierEntropyRow]: ...

    @property
    def coefficient_of_variation(self) -> float:
        """Of beta* H (population sd / mean)."""

    @property
    def proportional(self) -> bool:
        """coefficient_of_variation <= tolerance."""

    @property
    def decreasing(self) -> bool:
        """beta* strictly decreases as H grows."""

def multiplier_entropy_law(joints: Sequence[Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]], distortion: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], kind: str, value: float, tolerance: float = 0.1, *, max_iterations: int = 20000, solver_tolerance: float = 1e-12) -> MultiplierEntropyReport:
    """
    Evaluates beta* ~ 1/H(Z_s|Z_<s), eq. (23), over sources p(z_<s, z_s) sharing one distortion
    matrix, each at the same rate fraction R/H = value (kind='rate_fraction') or the same
    distortion (kind='distortion').

    Returns
    -------
    MultiplierEntropyReport
    """

class BottleneckPoint:
    """One point of the information-bottleneck curve."""

    @property
    def beta(self) -> float: ...

    @property
    def information_xt(self) -> float:
        """I(X; T), the compression term."""

    @property
    def information_ty(self) -> float:
        """I(T; Y), the relevance term."""

    @property
    def encoder(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]:
        """q(t | x)."""

    @property
    def iterations(self) -> int: ...

    @property
    def converged(self) -> bool: ...

def information_bottleneck(p_xy: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], beta: float, encoder: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], *, max_iterations: int = 20000, tolerance: float = 1e-12) -> BottleneckPoint:
    """
    The iterative information bottleneck at one beta (Tishby, Pereira and Bialek 2000):
    q(t|x) proportional to q(t) exp(-beta KL(p(y|x) || q(y|t))), from an initial encoder, until the
    encoder changes by less than the tolerance (max abs).

    Parameters
    ----------
    p_xy : array_like, shape (nx, ny)
        Joint distribution (sums to 1).
    beta : float
        >= 0; the multiplier of I(T; Y) in min I(X;T) - beta I(T;Y).
    encoder : array_like, shape (nx, clusters)
        Initial q(t|x), rows summing to 1.
    max_iterations : int, default 20000
    tolerance : float, default 1e-12
        Convergence threshold (see each solver's notes).

    Returns
    -------
    BottleneckPoint
    """

def information_bottleneck_curve(p_xy: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], betas: Sequence[float], clusters: int, seed: int = 0, stream: int = 0, *, max_iterations: int = 20000, tolerance: float = 1e-12) -> list[BottleneckPoint]:
    """
    The IB curve over strictly increasing betas by deterministic annealing: each solve starts from
    the previous encoder perturbed by 1e-3 relative noise (seeded), the first from a random one.

    Returns
    -------
    list of BottleneckPoint
    """

class SegmentedFit:
    """The best continuous piecewise-linear fit with K kinks."""

    @property
    def breakpoints(self) -> list[float]:
        """tau_k, in layer units, increasing."""

    @property
    def slopes(self) -> list[float]:
        """Slope of each of the K + 1 segments."""

    @property
    def slope_jumps(self) -> list[float]:
        """c_k = slope after - slope before tau_k."""

    @property
    def rss(self) -> float: ...

    @property
    def criterion(self) -> float:
        """BIC or AIC."""

    @property
    def fitted(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]: ...

class KinkReport:
    """What mi_slope_kinks found."""

    @property
    def best(self) -> SegmentedFit:
        """The fit the criterion chose."""

    @property
    def by_kinks(self) -> list[SegmentedFit]:
        """Best fit for K = 0 .. max_kinks."""

    @property
    def lower(self) -> list[float]:
        """CI lower end per breakpoint of `best`."""

    @property
    def upper(self) -> list[float]:
        """CI upper end per breakpoint of `best`."""

def mi_slope_kinks(information: Sequence[float], *, max_kinks: int = 2, min_segment: int = 3, criterion: str = 'bic', bootstrap: int = 200, confidence: float = 0.95, seed: int = 0, positions: Sequence[float] | None = None) -> KinkReport:
    """
    Slope discontinuities of a per-layer information profile I(X; h_l), mspgt-hvib eqs. (27)-(28).

    Continuous segmented (hinge) regression I_l = a + b l + sum_k c_k (l - tau_k)_+ with the
    breakpoints searched exhaustively on the layer grid, the number of kinks chosen by BIC or AIC,
    and a seeded residual bootstrap for percentile CIs of each breakpoint.

    Parameters
    ----------
    information : sequence of float
        One value per layer, at least 2 * min_segment.
    max_kinks : int, default 2
    min_segment : int, default 3
        Points per segment, breakpoints included (>= 2).
    criterion : {'bic', 'aic'}, default 'bic'
    bootstrap : int, default 200
        Residual-bootstrap resamples (0: no CI).
    confidence : float, default 0.95
    seed : int, default 0
    positions : sequence of float, optional
        Layer positions (strictly increasing); default 0, 1, 2, ...

    Returns
    -------
    KinkReport
    """

class SoftmaxReadout:
    """
    p(y | h) = softmax(W2 tanh(W1 h + b1) + b2), or softmax(W h + b) when built by
    SoftmaxReadout.linear.

    Parameters
    ----------
    w1 : array_like, shape (hidden, dim)
    b1 : array_like, shape (hidden,)
    w2 : array_like, shape (classes, hidden)
        classes >= 2.
    b2 : array_like, shape (classes,)
    """

    def __init__(self, w1: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], b1: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], w2: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], b2: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]) -> None: ...

    @staticmethod
    def linear(w: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], b: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]) -> SoftmaxReadout:
        """
        A linear readout softmax(W h + b) (then the Hessian equals the Fisher for every label).
        """

    @property
    def input_dimension(self) -> int: ...

    @property
    def classes(self) -> int: ...

    def probabilities(self, h: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]) -> Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]:
        """p(. | h)."""

    def loss(self, h: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], y: int) -> float:
        """J(h) = -log p(y | h)."""

    def jacobian(self, h: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]) -> Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]:
        """d logits / d h."""

    def score(self, h: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], y: int) -> Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]:
        """grad_h log p(y | h)."""

    def model_fisher_trace(self, h: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')]) -> float:
        """
        Model Fisher tr F(h) = E_{y ~ p(.|h)} |grad_h log p(y|h)|^2, the F of MS eq. (30).
        """

    def empirical_fisher_trace(self, h: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], y: int) -> float:
        """Empirical Fisher at the observed label, |grad_h log p(y|h)|^2."""

    def hessian_trace(self, h: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], y: int) -> float:
        """tr of the Hessian of -log p(y | h) in h at the given label."""

def finite_difference_hessian_trace(readout: SoftmaxReadout, h: Annotated[NDArray[numpy.float64], dict(shape=(None,), order='C')], y: int, step: float = 0.0001) -> float:
    """
    Central second differences of the loss: tr H with no analytic derivative, O(step^2).
    """

class FisherSensitivity:
    """Predicted slopes dJ/d(sigma^2) at sigma = 0, averaged over data."""

    @property
    def model_fisher_slope(self) -> float:
        """1/2 mean tr F (model Fisher): MS eq. (30) as the paper states it."""

    @property
    def empirical_fisher_slope(self) -> float:
        """
        1/2 mean |grad_h log p(y_obs|h)|^2 (empirical Fisher at the observed labels).
        """

    @property
    def hessian_slope(self) -> float:
        """1/2 mean tr H at the observed labels: the true slope on data."""

def fisher_sensitivity(readout: SoftmaxReadout, activations: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], labels: Sequence[int]) -> FisherSensitivity:
    """
    1/2 mean tr F (model Fisher), 1/2 mean empirical Fisher and 1/2 mean tr H over rows of
    activations: MS eq. (30) and its two real-data readings.

    Parameters
    ----------
    readout : SoftmaxReadout
    activations : array_like, shape (samples, dim)
    labels : sequence of int

    Returns
    -------
    FisherSensitivity
    """

class NoiseResponse:
    """Measured loss increase under activation noise, eq. (29)."""

    @property
    def sigma(self) -> float: ...

    @property
    def loss_increase(self) -> float: ...

    @property
    def standard_error(self) -> float: ...

def measured_noise_response(readout: SoftmaxReadout, activations: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], labels: Sequence[int], sigma: float, draws: int, seed: int = 0, stream: int = 0) -> NoiseResponse:
    """
    E[J(h + sigma eps)] - J(h) by Monte Carlo with `draws` antithetic pairs per sample (common random
    numbers across sigma).

    Returns
    -------
    NoiseResponse
    """

def gaussian_mutual_information(x: Annotated[NDArray, dict(writable=False)], y: Annotated[NDArray, dict(writable=False)]) -> float:
    """
    I(X; Y) under a Gaussian fitted to the samples: 1/2 [ln det S_xx + ln det S_yy - ln det S], nats.

    Sees only linear dependence; needs samples > dx + dy (else the covariance is singular).

    Parameters
    ----------
    x, y : array_like, shape (samples, dx) and (samples, dy), or (samples,)
        Paired samples (rows), one dtype among float16, bfloat16, float32, float64; read in place.

    Returns
    -------
    float
    """

def ksg_mutual_information(x: Annotated[NDArray, dict(writable=False)], y: Annotated[NDArray, dict(writable=False)], *, k: int = 3, standardize: bool = True, jitter: float = 1e-10, seed: int = 0, policy: str = 'par') -> float:
    """
    Kraskov-Stoegbauer-Grassberger (algorithm 1) estimate of I(X; Y), nats, with scikit-learn's
    conventions (columns divided by their population std, strict neighbour counts) and a seeded
    tie-breaking jitter; the raw estimate is returned (it may be slightly negative). O(n^2).

    Parameters
    ----------
    x, y : array_like, shape (samples, dx) and (samples, dy), or (samples,)
        Paired samples (rows), one dtype among float16, bfloat16, float32, float64; read in place.
    k : int, default 3
        Neighbours.
    standardize : bool, default True
    jitter : float, default 1e-10
        Relative tie-breaking noise; 0 switches it off.
    seed : int, default 0
    policy : {'par', 'seq'}, default 'par'

    Returns
    -------
    float
    """

def binned_mutual_information(x: Annotated[NDArray, dict(writable=False)], y: Annotated[NDArray, dict(writable=False)], *, bins: int = 10, miller_madow: bool = False) -> float:
    """
    Plug-in I(X; Y) over equal-width bins per dimension (numpy.histogram's edges), nats.

    Parameters
    ----------
    x, y : array_like, shape (samples, dx) and (samples, dy), or (samples,)
        Paired samples (rows), one dtype among float16, bfloat16, float32, float64; read in place.
    bins : int, default 10
    miller_madow : bool, default False
        Add the (m - 1) / (2n) correction to each entropy.

    Returns
    -------
    float
    """
