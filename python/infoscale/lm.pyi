"""
Language models as in Yang, 'Thermodynamics of language models' (arXiv 2407.21092): CLMs and
PLMs (§2), the entropy function S_L(s) over full continuations by exact enumeration or Monte
Carlo (§4), zero points (§4), moduli-space metrics (§3) and the thermodynamics of the sentence
ensemble (§5). Vocabularies are (vocab_size, end_token): token end_token stands for ∅ (stop).
Prompts and continuations are lists of ints that never contain the end token.
"""

from collections.abc import Callable, Sequence
from typing import Annotated

import numpy
from numpy.typing import NDArray


class TableLM:
    """
    A PLM given by a table context -> p(.|context) over W ∪ {∅} (Yang, arXiv
    2407.21092, §2): the row of the longest suffix of the prefix present in the
    table is used (back-off), so the empty context () must be present.

    Parameters
    ----------
    vocab_size : int
    end_token : int
    rows : dict[tuple[int, ...], sequence of float]
        Context -> probabilities (length vocab_size, summing to 1 within tolerance).
    tolerance : float, default 1e-9
    """

    def __init__(self, vocab_size: int, end_token: int, rows: dict[tuple[int, ...], Sequence[float]], tolerance: float = 1e-09) -> None: ...

    @property
    def vocab_size(self) -> int: ...

    @property
    def end_token(self) -> int: ...

    @property
    def order(self) -> int:
        """The longest context in the table."""

class NgramLM:
    """
    An n-gram PLM estimated from a token corpus, add-k (Lidstone) or interpolated
    Kneser-Ney smoothing; each training sentence ends with ∅ (Yang, arXiv
    2407.21092, §2: a PLM).

    Parameters
    ----------
    vocab_size : int
    end_token : int
    corpus : list[list[int]]
        Non-empty; sentences without the end token.
    order : int, default 2
        n: the model conditions on the last n - 1 tokens.
    smoothing : {'add_k', 'kneser_ney'}, default 'add_k'
    k : float, default 1.0
        Pseudo-count of add-k (> 0).
    discount : float, default 0.75
        D of Kneser-Ney, in (0, 1].
    """

    def __init__(self, vocab_size: int, end_token: int, corpus: Sequence[Sequence[int]], *, order: int = 2, smoothing: str = 'add_k', k: float = 1.0, discount: float = 0.75) -> None: ...

    @property
    def vocab_size(self) -> int: ...

    @property
    def end_token(self) -> int: ...

    @property
    def order(self) -> int: ...

class CallbackLM:
    """
    A PLM over a Python callable returning next-token logits (Yang, arXiv 2407.21092, §2).

    Parameters
    ----------
    vocab_size : int
        |W ∪ {∅}| >= 2.
    end_token : int
        The token standing for ∅ (stop), < vocab_size.
    logits : callable(prefix: list[int]) -> array_like, shape (vocab_size,)
        Float logits (float16/bfloat16/float32/float64, numpy, torch CPU or a list) after the
        prefix (prompt plus continuation so far). log-softmax(logits / T) is taken in float64.
    temperature : float, default 1.0
        T > 0.

    Raises
    ------
    infoscale.Error
        On T <= 0, or (when called) logits of the wrong shape, dtype or with NaN/Inf, naming
        'logits'. An exception raised by the callable propagates unchanged.
    """

    def __init__(self, vocab_size: int, end_token: int, logits: Callable, temperature: float = 1.0) -> None: ...

    @property
    def vocab_size(self) -> int: ...

    @property
    def end_token(self) -> int: ...

    @property
    def temperature(self) -> float: ...

