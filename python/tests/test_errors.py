"""infoscale::error becomes infoscale.Error (a ValueError) with the library's message unchanged."""
import numpy as np
import pytest

import infoscale
from conftest import probability_rows


def test_message_is_the_cpp_message(rng):
    p = probability_rows(rng, rows=3) * 2.0
    with pytest.raises(ValueError) as info:
        infoscale.entropy(p)
    assert type(info.value) is infoscale.Error
    assert str(info.value) == ("infoscale::entropy: argument 'p' row 0 sums to 2.000000, not 1 "
                               "(tolerance 1e-09); normalise it first")


@pytest.mark.parametrize("bad, pattern", [
    (np.nan, r"infoscale::entropy: argument 'p' has a NaN or infinite value in row 1"),
    (np.inf, r"infoscale::entropy: argument 'p' has a NaN or infinite value in row 1"),
    (-0.25, r"infoscale::entropy: argument 'p' has a negative probability \(-0.250000\) in row 1"),
])
def test_invalid_probabilities(rng, bad, pattern):
    p = probability_rows(rng, rows=3)
    p[1, 2] = bad
    with pytest.raises(ValueError, match=pattern):
        infoscale.entropy(p)


def test_nan_logits(rng):
    z = rng.normal(size=(4, 10))
    z[2, 3] = np.nan
    with pytest.raises(ValueError, match=r"^infoscale::thermodynamics: argument 'logits'"):
        infoscale.thermodynamics(z)
    with pytest.raises(ValueError, match=r"^infoscale::entropy_from_logits: argument 'logits'"):
        infoscale.entropy_from_logits(z)


@pytest.mark.parametrize("temperature", [0.0, -1.0, np.nan])
def test_non_positive_temperature(rng, temperature):
    z = rng.normal(size=(2, 5))
    with pytest.raises(ValueError, match=r"^infoscale::thermodynamics: argument 'temperature'"):
        infoscale.thermodynamics(z, temperature)
    with pytest.raises(ValueError, match=r"^infoscale::temperature_scan: argument 'temperatures'"):
        infoscale.temperature_scan(z, [1.0, temperature])
    with pytest.raises(ValueError, match=r"^infoscale::entropy_from_logits: argument 'temperature'"):
        infoscale.entropy_from_logits(z, temperature)


def test_wrong_rank_dtype_shape_and_policy(rng):
    p = probability_rows(rng, rows=4)
    with pytest.raises(ValueError, match=r"infoscale::entropy: argument 'p' must be 1-D .* got 3 dimensions"):
        infoscale.entropy(p.reshape(2, 2, -1))
    with pytest.raises(ValueError, match=r"got 0 dimensions"):
        infoscale.entropy(np.float64(1.0).reshape(()))
    with pytest.raises(ValueError, match=r"argument 'p' has an unsupported dtype"):
        infoscale.entropy(np.ones((2, 2), dtype=np.int64))
    with pytest.raises(ValueError, match=r"argument 'q' has dtype float32 but 'p' has float64"):
        infoscale.kl_divergence(p, p.astype(np.float32))
    with pytest.raises(ValueError, match=r"infoscale::kl_divergence: argument 'q'"):
        infoscale.kl_divergence(p, p[:3])
    with pytest.raises(ValueError, match=r"argument 'policy' must be 'par' or 'seq'"):
        infoscale.entropy(p, policy="gpu")
    with pytest.raises(ValueError, match=r"argument 'alpha'"):
        infoscale.renyi_entropy(p, -1.0)
    with pytest.raises(ValueError, match=r"argument 'p'"):
        infoscale.entropy(np.empty((0, 3)))
    with pytest.raises(ValueError, match=r"temperatures' is empty"):
        infoscale.temperature_scan(p, [])
