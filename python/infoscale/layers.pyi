"""
Layer-boundary analysis (multi-scale paper §4.1-4.3): linear/RBF/debiased CKA and S1 = 1/CKA,
attention drift S3, probes and S2, fusion into E(l), scipy-exact peaks, percentile/BCa
bootstrap over sequences, detect_boundaries, noise interventions, Fisher traces and
behavioural metrics. Activations are read in place (numpy, torch CPU, any DLPack producer;
float16/bfloat16/float32/float64, any strides) with the GIL released. The pipeline of
`infoscale layers` on whole arrays or layer by layer is infoscale.analyse_layers /
infoscale.LayerAnalysis.
"""

from collections.abc import Sequence
from typing import Annotated

import numpy
from numpy.typing import NDArray


class ResamplingPlan:
    """
    The weight sets every resampled signal is evaluated on: set 0 is the full sample, sets 1..B
    the bootstrap resamples (sequences drawn with replacement, counter-based Philox draws: the
    same on every machine and thread count), sets B+1..B+S the leave-one-sequence-out jackknife.

    Parameters
    ----------
    sequences : int
        S > 0.
    resamples : int, default 1000
        B (the paper's 1000).
    seed : int, default 0
    """

    def __init__(self, sequences: int, resamples: int = 1000, seed: int = 0) -> None: ...

    @property
    def sequences(self) -> int: ...

    @property
    def resamples(self) -> int: ...

    @property
    def seed(self) -> int: ...

    @property
    def size(self) -> int:
        """1 + resamples + sequences weight sets."""

    @property
    def first_jackknife(self) -> int:
        """Index of the first jackknife set."""

    def weights(self, set: int) -> NDArray[numpy.float64]:
        """
        Weight of each sequence in weight set `set`.

        Returns
        -------
        numpy.ndarray of float64
        """

    def __repr__(self) -> str: ...

def resample_weights(seed: int, resample: int, sequences: int) -> NDArray[numpy.float64]:
    """
    How many times each sequence is drawn in bootstrap resample `resample` (a pure function of
    (seed, resample)).

    Returns
    -------
    numpy.ndarray of float64, shape (sequences,), summing to sequences
    """

def jackknife_weights(left_out: int, sequences: int) -> NDArray[numpy.float64]:
    """Leave-one-out weights: every sequence once except `left_out`."""

def percentile(values: Annotated[NDArray, dict(writable=False)], q: float) -> float:
    """
    Linear-interpolation percentile, q in [0, 100]: ``numpy.percentile(values, q)``.

    Returns
    -------
    float
    """

class ConfidenceInterval:
    """A bootstrap confidence interval."""

    @property
    def lower(self) -> float: ...

    @property
    def upper(self) -> float: ...

    @property
    def method(self) -> str:
        """'percentile' or 'bca'."""

    @property
    def status(self) -> str:
        """
        'ok', 'bca_degenerate_used_percentile' or 'no_estimate' (unbounded: too many resamples
        without a value).
        """

    @property
    def width(self) -> float: ...

    def __repr__(self) -> str: ...

def percentile_interval(resamples: Annotated[NDArray, dict(writable=False)], confidence: float = 0.95) -> ConfidenceInterval:
    """
    Percentile interval of a bootstrap distribution; NaN entries are resamples without a value.

    When more than 1 - confidence of them are NaN the result is (-inf, inf) with status
    'no_estimate'.

    Returns
    -------
    ConfidenceInterval
    """

def bca_interval(theta_hat: float, resamples: Annotated[NDArray, dict(writable=False)], jackknife: Annotated[NDArray, dict(writable=False)], confidence: float = 0.95) -> ConfidenceInterval:
    """
    Bias-corrected and accelerated interval as ``scipy.stats.bootstrap(method='BCa')``.

    Parameters
    ----------
    theta_hat : float
        The statistic on the full sample.
    resamples : array_like, 1-D
        The bootstrap distribution.
    jackknife : array_like, 1-D
        Leave-one-out values (>= 2).
    confidence : float, default 0.95

    Returns
    -------
    ConfidenceInterval
        The percentile interval with status
        'bca_degenerate_used_percentile' when BCa is undefined.
    """

class Peak:
    """A peak of a curve, with scipy's prominence and bases."""

    @property
    def index(self) -> int:
        """Sample of the peak (plateau middle, rounded down)."""

    @property
    def prominence(self) -> float: ...

    @property
    def left_base(self) -> int: ...

    @property
    def right_base(self) -> int: ...

    def __repr__(self) -> str: ...

def find_peaks(x: Annotated[NDArray, dict(writable=False)], *, min_prominence: float = 0.0, max_prominence: float = float('inf'), include_edges: bool = False) -> list[Peak]:
    """
    Peaks of x with prominence in [min_prominence, max_prominence], in index order.

    ``scipy.signal.find_peaks(x, prominence=(min_prominence, max_prominence))``: local maxima
    with strictly lower neighbours, a flat plateau reported at its middle (rounded down),
    prominences and bases as ``scipy.signal.peak_prominences``. With include_edges=True the first
    or last sample is also a peak when its one neighbour is lower (not scipy), its prominence
    measured on its one side.

    Parameters
    ----------
    x : array_like, 1-D
        Finite values.
    min_prominence : float, default 0.0
    max_prominence : float, default inf
    include_edges : bool, default False

    Returns
    -------
    list of Peak

    Raises
    ------
    ValueError
        On a non-finite value or a NaN min_prominence.
    """

def peak_prominences(x: Annotated[NDArray, dict(writable=False)], peaks: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)]) -> list[Peak]:
    """
    Prominence and bases of given peak indices: ``scipy.signal.peak_prominences(x, peaks)``.

    Returns
    -------
    list of Peak
        An edge index gets prominence 0, as in scipy.
    """

def most_prominent(peaks: Sequence[Peak], count: int) -> list[Peak]:
    """
    The `count` most prominent peaks (ties: lower index first), in index order.

    Returns
    -------
    list of Peak
    """

default_signal_weights: tuple = (1.0, 0.8, 0.6)