class BatchedCallbackLM:
    """
    A batched PLM over a Python callable (Yang, arXiv 2407.21092, §2): the Monte Carlo estimator
    asks for the next-token logits of all still-active samples of a round at once.

    Parameters
    ----------
    vocab_size : int
    end_token : int
    logits_batch : callable(ids, prefixes) -> array_like, shape (rows, vocab_size)
        ``ids`` is a 1-D numpy int64 array naming the Monte Carlo sample of each row (increasing
        within a call); ``prefixes`` is a 2-D numpy int64 array (rows, length): every prefix of one
        call has the same length (a list of lists only if a caller mixes lengths, which the
        library's functions never do). Within a Monte Carlo round the first call has
        prefix == prompt for every sample of the round, and each later call extends each listed
        sample's previous prefix by exactly one token, so an adapter can keep one KV cache per
        sample. Other functions (enumeration, next_log_probabilities) call it with one row, id 0.
        Returns float logits, float32 or float64 (any float dtype is read).
    temperature : float, default 1.0
        T > 0.

    Raises
    ------
    infoscale.Error
        On T <= 0, or a return value of the wrong shape, dtype or with NaN/Inf, naming
        'logits_batch'. An exception raised by the callable propagates unchanged.
    """

    def __init__(self, vocab_size: int, end_token: int, logits_batch: Callable, temperature: float = 1.0) -> None: ...

    @property
    def vocab_size(self) -> int: ...

    @property
    def end_token(self) -> int: ...

    @property
    def temperature(self) -> float: ...

class EntropyEstimate:
    """
    An estimate of S_L(s), nats (Yang, arXiv 2407.21092, §4).

    Attributes
    ----------
    entropy : float
        Enumeration: the chain-rule sum over expanded prefixes, a lower bound,
        exact when truncated_mass == 0. Monte Carlo: the sample mean.
    standard_error : float
        0 for enumeration; sample sd / sqrt(n) for Monte Carlo.
    truncated_mass : float
        Enumeration: probability of the continuations left unexpanded. Monte
        Carlo: the fraction of samples cut at max_length.
    evaluations : int
        Next-token distributions computed (rows, for a batched model).
    """

    @property
    def entropy(self) -> float: ...

    @property
    def standard_error(self) -> float: ...

    @property
    def truncated_mass(self) -> float: ...

    @property
    def evaluations(self) -> int: ...

    def __repr__(self) -> str: ...

class MonteCarloSamples:
    """
    The recorded Monte Carlo samples, in sample order.

    Attributes
    ----------
    continuations : list[list[int]]
        The words drawn (a cut sample also holds its (max_length + 1)-th word).
    energies : numpy.ndarray, float64
        -log P(y|s), end step included (a cut sample: -log P(starts with y)).
    chain_rule : numpy.ndarray, float64
        sum over the draws of H(p(.|s y_<t)).
    lengths : numpy.ndarray, int64
        len(continuation).
    cut : numpy.ndarray, bool
        Whether the sample was cut at max_length (no end step).
    """

    @property
    def continuations(self) -> list[list[int]]: ...

    @property
    def energies(self) -> NDArray[numpy.float64]: ...

    @property
    def chain_rule(self) -> NDArray[numpy.float64]: ...

    @property
    def lengths(self) -> NDArray[numpy.int64]: ...

    @property
    def cut(self) -> NDArray[numpy.bool_]: ...

    def __len__(self) -> int: ...

class MonteCarloEntropy:
    """
    Monte Carlo estimates of S_L(s) (Yang, arXiv 2407.21092, §4).

    Attributes
    ----------
    chain_rule : EntropyEstimate
        Mean of the chain-rule sums (lower variance).
    direct : EntropyEstimate
        Mean of -log P(y|s).
    samples : MonteCarloSamples or None
        When record_samples was True.
    rounds : int
        Rounds of `batch` samples run.
    drawn : int
        Samples drawn (< samples when the stopping rule fired).
    """

    @property
    def chain_rule(self) -> EntropyEstimate: ...

    @property
    def direct(self) -> EntropyEstimate: ...

    @property
    def samples(self) -> MonteCarloSamples | None: ...

    @property
    def rounds(self) -> int: ...

    @property
    def drawn(self) -> int: ...

    def __repr__(self) -> str: ...

class ContinuationDistribution:
    """
    P_L(s'|s) of every continuation within the enumeration limits
    (depth-first, lexicographic order), plus the mass left out.

    Attributes
    ----------
    continuations : list[list[int]]
    probabilities : numpy.ndarray, float64
    truncated_mass : float
    """

    @property
    def continuations(self) -> list[list[int]]: ...

    @property
    def probabilities(self) -> NDArray[numpy.float64]: ...

    @property
    def truncated_mass(self) -> float: ...

