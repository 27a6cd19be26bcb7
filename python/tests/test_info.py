"""info/: probability-row measures and logits measures against numpy/scipy."""
import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon
from scipy.special import logsumexp, softmax
from scipy.stats import entropy as scipy_entropy

import infoscale
from conftest import layouts, probability_rows

RTOL = 1e-12
ATOL = 1e-12


def close(a, b, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def test_entropy_matches_scipy_in_every_layout(rng):
    p = probability_rows(rng)
    expected = scipy_entropy(p, axis=1)
    for name, a in layouts(p).items():
        got = infoscale.entropy(a)
        assert isinstance(got, np.ndarray) and got.dtype == np.float64 and got.shape == (7,), name
        close(got, expected)


def test_one_dimensional_input_gives_a_float(rng):
    p = probability_rows(rng, rows=1)[0]
    got = infoscale.entropy(p)
    assert isinstance(got, float)
    close(got, scipy_entropy(p))
    assert isinstance(infoscale.kl_divergence(p, p[::-1]), float)
    close(infoscale.entropy(np.array([0.5, 0.5])), np.log(2.0))


def test_broadcast_rows_stride_zero(rng):
    p = probability_rows(rng, rows=1)[0]
    got = infoscale.entropy(np.broadcast_to(p, (5, p.size)))
    close(got, np.full(5, scipy_entropy(p)))


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-5), (np.float16, 2e-3)])
def test_narrow_dtypes_are_read_without_conversion(rng, dtype, rtol):
    p = probability_rows(rng, zeros=False).astype(dtype)
    wide = p.astype(np.float64)  # the values infoscale sees, widened exactly
    expected = -(wide * np.log(wide)).sum(axis=1)
    close(infoscale.entropy(p, tolerance=1e-2), expected, rtol=1e-9, atol=1e-9)
    close(infoscale.entropy(p[:, ::-1], tolerance=1e-2), expected, rtol=1e-9, atol=1e-9)
    q = probability_rows(rng, zeros=False).astype(dtype)
    close(infoscale.kl_divergence(p, q, tolerance=1e-2),
          scipy_entropy(wide, q.astype(np.float64), axis=1), rtol=rtol, atol=1e-6)


def test_pair_measures_match_scipy(rng):
    p = probability_rows(rng)
    q = probability_rows(rng, zeros=False)
    for name, (a, b) in {k: (layouts(p)[k], layouts(q)[k]) for k in layouts(p)}.items():
        close(infoscale.kl_divergence(a, b), scipy_entropy(p, q, axis=1))
        close(infoscale.cross_entropy(a, b), -(p * np.log(q)).sum(axis=1))
        close(infoscale.js_divergence(a, b), jensenshannon(p, q, axis=1) ** 2, atol=1e-12)
        close(infoscale.js_distance(a, b), jensenshannon(p, q, axis=1), atol=1e-7)
        close(infoscale.total_variation(a, b), 0.5 * np.abs(p - q).sum(axis=1))


def test_kl_is_infinite_where_q_is_zero_and_p_is_not(rng):
    p = np.array([[0.5, 0.5], [1.0, 0.0]])
    q = np.array([[1.0, 0.0], [1.0, 0.0]])
    got = infoscale.kl_divergence(p, q)
    assert np.isinf(got[0]) and got[1] == 0.0
    assert np.isinf(infoscale.cross_entropy(p, q)[0])
    close(infoscale.js_divergence(p, q), jensenshannon(p, q, axis=1) ** 2)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 1.0, 2.0, 3.5, np.inf])
def test_renyi_entropy_closed_forms(rng, alpha):
    p = probability_rows(rng)
    if alpha == 0.0:
        expected = np.log((p > 0).sum(axis=1))
    elif alpha == 1.0:
        expected = scipy_entropy(p, axis=1)
    elif np.isinf(alpha):
        expected = -np.log(p.max(axis=1))
    else:
        expected = np.log((p ** alpha).sum(axis=1)) / (1.0 - alpha)
    close(infoscale.renyi_entropy(p, alpha), expected)


def test_seq_and_par_policies_agree(rng):
    p = probability_rows(rng, rows=64)
    q = probability_rows(rng, rows=64, zeros=False)
    close(infoscale.entropy(p, policy="seq"), infoscale.entropy(p, policy="par"), rtol=1e-14)
    close(infoscale.js_divergence(p, q, policy="seq"), infoscale.js_divergence(p, q), rtol=1e-14)
    z = rng.normal(size=(64, 50))
    close(infoscale.entropy_from_logits(z, policy="seq"), infoscale.entropy_from_logits(z), rtol=1e-14)


# ---- logits ----

def softmax_rows(z, t=1.0):
    return softmax(z / t, axis=1)


@pytest.mark.parametrize("temperature", [0.3, 1.0, 4.0])
def test_entropy_and_varentropy_from_logits(rng, temperature):
    z = rng.normal(scale=3.0, size=(9, 40))
    p = softmax_rows(z, temperature)
    log_p = z / temperature - logsumexp(z / temperature, axis=1, keepdims=True)
    h = -(p * log_p).sum(axis=1)
    var = (p * log_p ** 2).sum(axis=1) - h ** 2
    for name, a in layouts(z).items():
        close(infoscale.entropy_from_logits(a, temperature), h, rtol=1e-11, atol=1e-12)
        close(infoscale.varentropy_from_logits(a, temperature), var, rtol=1e-9, atol=1e-11)


def test_cross_entropy_from_logits_is_the_token_loss(rng):
    z = rng.normal(size=(12, 30))
    targets = rng.integers(0, 30, size=12)
    expected = logsumexp(z, axis=1) - z[np.arange(12), targets]
    close(infoscale.cross_entropy_from_logits(z, targets), expected)
    close(infoscale.cross_entropy_from_logits(np.asfortranarray(z), targets.astype(np.int32)), expected)
    with pytest.raises(ValueError, match=r"outside the vocabulary"):
        infoscale.cross_entropy_from_logits(z, np.full(12, 30))
    with pytest.raises(ValueError, match=r"has 3 entries but logits has 12 rows"):
        infoscale.cross_entropy_from_logits(z, targets[:3])


def test_divergences_from_logits(rng):
    a = rng.normal(scale=2.0, size=(8, 25))
    b = rng.normal(scale=2.0, size=(8, 25))
    p, q = softmax_rows(a), softmax_rows(b)
    close(infoscale.kl_divergence_from_logits(a, b), scipy_entropy(p, q, axis=1), rtol=1e-10)
    close(infoscale.js_divergence_from_logits(a, b), jensenshannon(p, q, axis=1) ** 2, rtol=1e-10)
    close(infoscale.kl_divergence_from_logits(a.T.copy().T, b[:, :]), scipy_entropy(p, q, axis=1), rtol=1e-10)
    f = a.astype(np.float32)
    close(infoscale.kl_divergence_from_logits(f, b.astype(np.float32)),
          scipy_entropy(softmax_rows(f.astype(np.float64)), softmax_rows(b.astype(np.float32).astype(np.float64)),
                        axis=1), rtol=1e-9, atol=1e-12)