def boundary_evidence(s1: Annotated[NDArray, dict(writable=False)] | None = None, s2: Annotated[NDArray, dict(writable=False)] | None = None, s3: Annotated[NDArray, dict(writable=False)] | None = None, *, weights: Sequence[float] = [1.0, 0.8, 0.6], normalization: str = 'max', s3_first_defined: int = 0) -> NDArray[numpy.float64]:
    """
    Boundary evidence E(l) = sum_i w_i S_i(l) / max_l S_i(l), multi-scale paper eq. (6).

    Parameters
    ----------
    s1, s2, s3 : array_like, 1-D, or None
        Representation change, probe jumps and attention drift, one value per layer pair, finite
        and >= 0; None (or empty) skips a signal. An all-zero signal adds nothing.
    weights : (float, float, float), default (1.0, 0.8, 0.6)
        The paper's weights; finite and >= 0.
    normalization : {'max', 'minmax'}, default 'max'
        S / max S (eq. (6) as printed) or (S - min S) / (max S - min S) (the text's "normalized to
        [0, 1]").
    s3_first_defined : int, default 0
        Entries of s3 before it do not exist (pair 0 has no attention drift): they add 0 and take
        no part in its range.

    Returns
    -------
    numpy.ndarray of float64, shape (pairs,)
    """

class Boundary:
    """One detected boundary (a layer-pair index) with its bootstrap CI."""

    @property
    def pair(self) -> int:
        """Pair index l: the boundary lies between layers l and l+1."""

    @property
    def prominence(self) -> float: ...

    @property
    def ci(self) -> ConfidenceInterval:
        """The interval of `method` (it decides acceptance)."""

    @property
    def ci_percentile(self) -> ConfidenceInterval:
        """From the same resamples as ci_bca."""

    @property
    def ci_bca(self) -> ConfidenceInterval:
        """The percentile interval, with its status, where BCa is undefined."""

    @property
    def detection_rate(self) -> float:
        """Share of resamples in which the boundary exists."""

    @property
    def accepted(self) -> bool:
        """CI bounded and narrower than max_ci_width."""

class BoundaryReport:
    """What detect_boundaries found."""

    @property
    def s1(self) -> NDArray[numpy.float64]: ...

    @property
    def s2(self) -> NDArray[numpy.float64]: ...

    @property
    def s3(self) -> NDArray[numpy.float64]: ...

    @property
    def evidence(self) -> NDArray[numpy.float64]: ...

    @property
    def peaks(self) -> list[Peak]:
        """Every peak of E with prominence >= min_prominence."""

    @property
    def boundaries(self) -> list[Boundary]:
        """Up to two, in layer order: L-I then I-G."""

    @property
    def resampled(self) -> NDArray[numpy.float64]:
        """
        Boundary positions in each bootstrap resample, shape (resamples, 2); NaN = absent.
        """

    @property
    def failed_resamples(self) -> int:
        """
        Resamples whose evidence could not be formed (they count as without the boundary).
        """

def detect_boundaries(cka: CKAEvidence | None = None, probes: ProbeEvidence | None = None, attention: AttentionEvidence | None = None, *, weights: Sequence[float] = [1.0, 0.8, 0.6], min_prominence: float = 0.3, confidence: float = 0.95, max_ci_width: float = 5.0, method: str = 'bca', include_edges: bool = False, normalization: str = 'max', policy: str = 'par') -> BoundaryReport:
    """
    The L-I and I-G boundaries from whichever evidence is given, with bootstrap CIs.

    Fuses the signals into E(l) on the full sample and on every weight set of the shared plan,
    takes the (up to) two most prominent peaks with prominence >= min_prominence in layer order,
    and reads each boundary's CI from its positions over the resamples (a resample with one peak
    assigns it to the nearer full-sample boundary; more than 5% missing leaves the CI unbounded). A
    boundary is accepted when its CI is narrower than max_ci_width layers. Positions are layer-pair
    indices: boundary l lies between layers l and l+1.

    Parameters
    ----------
    cka : CKAEvidence, optional
    probes : ProbeEvidence, optional
    attention : AttentionEvidence, optional
        At least one; all on one resampling plan and layer count (>= 3 layers).
    weights : (float, float, float), default (1.0, 0.8, 0.6)
    min_prominence : float, default 0.3
    confidence : float, default 0.95
    max_ci_width : float, default 5.0
    method : {'bca', 'percentile'}, default 'bca'
        BCa falls back to the percentile interval (status 'bca_degenerate_used_percentile') when
        the bootstrap or jackknife has no spread.
    include_edges : bool, default False
        Let the first and last pairs be boundaries.
    policy : {'par', 'seq'}, default 'par'
        'par' spreads the work over OpenMP threads; 'seq' is the single-threaded reference.

    Returns
    -------
    BoundaryReport

    Raises
    ------
    ValueError
        When no evidence is given, the sources disagree on layers or plan, or max_ci_width <= 0.
    """

def gemm_backend() -> str:
    """
    The GEMM behind CKA and the token Grams: 'OpenBLAS' (run-time CPU dispatch, one thread per
    fixed block of 128 output columns, so results do not depend on the thread count) or 'Eigen'.
    """

def linear_cka(x: Annotated[NDArray, dict(writable=False)], y: Annotated[NDArray, dict(writable=False)]) -> float:
    """
    Linear CKA ||Y^T X||_F^2 / (||X^T X||_F ||Y^T Y||_F) on column-centred X, Y.

    Kornblith et al. (2019), eq. (5) in feature space: HSIC with the linear kernel and centring,
    normalised. In [0, 1]; 1 when Y = X Q s for an orthogonal Q and s > 0.

    Parameters
    ----------
    x, y : array_like, shape (tokens, features_x) and (tokens, features_y)
        Activations of the same tokens in two layers (numpy, torch CPU, any DLPack producer), of one
        dtype among float16, bfloat16, float32, float64; read in place whatever the strides.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf, an empty axis, different token counts, a constant layer
        (no variance after centring), or arrays that are not 2-D.
    """

def debiased_linear_cka(x: Annotated[NDArray, dict(writable=False)], y: Annotated[NDArray, dict(writable=False)]) -> float:
    """
    Debiased linear CKA from the unbiased HSIC estimator (Song et al. 2012, Kornblith's U-centring).

    Equals Kornblith's ``feature_space_linear_cka(x, y, debiased=True)``; may be negative, never NaN.
    Needs at least 4 tokens.

    Parameters
    ----------
    x, y : array_like, shape (tokens, features_x) and (tokens, features_y)
        Activations of the same tokens in two layers (numpy, torch CPU, any DLPack producer), of one
        dtype among float16, bfloat16, float32, float64; read in place whatever the strides.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf, an empty axis, different token counts, a constant layer
        (no variance after centring), or arrays that are not 2-D.
    """

def rbf_cka(x: Annotated[NDArray, dict(writable=False)], y: Annotated[NDArray, dict(writable=False)], threshold: float = 1.0, debiased: bool = False) -> float:
    """
    RBF CKA with bandwidth sqrt(threshold^2 * median squared distance) (Kornblith's gram_rbf).

    Parameters
    ----------
    x, y : array_like, shape (tokens, features_x) and (tokens, features_y)
        Activations of the same tokens in two layers (numpy, torch CPU, any DLPack producer), of one
        dtype among float16, bfloat16, float32, float64; read in place whatever the strides.
    threshold : float, default 1.0
        Multiplies the median-distance bandwidth; > 0.
    debiased : bool, default False
        Use the unbiased HSIC (U-centring) instead of H K H.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf, an empty axis, different token counts, a constant layer
        (no variance after centring), or arrays that are not 2-D.
    """