class ZeroPoint:
    """
    A prompt with S_L(s) < eps (Yang, arXiv 2407.21092, §4: zero points).

    Attributes
    ----------
    prompt_index : int
    estimate : EntropyEstimate
        The enumeration (a lower bound: check estimate.truncated_mass).
    exact_zero : bool
        S_L(s) == 0 with nothing truncated: one continuation has probability 1.
    """

    @property
    def prompt_index(self) -> int: ...

    @property
    def estimate(self) -> EntropyEstimate: ...

    @property
    def exact_zero(self) -> bool: ...

class ModuliDistance:
    """
    d(P_A(.|s), P_B(.|s)) on full continuations, or its supremum over a
    prompt set (Yang, arXiv 2407.21092, §3).

    Attributes
    ----------
    distance : float
        A lower bound on the true distance when anything is truncated (except l2).
    prompt_index : int
        Where the supremum is attained.
    truncated_mass : float
        The largest truncated mass of either model over the set.
    """

    @property
    def distance(self) -> float: ...

    @property
    def prompt_index(self) -> int: ...

    @property
    def truncated_mass(self) -> float: ...

class EnsembleThermodynamics:
    """
    Z, U, F, S, C of a finite sentence ensemble at temperature T (Yang, arXiv
    2407.21092, §5; k_B = 1, nats).

    Attributes
    ----------
    temperature : float
    log_partition : float
        log Z(T) = logsumexp(-E / T).
    internal_energy : float
        U = E_P[E].
    free_energy : float
        F = -T log Z.
    entropy : float
        S = (U - F) / T.
    heat_capacity : float
        C = Var_P(E) / T**2 = dU/dT.
    """

    @property
    def temperature(self) -> float: ...

    @property
    def log_partition(self) -> float: ...

    @property
    def internal_energy(self) -> float: ...

    @property
    def free_energy(self) -> float: ...

    @property
    def entropy(self) -> float: ...

    @property
    def heat_capacity(self) -> float: ...

    def as_dict(self) -> dict:
        """The six attributes as a dict."""

def next_log_probabilities(model: TableLM | NgramLM | CallbackLM | BatchedCallbackLM, prefix: Sequence[int]) -> NDArray[numpy.float64]:
    """
    log p(w | prefix) for every w in W ∪ {∅} (Yang, arXiv 2407.21092, §2), float64 (vocab_size,).
    """

def continuation_log_probability(model: TableLM | NgramLM | CallbackLM | BatchedCallbackLM, prompt: Sequence[int], continuation: Sequence[int]) -> float:
    """
    log P_L(continuation | prompt) under the CLM a PLM induces, end step included (Yang, arXiv
    2407.21092, §2): sum_i log p(w_i | s w_<i) + log p(∅ | s w).
    """

def entropy_function(model: TableLM | NgramLM | CallbackLM | BatchedCallbackLM, prompt: Sequence[int], *, max_length: int = 16, min_mass: float = 0.0, max_nodes: int = 2000000) -> EntropyEstimate:
    """
    S_L(s) = -sum P_L(s'|s) log P_L(s'|s) over full continuations (Yang, arXiv 2407.21092, §4), by
    enumerating the prefix tree (chain rule, end step included).

    Parameters
    ----------
    model : TableLM, NgramLM, CallbackLM or BatchedCallbackLM
        A PLM; TableLM and NgramLM run with the GIL released, the callback models call Python.
    prompt : list[int]
    max_length : int, default 16
        Prefixes with fewer than max_length words are expanded.
    min_mass : float, default 0.0
        Prefixes of probability below min_mass are not expanded (their mass is truncated).
    max_nodes : int, default 2000000
        Bound on the expanded nodes; exceeding it raises.

    Returns
    -------
    EntropyEstimate
        A lower bound on S_L(s), exact when truncated_mass == 0.
    """

