"""
Entropic scaling (Kowalczyk): the model-to-level map of eq. (1), the capacity I(n) = kappa n log2 n
of eq. (2) and its inverses, distillation retention (4), emergence (6), model free energy (10)
and model selection (section 9.1). Capacities are in bits (kappa bits).
"""

from typing import Annotated

from numpy.typing import NDArray


class Calibration:
    """
    The constants (a, b, c) of eq. (1): n = floor(a log2 P + b log2 V + c).

    Parameters
    ----------
    a : float, default 1.0
        Weight of log2 P (parameters); the paper's alpha.
    b : float, default 0.0
        Weight of log2 V (vocabulary); the paper's beta.
    c : float, default 0.0
        Offset; the paper's gamma.
    """

    def __init__(self, a: float = 1.0, b: float = 0.0, c: float = 0.0) -> None: ...

    @property
    def a(self) -> float: ...

    @a.setter
    def a(self, arg: float, /) -> None: ...

    @property
    def b(self) -> float: ...

    @b.setter
    def b(self, arg: float, /) -> None: ...

    @property
    def c(self) -> float: ...

    @c.setter
    def c(self, arg: float, /) -> None: ...

    def __eq__(self, arg: Calibration, /) -> bool: ...

    def __repr__(self) -> str: ...

default_calibration: Calibration = ...

def level(parameters: float, vocabulary: float, calibration: Calibration = ...) -> int:
    """
    Hierarchy level n = floor(a log2 P + b log2 V + c) of a model, eq. (1).

    Parameters
    ----------
    parameters : float
        P, the parameter count (> 0).
    vocabulary : float
        V, the vocabulary size (> 0).
    calibration : Calibration, default default_calibration
        The constants (a, b, c); the default reproduces the paper's Table 1.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        On a non-positive P or V or a non-finite constant.
    """

def level_argument(parameters: float, vocabulary: float, calibration: Calibration = ...) -> float:
    """
    The continuous a log2 P + b log2 V + c before the floor of eq. (1).

    Returns
    -------
    float
    """

def capacity(n: float, kappa: float = 1.0) -> float:
    """
    Entropic capacity kappa n log2 n of level n >= 2, in bits, eq. (2).

    Parameters
    ----------
    n : float
        Level, >= 2.
    kappa : float, default 1.0
        Bits per level unit, > 0.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On n < 2 or kappa <= 0.
    """

def capacity_nats(n: float, kappa: float = 1.0) -> float:
    """
    kappa n ln n: eq. (2) read with the natural logarithm, as in eq. (7).

    Returns
    -------
    float
    """

def capacity_slope(n: float, kappa: float = 1.0) -> float:
    """
    dI/dn = kappa (log2 n + 1 / ln 2), the marginal capacity of one more level.

    Returns
    -------
    float
    """

def minimum_level(required_capacity: float, kappa: float = 1.0) -> int:
    """
    Least integer level n >= 2 with kappa n log2 n >= I (discrete inverse of eq. (2)).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        On I < 0 or kappa <= 0.
    """

def maximum_level(available_capacity: float, kappa: float = 1.0) -> int:
    """
    Largest integer level n >= 2 with kappa n log2 n <= I (the bound of eq. (15)).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        When I < I(2) = 2 kappa.
    """

def continuous_level(required_capacity: float, kappa: float = 1.0) -> float:
    """
    The real n >= 1 with kappa n log2 n = I (Lambert W), for I >= 0.

    Returns
    -------
    float
    """

def select_level(task_information: float, kappa: float = 1.0) -> int:
    """
    Selected level n* = argmin_n {I(n) >= I_task}, section 9.1.

    Returns
    -------
    int
    """

def emergence_level(threshold: float, kappa: float = 1.0) -> int:
    """
    Emergence level n_c = min{n : kappa n log2 n >= I_threshold}, eq. (6).

    Returns
    -------
    int
    """

def retention(teacher_level: float, student_level: float, alpha: float) -> float:
    """
    Distillation retention exp(-alpha (n_T log n_T - n_S log n_S) / (n_T log n_T)), eq. (4).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        When n_S > n_T, a level < 2 or alpha < 0.
    """

def optimal_distillation_gap(teacher_level: float) -> float:
    """
    Optimal distillation gap dn = sqrt(n_T), eq. (14).

    Returns
    -------
    float
    """

def optimal_student_level(teacher_level: int) -> int:
    """
    Student level n_T - round(sqrt(n_T)), eq. (14); needs n_T >= 4.

    Returns
    -------
    int
    """

def model_free_energy(n: float, temperature: float, output_entropy: float, kappa: float = 1.0, energy_scale: float = 1.0) -> float:
    """
    Model free energy F_n = energy_scale * kappa n log2 n - T S_n, eq. (10); S_n in bits.

    Returns
    -------
    float
    """

def output_entropy_bits(logits: Annotated[NDArray, dict(writable=False)], temperature: float = 1.0, *, policy: str = 'par') -> float:
    """
    S_n of eq. (10): the mean over rows of the entropy of softmax(logits / T), in bits.

    Parameters
    ----------
    logits : array_like
        Shape (positions, vocabulary) or (vocabulary,).
    temperature : float, default 1.0
    policy : {'par', 'seq'}, default 'par'

    Returns
    -------
    float
    """