def gram_linear(x: Annotated[NDArray, dict(writable=False)]) -> Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]:
    """
    Linear-kernel Gram matrix X X^T (Kornblith's gram_linear), float64 (tokens, tokens).

    Parameters
    ----------
    x : array_like, shape (tokens, features)

    Returns
    -------
    numpy.ndarray of float64, shape (tokens, tokens)
    """

def gram_rbf(x: Annotated[NDArray, dict(writable=False)], threshold: float = 1.0) -> Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]:
    """
    RBF Gram matrix exp(-|xi - xj|^2 / (2 threshold^2 median)) (Kornblith's gram_rbf).

    The median is over the full tokens x tokens matrix of squared distances, zero diagonal
    included, as in Kornblith's code.

    Parameters
    ----------
    x : array_like, shape (tokens, features)
    threshold : float, default 1.0

    Returns
    -------
    numpy.ndarray of float64, shape (tokens, tokens)

    Raises
    ------
    ValueError
        On NaN/Inf, threshold <= 0 or constant rows (median distance 0).
    """

def centre_gram(gram: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], unbiased: bool = False) -> Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]:
    """
    Centres a Gram matrix: H K H, or Kornblith's U-centring (unbiased=True).

    With U-centring, <U(K), U(L)> / (n (n - 3)) is the unbiased HSIC of Song et al. (2012).

    Parameters
    ----------
    gram : array_like, shape (n, n)
        Copied into float64.
    unbiased : bool, default False
        Needs n >= 4.

    Returns
    -------
    numpy.ndarray of float64, shape (n, n)
    """

def cka_from_grams(kx: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], ky: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')], debiased: bool = False) -> float:
    """
    CKA from two Gram matrices (Kornblith's cka(gram_x, gram_y, debiased)).

    Parameters
    ----------
    kx, ky : array_like, shape (n, n)
        Copied into float64.
    debiased : bool, default False

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On different shapes, NaN/Inf or a constant representation.
    """

def cka_matrix(stack: Annotated[NDArray, dict(writable=False)]) -> Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]:
    """
    The layer x layer linear CKA matrix of a stack (symmetric, unit diagonal).

    Parameters
    ----------
    stack : array_like, shape (layers, tokens, features)
        Any float dtype, any strides.

    Returns
    -------
    numpy.ndarray of float64, shape (layers, layers)

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf, an empty axis, different token counts, a constant layer
        (no variance after centring), or arrays that are not 2-D.
    """

def representation_change(stack: Annotated[NDArray, dict(writable=False)]) -> NDArray[numpy.float64]:
    """
    S1(l) = 1 / linear CKA(h_l, h_l+1) for each adjacent pair, multi-scale paper eq. (3).

    Parameters
    ----------
    stack : array_like, shape (layers, tokens, features)
        At least 2 layers.

    Returns
    -------
    numpy.ndarray of float64, shape (layers - 1,)
        +inf where two layers are orthogonal (CKA = 0).

    Raises
    ------
    ValueError
        (infoscale.Error) on NaN/Inf, an empty axis, different token counts, a constant layer
        (no variance after centring), or arrays that are not 2-D.
    """

class LinearCKAAccumulator:
    """
    Streaming (minibatch) linear CKA over token batches.

    Keeps only sufficient statistics in float64 (token count, shifted sums, X^T X, Y^T Y, X^T Y), so
    activations can be fed batch by batch; the result equals linear_cka on the concatenated
    batches up to rounding. Memory: (features_x + features_y)^2 doubles.

    Parameters
    ----------
    features_x, features_y : int
        Widths of the two layers (> 0).
    """

    def __init__(self, features_x: int, features_y: int) -> None: ...

    def add(self, x: Annotated[NDArray, dict(writable=False)], y: Annotated[NDArray, dict(writable=False)]) -> None:
        """
        Adds a batch of the same tokens seen by both layers.

        Parameters
        ----------
        x : array_like, shape (batch, features_x)
        y : array_like, shape (batch, features_y)
            Same dtype as x.
        """

    def value(self) -> float:
        """
        Linear CKA of every token added so far.

        Returns
        -------
        float

        Raises
        ------
        ValueError
            With fewer than 2 tokens or a constant layer.
        """

    @property
    def tokens(self) -> int:
        """Tokens added so far."""

class CKAEvidence:
    """
    Linear CKA of adjacent layers on every weight set of a resampling plan (the S1 evidence of
    detect_boundaries).

    Layers are added one at a time (each [tokens, features], the same tokens in the same order);
    per layer it keeps the centred token Gram (tokens x tokens, two held at once) and per-sequence
    sums, from which every bootstrap resample's CKA follows without touching the activations again.

    Parameters
    ----------
    sequence_lengths : sequence of int
        Tokens per sequence (> 0 each), in the order the tokens are stacked.
    plan : ResamplingPlan
        One weight set per resample; plan.sequences must equal len(sequence_lengths).
    """

    def __init__(self, sequence_lengths: Sequence[int], plan: ResamplingPlan) -> None: ...

    def add_layer(self, layer: Annotated[NDArray, dict(writable=False)], *, policy: str = 'par') -> None:
        """
        Adds the next layer.

        Parameters
        ----------
        layer : array_like, shape (tokens, features)
            Any float dtype and strides, read in place (widened to float64 internally).

        Raises
        ------
        ValueError
            (infoscale.Error) on NaN/Inf, an empty axis, different token counts, a constant layer
            (no variance after centring), or arrays that are not 2-D.
        """

    @property
    def layers(self) -> int:
        """Layers added so far."""

    @property
    def plan(self) -> ResamplingPlan:
        """The resampling plan."""

    def cka(self, pair: int, set: int = 0) -> float:
        """
        Linear CKA of layers (pair, pair + 1) on weight set `set` (0: the full sample).

        Returns
        -------
        float
        """

    def signal(self, set: int = 0) -> NDArray[numpy.float64]:
        """
        S1 = 1 / CKA of every adjacent pair on weight set `set`.

        Returns
        -------
        numpy.ndarray of float64, shape (layers - 1,)
        """