def entropy_function_monte_carlo(model: TableLM | NgramLM | CallbackLM | BatchedCallbackLM, prompt: Sequence[int], *, samples: int = 1000, max_length: int = 256, seed: int = 0, stream: int = 0, batch: int = 64, target_standard_error: float = 0.0, min_samples: int = 128, record_samples: bool = False) -> MonteCarloEntropy:
    """
    S_L(s) by Monte Carlo over sampled continuations (Yang, arXiv 2407.21092, §4): two estimators
    from the same samples, the chain rule (mean of sum_t H(p(.|s y_<t)), end step included;
    Rao-Blackwellised, lower variance) and the direct estimator (mean of -log P(y|s)).

    Parameters
    ----------
    model : TableLM, NgramLM, CallbackLM or BatchedCallbackLM
        A PLM; TableLM and NgramLM run with the GIL released, the callback models call Python.
    prompt : list[int]
    samples : int, default 1000
        Samples drawn (the maximum when a stopping rule is set); >= 2.
    max_length : int, default 256
        >= 1. A sample whose draw max_length + 1 is still a word is cut there (it keeps that word):
        both estimators then estimate the entropy of the law of the first max_length + 1 symbols,
        a lower bound on S_L(s); ``truncated_mass`` is the fraction of samples cut.
    seed, stream : int, default 0
        Draw t of sample i is ``uniforms(seed, stream, [i * (max_length + 1) + t])``, whatever the
        batching: a BatchedCallbackLM gives bit-for-bit the result of the same model as CallbackLM.
    batch : int, default 64
        Samples per round (a BatchedCallbackLM gets a round's prefixes in one call per step).
    target_standard_error : float, default 0.0
        Stopping rule, 0 = off: stop after the first round ending with at least min_samples samples
        and a chain-rule standard error <= target (nats).
    min_samples : int, default 128
        Of the stopping rule (capped by samples).
    record_samples : bool, default False
        Return every sample (continuation, energy -log P(y|s), chain-rule sum, length, cut).

    Returns
    -------
    MonteCarloEntropy

    Raises
    ------
    infoscale.Error
        On samples < 2, max_length == 0, batch == 0, a negative or non-finite target, or a prompt
        with a token outside the vocabulary or the end token.
    """

def continuation_distribution(model: TableLM | NgramLM | CallbackLM | BatchedCallbackLM, prompt: Sequence[int], *, max_length: int = 16, min_mass: float = 0.0, max_nodes: int = 2000000) -> ContinuationDistribution:
    """
    Every continuation with at most max_length words and its probability P_L(s'|s) (Yang, arXiv
    2407.21092, §2), plus the mass left out.

    Parameters
    ----------
    model : TableLM, NgramLM, CallbackLM or BatchedCallbackLM
        A PLM; TableLM and NgramLM run with the GIL released, the callback models call Python.
    prompt : list[int]
    max_length : int, default 16
        Prefixes with fewer than max_length words are expanded.
    min_mass : float, default 0.0
        Prefixes of probability below min_mass are not expanded (their mass is truncated).
    max_nodes : int, default 2000000
        Bound on the expanded nodes; exceeding it raises.

    Returns
    -------
    ContinuationDistribution
    """

def zero_points(model: TableLM | NgramLM | CallbackLM | BatchedCallbackLM, prompts: Sequence[Sequence[int]], eps: float, *, max_length: int = 16, min_mass: float = 0.0, max_nodes: int = 2000000) -> list[ZeroPoint]:
    """
    The prompts with S_L(s) < eps by exact enumeration: zero and near-zero points (Yang, arXiv
    2407.21092, §4; a zero point has S_L(s) = 0).

    Parameters
    ----------
    model : TableLM, NgramLM, CallbackLM or BatchedCallbackLM
        A PLM; TableLM and NgramLM run with the GIL released, the callback models call Python.
    prompts : list[list[int]]
        Non-empty.
    eps : float
        > 0.
    max_length : int, default 16
        Prefixes with fewer than max_length words are expanded.
    min_mass : float, default 0.0
        Prefixes of probability below min_mass are not expanded (their mass is truncated).
    max_nodes : int, default 2000000
        Bound on the expanded nodes; exceeding it raises.

    Returns
    -------
    list[ZeroPoint]
    """