def attention_drift(layers: Annotated[NDArray, dict(writable=False)], *, causal: bool = False, valid: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)] | None = None) -> NDArray[numpy.float64]:
    """
    Attention drift S3(l) = JS(A_l, A_l+1), averaged over heads and real queries (nats),
    multi-scale paper eq. (5).

    Parameters
    ----------
    layers : array_like, shape (layers, heads, queries, keys)
        Attention probabilities of one sequence, layer by layer (rows sum to 1 over the keys); any
        float dtype and strides, read in place (e.g. ``attentions[:, s]`` of a dump).
    causal : bool, default False
        Drop keys after the query (key j visible to query i iff j <= i + keys - queries) and
        renormalise. Off everywhere by default: a decoder's attention has no mass there already,
        and an encoder's must not be masked.
    valid : array_like of int, shape (keys,), optional
        1 for a real token, 0 for padding: padded keys are dropped (rows renormalised) and padded
        queries skipped. Default: every position is real.

    Returns
    -------
    numpy.ndarray of float64, shape (layers - 1,)

    Raises
    ------
    ValueError
        On fewer than 2 layers, a negative or non-finite probability, a row with no mass on its
        allowed keys, more queries than keys, or a mask of the wrong length.
    """

def attention_drift_statistics(layers: Annotated[NDArray, dict(writable=False)], *, causal: bool = False, valid: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)] | None = None) -> tuple[NDArray[numpy.float64], int]:
    """
    The sums behind S3 for one sequence: per adjacent pair the sum of JS over the (head, query)
    rows that exist, and that row count (summing over sequences gives the pooled mean).

    Parameters
    ----------
    layers : array_like, shape (layers, heads, queries, keys)
        Attention probabilities of one sequence, layer by layer (rows sum to 1 over the keys); any
        float dtype and strides, read in place (e.g. ``attentions[:, s]`` of a dump).
    causal : bool, default False
        Drop keys after the query (key j visible to query i iff j <= i + keys - queries) and
        renormalise. Off everywhere by default: a decoder's attention has no mass there already,
        and an encoder's must not be masked.
    valid : array_like of int, shape (keys,), optional
        1 for a real token, 0 for padding: padded keys are dropped (rows renormalised) and padded
        queries skipped. Default: every position is real.

    Returns
    -------
    (numpy.ndarray of float64, shape (layers - 1,), int)
        js_sum and rows.
    """

def attention_drift_batch(previous: Annotated[NDArray, dict(writable=False)], current: Annotated[NDArray, dict(writable=False)], mask: Annotated[NDArray[numpy.int64], dict(shape=(None, None), order='C', device='cpu', writable=False)], *, causal: bool = False) -> tuple[NDArray[numpy.float64], NDArray[numpy.int64]]:
    """
    JS sums of one adjacent layer pair for every sequence of a batch (masked as the CLI does).

    Sequence b gives exactly attention_drift_statistics(stack([previous[b], current[b]]),
    causal, valid=mask[b]); summed over pairs and sequences, the result equals the whole-dump
    computation bit for bit, so attention can be reduced as a model produces it.

    Parameters
    ----------
    previous, current : array_like, shape (batch, heads, queries, keys)
        Attention of layers l and l+1 for the same batch; one dtype, any strides.
    mask : array_like of int, shape (batch, keys)
        1 for real tokens, 0 for padding.
    causal : bool, default False

    Returns
    -------
    (numpy.ndarray of float64, shape (batch,), numpy.ndarray of int64, shape (batch,))
        js_sum and rows per sequence.
    """

def attention_entropy(layer: Annotated[NDArray, dict(writable=False)], *, causal: bool = False, valid: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)] | None = None) -> NDArray[numpy.float64]:
    """
    Mean Shannon entropy (nats) of each head's masked attention rows over the real queries.

    Parameters
    ----------
    layer : array_like, shape (heads, queries, keys)
    causal : bool, default False
        Drop keys after the query (key j visible to query i iff j <= i + keys - queries) and
        renormalise. Off everywhere by default: a decoder's attention has no mass there already,
        and an encoder's must not be masked.
    valid : array_like of int, shape (keys,), optional
        1 for a real token, 0 for padding: padded keys are dropped (rows renormalised) and padded
        queries skipped. Default: every position is real.

    Returns
    -------
    numpy.ndarray of float64, shape (heads,)
    """

class AttentionEvidence:
    """
    Per-sequence attention-drift sums resampled by weight set: S3 on set k is the weighted pooled
    mean sum_s w_s js_s / sum_s w_s rows_s (the S3 evidence of detect_boundaries).

    Parameters
    ----------
    plan : ResamplingPlan
    """

    def __init__(self, plan: ResamplingPlan) -> None: ...

    def set_sequence(self, sequence: int, js_sum: Sequence[float], rows: int) -> None:
        """
        Sets one sequence's sums (as from attention_drift_statistics).

        Parameters
        ----------
        sequence : int
        js_sum : sequence of float
            One sum per layer pair.
        rows : int
            The (head, query) rows behind the sums.
        """

    def add_sequence(self, sequence: int, layers: Annotated[NDArray, dict(writable=False)], *, causal: bool = False, valid: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)] | None = None) -> None:
        """Computes and sets one sequence's sums from its attention stack."""

    @property
    def plan(self) -> ResamplingPlan: ...

    @property
    def pairs(self) -> int:
        """Layer pairs (0 until a sequence is set)."""

    def signal(self, set: int = 0) -> NDArray[numpy.float64]:
        """
        S3 on weight set `set`.

        Returns
        -------
        numpy.ndarray of float64, shape (pairs,)

        Raises
        ------
        ValueError
            When some sequence was never set.
        """

def confusion_matrix(labels: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)], predicted: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)], classes: int) -> Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]:
    """Confusion matrix C[true, predicted] (float64, classes x classes)."""

def macro_f1(labels: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)], predicted: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)], classes: int) -> float:
    """
    Macro-F1 as ``sklearn.metrics.f1_score(labels, predicted, average='macro')``: the mean of
    2 TP / (2 TP + FP + FN) over the classes present in labels or predictions.

    Returns
    -------
    float
    """

def macro_f1_from_confusion(confusion: Annotated[NDArray[numpy.float64], dict(shape=(None, None), order='F')]) -> float:
    """
    Macro-F1 of a (possibly weighted) confusion matrix.

    Returns
    -------
    float
    """

def fold_assignment(tokens: int, folds: int, seed: int = 0) -> NDArray[numpy.int64]:
    """
    Fold of each token: a seeded permutation dealt round-robin into `folds` folds.

    Returns
    -------
    numpy.ndarray of int64, shape (tokens,)
    """

def cross_validated_predictions(features: Annotated[NDArray, dict(writable=False)], labels: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)], classes: int, *, kind: str = 'mlp', folds: int = 5, l2: float = 0.0001, iterations: int = 300, hidden: int = 128, learning_rate: float = 0.01, seed: int = 0, projection: int = 0, batch: int = 200, max_epochs: int = 20) -> NDArray[numpy.int64]:
    """
    Out-of-fold predicted class of every token (sklearn's cross_val_predict).

    Parameters
    ----------
    features : array_like, shape (tokens, features)
        Any float dtype and strides; standardised per fold with the training folds' mean and std.
    labels : array_like of int, shape (tokens,)
        Classes in [0, classes).
    classes : int
        >= 2.
    kind : {'mlp', 'logistic', 'ridge', 'mlp_minibatch'}, default 'mlp'
        The paper's one-hidden-layer ReLU MLP (full-batch Adam), multinomial logistic regression
        (Nesterov), sklearn's RidgeClassifier with alpha = 1 (closed form; l2 and iterations
        unused), or the MLP's objective by mini-batch Adam in float with MLPClassifier's stopping
        rule (for wide layers and many tokens; iterations unused).
    folds : int, default 5
        In [2, tokens]; a seeded Philox permutation of tokens dealt round-robin.
    l2 : float, default 1e-4
        Penalty (l2 / 2) ||W||^2 on weights, not biases.
    iterations : int, default 300
        Full-batch optimiser steps.
    hidden : int, default 128
        MLP hidden units.
    learning_rate : float, default 0.01
        Adam step of the MLP.
    seed : int, default 0
    projection : int, default 0
        Fit on the top `projection` principal components of the standardised features (0: all).
    batch : int, default 200
        mlp_minibatch: tokens per Adam step.
    max_epochs : int, default 20
        mlp_minibatch: most passes over the training folds.

    Returns
    -------
    numpy.ndarray of int64, shape (tokens,)
    """

def probe_score(features: Annotated[NDArray, dict(writable=False)], labels: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)], classes: int, *, kind: str = 'mlp', folds: int = 5, l2: float = 0.0001, iterations: int = 300, hidden: int = 128, learning_rate: float = 0.01, seed: int = 0, projection: int = 0, batch: int = 200, max_epochs: int = 20) -> float:
    """
    Probe accuracy P(l): k-fold cross-validated macro-F1 of a probe on one layer.

    Parameters
    ----------
    features : array_like, shape (tokens, features)
        Any float dtype and strides; standardised per fold with the training folds' mean and std.
    labels : array_like of int, shape (tokens,)
        Classes in [0, classes).
    classes : int
        >= 2.
    kind : {'mlp', 'logistic', 'ridge', 'mlp_minibatch'}, default 'mlp'
        The paper's one-hidden-layer ReLU MLP (full-batch Adam), multinomial logistic regression
        (Nesterov), sklearn's RidgeClassifier with alpha = 1 (closed form; l2 and iterations
        unused), or the MLP's objective by mini-batch Adam in float with MLPClassifier's stopping
        rule (for wide layers and many tokens; iterations unused).
    folds : int, default 5
        In [2, tokens]; a seeded Philox permutation of tokens dealt round-robin.
    l2 : float, default 1e-4
        Penalty (l2 / 2) ||W||^2 on weights, not biases.
    iterations : int, default 300
        Full-batch optimiser steps.
    hidden : int, default 128
        MLP hidden units.
    learning_rate : float, default 0.01
        Adam step of the MLP.
    seed : int, default 0
    projection : int, default 0
        Fit on the top `projection` principal components of the standardised features (0: all).
    batch : int, default 200
        mlp_minibatch: tokens per Adam step.
    max_epochs : int, default 20
        mlp_minibatch: most passes over the training folds.

    Returns
    -------
    float
    """

def probe_jumps(scores: Sequence[float]) -> NDArray[numpy.float64]:
    """
    Probe jumps S2(l) = |P(l+1) - P(l)| / P(l), multi-scale paper eq. (4).

    Returns
    -------
    numpy.ndarray of float64, shape (len(scores) - 1,)
    """

class ProbeEvidence:
    """
    Per-layer, per-task, per-sequence confusion matrices of out-of-fold probe predictions (the S2
    evidence of detect_boundaries). On weight set k, P(l) is the mean over tasks of the macro-F1
    of the weighted summed confusion matrix, and S2 follows eq. (4).

    Parameters
    ----------
    sequence_lengths : sequence of int
    plan : ResamplingPlan
    """

    def __init__(self, sequence_lengths: Sequence[int], plan: ResamplingPlan) -> None: ...

    def add_layer(self, labels: Sequence[Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)]], predicted: Sequence[Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)]], classes: Sequence[int]) -> None:
        """
        Adds one layer: per probing task, the token labels and the out-of-fold predictions.

        Parameters
        ----------
        labels, predicted : list of int arrays, each shape (tokens,)
        classes : list of int
            One entry per task.
        """

    @property
    def layers(self) -> int: ...

    @property
    def plan(self) -> ResamplingPlan: ...

    def scores(self, set: int = 0) -> NDArray[numpy.float64]:
        """P(l) on weight set `set`."""

    def signal(self, set: int = 0) -> NDArray[numpy.float64]:
        """S2 on weight set `set`."""

def add_gaussian_noise(h: Annotated[NDArray, dict(device='cpu')], sigma: float, seed: int, stream: int = 0, *, reference_std: float | None = None, policy: str = 'par') -> float:
    """
    Adds N(0, (sigma * std(h))^2) noise to every element of h, in place; multi-scale paper eq. (7).

    std(h) is the population standard deviation of the whole array (pass one layer to scale per
    layer). The noise of element i (row-major flat index) is draw i of the counter-based stream
    (seed, stream), so 'seq' and 'par' write identical values.

    Parameters
    ----------
    h : numpy.ndarray or torch CPU tensor, 1-D to 3-D, writable
        float16, bfloat16, float32 or float64; any strides; modified in place.
    sigma : float
        Relative noise level, finite and >= 0.
    seed : int
    stream : int, default 0
    reference_std : float, optional
        The activation std that sigma multiplies, measured elsewhere (e.g. the layer's std over an
        unperturbed run); default: std(h) of this array.
    policy : {'par', 'seq'}, default 'par'
        'par' spreads the work over OpenMP threads; 'seq' is the single-threaded reference.

    Returns
    -------
    float
        The noise standard deviation used, sigma * std(h) (or sigma * reference_std).

    Raises
    ------
    ValueError
        On an empty or non-finite h, or a negative or non-finite sigma.
    """