def moduli_distance(a: TableLM | NgramLM | CallbackLM | BatchedCallbackLM, b: TableLM | NgramLM | CallbackLM | BatchedCallbackLM, prompts: Sequence[Sequence[int]] | Sequence[int], metric: str = 'total_variation', *, max_length: int = 16, min_mass: float = 0.0, max_nodes: int = 2000000) -> ModuliDistance:
    """
    The distance of two models on the moduli space of continuation laws (Yang, arXiv 2407.21092,
    §3): d(P_A(.|s), P_B(.|s)) on full continuations, or its supremum over a prompt set.

    Parameters
    ----------
    a, b : TableLM, NgramLM, CallbackLM or BatchedCallbackLM
        Same vocabulary.
    prompts : list[int] or list[list[int]]
        One prompt, or a non-empty prompt set (pass [[]] for the single empty prompt; [] is an
        empty set and raises).
    metric : {'total_variation', 'hellinger', 'js_distance', 'l2', 'fisher_rao'}
        Default 'total_variation'. Continuations beyond the limits form one truncated atom per
        model, so the distance is a lower bound (except l2), exact when nothing is truncated.
    max_length : int, default 16
        Prefixes with fewer than max_length words are expanded.
    min_mass : float, default 0.0
        Prefixes of probability below min_mass are not expanded (their mass is truncated).
    max_nodes : int, default 2000000
        Bound on the expanded nodes; exceeding it raises.

    Returns
    -------
    ModuliDistance
    """

def next_token_distance(a: TableLM | NgramLM | CallbackLM | BatchedCallbackLM, b: TableLM | NgramLM | CallbackLM | BatchedCallbackLM, prefix: Sequence[int], metric: str = 'total_variation') -> float:
    """
    The distance between the next-token laws p_A(.|prefix) and p_B(.|prefix) (Yang, arXiv
    2407.21092, §3), metric as in moduli_distance.
    """

def distribution_distance(p: Annotated[NDArray, dict(writable=False)], q: Annotated[NDArray, dict(writable=False)], metric: str = 'total_variation') -> float:
    """
    The distance between two aligned probability vectors (Yang, arXiv 2407.21092, §3: the metric
    policy of the moduli space).

    Parameters
    ----------
    p, q : array_like, shape (n,)
        Non-negative, each summing to 1 within 1e-6.
    metric : {'total_variation', 'hellinger', 'js_distance', 'l2', 'fisher_rao'}
        total_variation = sum|p - q|/2; hellinger = sqrt(sum (sqrt p - sqrt q)^2 / 2);
        js_distance = sqrt(JS divergence, nats); l2 = |p - q|_2; fisher_rao = 2 arccos(sum sqrt(p q)).

    Returns
    -------
    float
    """

def ensemble_thermodynamics(energies: Annotated[NDArray, dict(writable=False)], temperature: float = 1.0) -> EnsembleThermodynamics:
    """
    Z, U, F, S, C of the finite ensemble with the given energies at temperature T (Yang, arXiv
    2407.21092, §5: microstates are continuations with E = -log P_L(s'|s)).

    Parameters
    ----------
    energies : array_like, shape (n,)
        Finite, n >= 1 (e.g. MonteCarloSamples.energies of the distinct sampled continuations).
    temperature : float, default 1.0
        T > 0.

    Returns
    -------
    EnsembleThermodynamics

    Raises
    ------
    infoscale.Error
        On an empty or non-finite energy list, or T <= 0.
    """

def uniforms(seed: int, stream: int, counters: int | Sequence[int] | NDArray[numpy.uint64]) -> NDArray[numpy.float64]:
    """
    The library's counter-based uniforms on (0, 1): random_stream(seed, stream).uniform(c) for each
    counter c (Philox4x32-10). Draw t of Monte Carlo sample i of entropy_function_monte_carlo is
    uniforms(seed, stream, [i * (max_length + 1) + t]), so Python code can reproduce its draws.

    Returns
    -------
    numpy.ndarray of float64, one entry per counter.
    """