def add_gaussian_noise_per_sample(h: Annotated[NDArray, dict(device='cpu')], sigma: float, seed: int, streams: Sequence[int], *, reference_std: float | None = None, policy: str = 'par') -> list[float]:
    """
    add_gaussian_noise on every h[b] of a batch in one call, slice b with stream streams[b]
    (the same draws as one call per slice); returns each slice's noise std. Experiment 2's hooks use
    it so a batched generate() pays one call per layer and step, not one per sample.
    """

def perturb_layers(stack: Annotated[NDArray, dict(device='cpu')], layers: Sequence[int], sigma: float, seed: int, *, policy: str = 'par') -> None:
    """
    Perturbs the given layers of a stack in place, each with its own std (layer l uses Philox
    stream l): eq. (7) 'for all l in T_s'.

    Parameters
    ----------
    stack : numpy.ndarray or torch CPU tensor, shape (layers, tokens, features), writable
    layers : sequence of int
        The layers of one scale.
    sigma : float
    seed : int
    policy : {'par', 'seq'}, default 'par'
        'par' spreads the work over OpenMP threads; 'seq' is the single-threaded reference.
    """

def brittleness(baseline: float, perturbed: float, sigma: float) -> float:
    """
    Brittleness coefficient gamma = (perturbed - baseline) / sigma (§3.3.2, Tier 3).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On sigma <= 0 or a non-finite metric.
    """

def empirical_fisher_trace(gradients: Annotated[NDArray, dict(writable=False)]) -> float:
    """
    Empirical Fisher trace (1/N) sum_i ||g_i||^2 from per-sample gradients of log p at the observed
    labels w.r.t. a layer's activations (MS A.5). Not the model Fisher of eq. (30) unless the labels
    were sampled from the model.

    Parameters
    ----------
    gradients : array_like, shape (samples, dim)

    Returns
    -------
    float
    """

def empirical_fisher_trace_hutchinson(gradients: Annotated[NDArray, dict(writable=False)], probes: int, seed: int = 0) -> float:
    """
    Hutchinson's estimate (1/m) sum_k ||G v_k||^2 / N of the empirical Fisher trace with Rademacher
    v_k (seeded).

    Returns
    -------
    float
    """

def model_fisher_trace(class_gradients: Annotated[NDArray, dict(writable=False)], probabilities: Annotated[NDArray, dict(writable=False)]) -> float:
    """
    Model Fisher trace, the F of MS eq. (30): (1/N) sum_i sum_y p_i(y) ||g_{i,y}||^2 from the
    gradients of log p(y | h_i) for every class y and the model's own probabilities p_i.

    Parameters
    ----------
    class_gradients : array_like, shape (samples, classes, dim)
    probabilities : array_like, shape (samples, classes)
        Rows sum to 1.

    Returns
    -------
    float
    """

def noise_sensitivity(model_fisher_trace_sum: float) -> float:
    """
    dJ/d(sigma^2) = 1/2 sum_l tr F^(l) with F the model Fisher, MS eq. (30).

    Returns
    -------
    float
    """

def relative_position(layer: float, total_layers: int) -> float:
    """
    Relative boundary position rho = layer / total_layers (the paper's Table 1 'Rel.').

    Returns
    -------
    float
    """

def coefficient_of_variation(values: Sequence[float]) -> float:
    """
    Population standard deviation (ddof = 0) over |mean|, as the paper's Table 3.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On no values, a non-finite value or mean 0.
    """

def sentence_bleu(hypothesis: str, references: Sequence[str]) -> float:
    """
    ``sacrebleu.sentence_bleu(hypothesis, references, tokenize='none').score`` (0-100): BLEU-4
    with exp smoothing and effective order; sentences are split on whitespace.

    Returns
    -------
    float
    """

def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """
    ``sacrebleu.corpus_bleu(hypotheses, [references], tokenize='none').score`` (one reference
    stream).

    Returns
    -------
    float
    """

def self_bleu(samples: Sequence[str]) -> float:
    """
    Self-BLEU: mean sentence BLEU of each sample against all the others (0-100). Higher means LESS
    diverse.

    Returns
    -------
    float
    """

def length_variance(samples: Sequence[str]) -> float:
    """
    Population variance (ddof = 0) of sentence lengths in words.

    Returns
    -------
    float
    """

def type_token_ratio(samples: Sequence[str]) -> float:
    """
    Distinct words / words over all samples.

    Returns
    -------
    float
    """

def coherence(embeddings: Annotated[NDArray, dict(writable=False)]) -> float:
    """
    Mean cosine similarity over all pairs i < j of sentence embeddings.

    Parameters
    ----------
    embeddings : array_like, shape (sentences, dim)

    Returns
    -------
    float
    """

class TTestResult:
    """A paired t-test: statistic, two-sided p-value, degrees of freedom."""

    @property
    def statistic(self) -> float: ...

    @property
    def p_value(self) -> float: ...

    @property
    def df(self) -> float: ...

def paired_t_test(a: Sequence[float], b: Sequence[float]) -> TTestResult:
    """
    Paired t-test of a against b, two-sided: ``scipy.stats.ttest_rel(a, b)``.

    Returns
    -------
    TTestResult
    """

class BoundaryEstimate:
    """A boundary of a LayerReport."""

    @property
    def name(self) -> str:
        """'L-I', 'I-G', or 'one' when a single boundary was found."""

    @property
    def pair(self) -> int:
        """Layer pair l: the new regime starts at layer l + 1."""

    @property
    def relative_position(self) -> float:
        """(pair + 1) / L."""

    @property
    def prominence(self) -> float: ...

    @property
    def detection_rate(self) -> float:
        """Share of resamples with it; NaN without."""

    @property
    def ci_percentile(self) -> ConfidenceInterval | None:
        """None without a bootstrap."""

    @property
    def ci_bca(self) -> ConfidenceInterval | None:
        """None without a bootstrap."""

    @property
    def accepted(self) -> bool:
        """BCa interval bounded and narrower than 5 layers."""

class LayerReport:
    """
    What `infoscale layers` prints, as an object: str(report) is its text output,
    report.to_json() its --json output, byte for byte (one C++ formatter).
    """

    @property
    def source(self) -> str: ...

    @property
    def dtype(self) -> str: ...

    @property
    def layers(self) -> int: ...

    @property
    def tokens(self) -> int: ...

    @property
    def features(self) -> int: ...

    @property
    def sequences(self) -> int: ...

    @property
    def weights(self) -> list[float]: ...

    @property
    def normalization(self) -> str: ...

    @property
    def min_prominence(self) -> float: ...

    @property
    def notes(self) -> list[str]: ...

    @property
    def signals(self) -> str: ...

    @property
    def cka(self) -> NDArray[numpy.float64]: ...

    @property
    def s1(self) -> NDArray[numpy.float64]: ...

    @property
    def s2(self) -> NDArray[numpy.float64]: ...

    @property
    def s3(self) -> NDArray[numpy.float64]: ...

    @property
    def evidence(self) -> NDArray[numpy.float64]: ...

    @property
    def peaks(self) -> list["std::pair<unsigned long, double>"]:
        """
        (pair, prominence) of every peak of E with prominence >= min_prominence.
        """

    @property
    def boundaries(self) -> list[BoundaryEstimate]: ...

    @property
    def resamples(self) -> int | None:
        """None with a single sequence (no bootstrap)."""

    @property
    def failed_resamples(self) -> int: ...

    @property
    def seed(self) -> int: ...

    @property
    def probe_scores(self) -> NDArray[numpy.float64]:
        """
        P(l) per hidden state 0..L (mean macro-F1 over label sets); empty without labels.
        """

    @property
    def information(self) -> NDArray[numpy.float64]:
        """
        I(Y; Yhat_l) in bits per hidden state: plug-in MI of the out-of-fold probe confusion, mean over
        label sets, a lower bound on I(X; h_l); empty without labels.
        """

    @property
    def kinks(self) -> list:
        """
        Prediction 1.2 at each boundary: the hinge fit's slope jump of `information` and its percentile CI.
        """

    def svg(self, title: str = '') -> str:
        """
        The figure of `infoscale layers --plot` (signals, E(l), boundaries with CIs) as SVG text.
        """

    @property
    def attention(self) -> object:
        """{'dtype', 'shape', 'padding_mask', 'causal_mask'} or None."""

    @property
    def probes(self) -> object:
        """{'classes', 'kind', 'folds'} or None."""

    def __str__(self) -> str: ...

    def to_json(self, indent: int = 2) -> str:
        """The program's --json output (no trailing newline)."""

    def to_dict(self) -> object:
        """to_json() read back as a dict (NaN and infinities are None)."""

class LayerAnalysisCore:
    """The pipeline fed layer by layer (infoscale.LayerAnalysis wraps it)."""

    def __init__(self, sequence_lengths: Sequence[int], labels: Sequence[Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)]], source: str, *, resamples: int = 1000, seed: int = 0, weights: Sequence[float] = [1.0, 0.8, 0.6], normalization: str = 'max', min_prominence: float = 0.3, edges: bool = False, probe: str = 'logistic', causal: bool = False, folds: int = 5, probe_projection: int = 0) -> None: ...

    @property
    def hidden_layers(self) -> int: ...

    @property
    def tokens(self) -> int: ...

    @property
    def sequences(self) -> int: ...

    def note(self, text: str) -> None: ...

    def describe_attention(self, dtype: str, shape: Sequence[int], padding_mask: bool) -> None: ...

    def report(self, policy: str = 'par', normalization: str | None = None) -> LayerReport:
        """
        The report; `normalization` ('max' or 'minmax') overrides the analysis' option for this call.
        """

    def add_hidden_layer(self, layer: Annotated[NDArray, dict(writable=False)], policy: str = 'par') -> None: ...

    def add_attention_sequence(self, sequence: int, layers: Annotated[NDArray, dict(writable=False)], valid: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)] | None = None) -> None: ...

    def add_attention_pair_sums(self, pair: int, sequences: Sequence[int], js_sums: Sequence[float], rows: Sequence[int], dtype: str, heads: int, positions: int) -> None: ...

def analyse_layer_dump(path: str, *, source: str = '', resamples: int = 1000, seed: int = 0, weights: Sequence[float] = [1.0, 0.8, 0.6], normalization: str = 'max', min_prominence: float = 0.3, edges: bool = False, probe: str = 'logistic', causal: bool = False, folds: int = 5, probe_projection: int = 0, policy: str = 'par') -> LayerReport:
    """
    `infoscale layers DUMP`: reads a safetensors dump (layout: `infoscale layers --help`),
    checks it and returns its LayerReport.

    Parameters
    ----------
    path : str
    source : str, default the path
    resamples : int, default 1000
        Bootstrap resamples over sequences (0: no interval; else at least 20).
    seed : int, default 0
        Of the bootstrap and the probes' folds.
    weights : (float, float, float), default (1.0, 0.8, 0.6)
        Of S1, S2, S3 in E(l), MS eq. (6).
    normalization : {'max', 'minmax'}, default 'max'
        S / max S (eq. (6) as printed) or (S - min S) / (max S - min S) (the text's "normalized
        to [0, 1]").
    min_prominence : float, default 0.3
    edges : bool, default False
        Let the first and last pairs be boundaries (scipy's find_peaks never does).
    probe : {'logistic', 'mlp', 'ridge'}, default 'logistic'
        The probe of S2 (ridge: sklearn's RidgeClassifier, closed form; the paper's 128-unit MLP is slow).
    causal : bool, default False
        Mask keys after each query in S3 (a decoder's attention has no mass there already; an
        encoder's must not be masked).
    folds : int, default 5
        Of the probes' cross-validation.
    probe_projection : int, default 0
        Probes on the top k principal components of each layer (0: every
        feature); for residual streams thousands wide.
    policy : {'par', 'seq'}

    Returns
    -------
    LayerReport
    """

def analyse_layer_stack(hidden_states: Annotated[NDArray, dict(writable=False)], sequence_offsets: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)] | None = None, attentions: Annotated[NDArray, dict(writable=False)] | None = None, attention_mask: Annotated[NDArray[numpy.int64], dict(shape=(None, None), order='C', device='cpu', writable=False)] | None = None, labels: Sequence[Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)]] = [], *, source: str = 'arrays', resamples: int = 1000, seed: int = 0, weights: Sequence[float] = [1.0, 0.8, 0.6], normalization: str = 'max', min_prominence: float = 0.3, edges: bool = False, probe: str = 'logistic', causal: bool = False, folds: int = 5, probe_projection: int = 0, policy: str = 'par') -> LayerReport:
    """
    `infoscale layers` on arrays laid out as its dump (infoscale.analyse_layers adapts the arguments).
    """

class StudyReport:
    """
    The study over several models: str() is its Markdown report, to_json() every number.
    """

    def __str__(self) -> str: ...

    def to_markdown(self) -> str: ...

    def to_json(self, indent: int = 2) -> str: ...

    def to_dict(self) -> object:
        """to_json() read back as a dict (NaN and infinities are None)."""

    def positions_svg(self) -> str:
        """The cross-model position chart (MS Figure 10) as SVG text."""

    @property
    def notes(self) -> list[str]: ...

class InterventionSummary:
    """
    Experiment 2's Table 2 of one model: str() is its Markdown, to_dict() every number, svg() the Figures 7-9 bar chart.
    """

    def __str__(self) -> str: ...

    def to_markdown(self, alpha: float = 0.05) -> str: ...

    def to_dict(self) -> object:
        """Every number (NaN and infinities are None)."""

    def svg(self, alpha: float = 0.05) -> str: ...

    @property
    def model(self) -> str: ...

    @property
    def family(self) -> str: ...

    @property
    def notes(self) -> list[str]: ...

def scales_of(report: LayerReport) -> tuple:
    """
    Experiment 2's scales from a model's Experiment 1 report: ({'L': blocks, 'I': ..., 'G': ...}, source).
    Blocks between the L-I and I-G boundaries (layer k = output of block k - 1), or equal thirds of
    depth when fewer than two were found; source says which.
    """

def compare_interventions(model: str, family: str, sigma: float, metrics: Sequence[str], baseline: Sequence[Sequence[float]], scales: Sequence[tuple[str, Sequence[int], Sequence[Sequence[float]]]], notes: Sequence[str] = []) -> InterventionSummary:
    """
    Experiment 2 (MS §4.2) as Table 2: per scale and metric the % change against the paired baseline,
    its paired t-test and the brittleness gamma = Delta / sigma (metric unit and percent).

    baseline: [metric][prompt] values (NaN = not measured for that prompt); scales: list of
    (name 'L'/'I'/'G', perturbed block indices, [metric][prompt] values paired with the baseline).
    """

def run_study(models: Sequence[tuple[str, str, LayerReport, Sequence[tuple[str, float]]]], *, cv_threshold: float = 0.2, drift_threshold: float = 0.3, confidence: float = 0.95, interventions: Sequence[InterventionSummary] = [], structure_magnitude: bool = True, alpha: float = 0.05, brittleness_ratio: float = 5.0, brittleness_in_percent: bool = True) -> StudyReport:
    """
    The multi-scale study (MS Tables 1-3 and the §3.3.2 scorecard) over layer reports.

    models: list of (name, family, LayerReport, [(phase, seconds), ...]); models of one family are its
    training runs. Thresholds: prediction 1.1 (CV of rho_L-I) and 3.2 (eq. (2) I-G drift).
    interventions: Experiment 2's InterventionSummary per model (compare_interventions), read by
    predictions 2.1 (structure_magnitude: |% change| rather than the signed increase; alpha) and 3.1
    (brittleness_ratio; gamma_L in percent per sigma or in the metric's unit).
    """

class LayerState:
    """
    One shard's mergeable evidence for the layer analysis (per-sequence CKA terms, probe
    labels and features, attention JS sums); see docs/distributed.md.
    """

    @property
    def sequences(self) -> int:
        """Sequences held (of `total_sequences`)."""

    @property
    def total_sequences(self) -> int: ...

    @property
    def sequence_ids(self) -> list[int]:
        """Global index of each held sequence, in held order."""

    @property
    def hidden_layers(self) -> int: ...

    @property
    def features(self) -> int: ...

    def merge(self, other: LayerState) -> None:
        """
        Appends another shard's sequences (disjoint, same layers and inputs) in place; any order gives
        the same report.
        """

    def append_layers(self, next: LayerState) -> None:
        """
        Layer-parallel collection: appends the next pipeline stage's state (same sequences, the hidden
        states right after these, its shard continued from this stage's boundary()).
        """

    def serialize(self) -> bytes:
        """
        The state as bytes (little-endian, magic 'ISLSTATE', version, FNV-1a checksum).
        """

    @staticmethod
    def deserialize(data: bytes) -> LayerState:
        """
        The state serialize() wrote; truncated, corrupted or foreign bytes raise infoscale.Error.
        """

    def report(self, source: str = 'arrays', *, resamples: int = 1000, seed: int = 0, weights: Sequence[float] = [1.0, 0.8, 0.6], normalization: str = 'max', min_prominence: float = 0.3, edges: bool = False, probe: str = 'logistic', causal: bool = False, folds: int = 5, probe_projection: int = 0, policy: str = 'par', notes: Sequence[str] = [], normalizations: Sequence[str] = []) -> list[LayerReport]:
        """
        The merged corpus' LayerReports, one per entry of `normalizations` (default: the option's):
        every sequence must be held. The probes are fitted here on the gathered features.
        """

class LayerShardCore:
    """
    One rank's collector (infoscale.distributed.LayerShard wraps it): fed like
    LayerAnalysisCore, it keeps a LayerState.
    """

    def __init__(self, sequence_lengths: Sequence[int], first_sequence: int, total_sequences: int, labels: Sequence[Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)]], *, causal: bool = False) -> None: ...

    @property
    def hidden_layers(self) -> int: ...

    @property
    def tokens(self) -> int: ...

    @property
    def sequences(self) -> int: ...

    def continue_from(self, boundary: bytes) -> None:
        """
        Layer-parallel collection: collect the hidden states after those of the previous pipeline stage,
        whose boundary() bytes these are (the straddling pair's per-sequence Grams). Before any layer.
        """

    def boundary(self) -> bytes:
        """
        The per-sequence token Grams of the last hidden layer added, as bytes: what the next pipeline
        stage needs (sum of n_s^2 doubles, not the hidden states).
        """

    def use_ridge_sums(self, first_token: int, corpus_tokens: int, folds: int, seed: int) -> None:
        """
        Ridge probes from normal-equation sums instead of gathered features: this shard's tokens
        start at corpus token `first_token` of `corpus_tokens`; folds and seed as the report's. Before
        the first hidden layer (after continue_from on a pipeline stage).
        """

    def probe_sums(self) -> bytes:
        """
        This shard's ridge normal-equation sums as bytes (exact fixed-point integers), for every
        rank to merge: per layer and fold d(d+1)/2 + d (1 + classes) 16-byte sums.
        """

    def predict_probes(self, sums: Sequence[bytes], alpha: float = 1.0) -> None:
        """
        Fits every layer's ridge probes on the merged `sums` (every rank's probe_sums(), any order)
        and keeps this shard's out-of-fold predictions in its state instead of its features.
        """

    def state(self) -> LayerState:
        """The shard's LayerState (attention checked complete)."""

    def add_hidden_layer(self, layer: Annotated[NDArray, dict(writable=False)], policy: str = 'par') -> None: ...

    def add_attention_sequence(self, sequence: int, layers: Annotated[NDArray, dict(writable=False)], valid: Annotated[NDArray[numpy.int64], dict(shape=(None,), order='C', device='cpu', writable=False)] | None = None) -> None: ...

    def add_attention_pair_sums(self, pair: int, sequences: Sequence[int], js_sums: Sequence[float], rows: Sequence[int], dtype: str, heads: int, positions: int) -> None: ...
