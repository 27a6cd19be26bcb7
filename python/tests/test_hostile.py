"""Hostile input on the Python side (issue 19): every case ends in infoscale.Error naming the
argument, or in the correct value; never a crash, a hang or a silent wrong answer. The CLI's cases
are in tests/hostile/run_hostile.py (ctest cli_hostile)."""
import numpy as np
import pytest

import infoscale
from infoscale import layers

def _torch():
    return pytest.importorskip("torch")  # optional: only these tests need it


# ---- options that NaN used to slip through -----------------------------------------------------
@pytest.mark.parametrize("tolerance", [np.nan, np.inf, -1e-3])
def test_probability_tolerance_must_be_finite_and_non_negative(tolerance):
    p = np.array([[0.2, 0.3, 0.5]])
    for call in (lambda: infoscale.entropy(p, tolerance=tolerance),
                 lambda: infoscale.kl_divergence(p, p, tolerance=tolerance)):
        with pytest.raises(infoscale.Error, match=r"argument 'tolerance' must be finite and >= 0"):
            call()


def test_nan_tolerance_no_longer_accepts_unnormalised_rows():
    with pytest.raises(infoscale.Error, match="tolerance"):
        infoscale.entropy(np.array([3.0, 0.0]), tolerance=np.nan)


@pytest.mark.parametrize("option, value, pattern", [
    ("learning_rate", np.nan, r"options.learning_rate' must be finite and > 0"),
    ("learning_rate", 0.0, r"options.learning_rate' must be finite and > 0"),
    ("learning_rate", np.inf, r"options.learning_rate' must be finite and > 0"),
    ("l2", np.nan, r"options.l2' must be finite and >= 0"),
    ("l2", -1.0, r"options.l2' must be finite and >= 0"),
    ("iterations", 0, r"options.iterations' must be >= 1"),
    ("hidden", 2 ** 40, r"options.hidden' is 1099511627776: the MLP would need"),
])
def test_probe_options_are_checked(option, value, pattern):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 4))
    labels = (x[:, 0] > 0).astype(np.int64)
    with pytest.raises(infoscale.Error, match=pattern):
        layers.probe_score(x, labels, 2, **{option: value})


def test_peak_prominence_bounds_must_not_be_nan():
    x = np.array([0.0, 1.0, 0.0, 2.0, 0.0])
    with pytest.raises(infoscale.Error, match="max_prominence"):
        layers.find_peaks(x, max_prominence=np.nan)
    with pytest.raises(infoscale.Error, match="min_prominence"):
        layers.find_peaks(x, min_prominence=np.nan)


# ---- attention: rows are distributions before masking, masks are 0/1 -----------------------------
def _attention(rng, layers_=3, heads=2, queries=5):
    scores = rng.normal(size=(layers_, heads, queries, queries))
    a = np.exp(scores)
    return a / a.sum(axis=-1, keepdims=True)


def test_attention_rows_must_sum_to_one():
    a = _attention(np.random.default_rng(0))
    with pytest.raises(infoscale.Error, match=r"argument 'attention' has a row that sums to (3|2\.9999\d*), not 1 \(tolerance 0\.0001\)"):
        layers.attention_drift(a * 3.0, causal=False)
    with pytest.raises(infoscale.Error, match=r"sums to"):
        layers.attention_entropy(a[0] * 3.0, causal=False)
    # Within the stated tolerance (1e-4 for float32/float64) a row is accepted.
    layers.attention_drift(a * (1.0 + 5e-5), causal=False)


def test_attention_mask_values_are_zero_or_one():
    a = _attention(np.random.default_rng(1))
    with pytest.raises(infoscale.Error, match=r"argument 'valid' has the value 2 at index 1"):
        layers.attention_drift(a, valid=np.array([1, 2, 1, 1, 1]))
    with pytest.raises(infoscale.Error, match=r"has the value -1"):
        layers.attention_entropy(a[0], valid=np.array([1, 1, -1, 1, 1]))
    batch = a[:2]  # [batch, heads, queries, keys]
    with pytest.raises(infoscale.Error, match=r"argument 'mask' has the value 2"):
        layers.attention_drift_batch(batch, batch, np.array([[1, 1, 1, 1, 1], [1, 1, 2, 1, 1]]))
    same = layers.attention_drift(a, valid=np.array([1, 1, 1, 1, 0]))
    assert np.all(np.isfinite(same))


# ---- CKA is scale-invariant in floating point too ----------------------------------------------
@pytest.mark.parametrize("scale", [1e75, 1e154, 1e-90, 1e300, 1e-300])
def test_linear_cka_at_extreme_scales(scale):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(60, 8))
    y = x @ rng.normal(size=(8, 5)) + 0.5 * rng.normal(size=(60, 5))
    reference = layers.linear_cka(x, y)
    assert 0.0 < reference < 1.0
    assert layers.linear_cka(x * scale, y) == pytest.approx(reference, rel=1e-12)
    assert layers.linear_cka(x * scale, y * scale) == pytest.approx(reference, rel=1e-12)
    assert layers.debiased_linear_cka(x * scale, y) == pytest.approx(layers.debiased_linear_cka(x, y), rel=1e-10)
    stack = np.stack([x[:, :5], y, y * 2.0])
    np.testing.assert_allclose(layers.cka_matrix(stack * scale), layers.cka_matrix(stack), rtol=1e-12)
    np.testing.assert_allclose(layers.representation_change(stack * scale), layers.representation_change(stack),
                               rtol=1e-12)


def test_constant_representation_still_raises_at_any_scale():
    x = np.ones((10, 3)) * 1e300
    with pytest.raises(infoscale.Error, match="constant"):
        layers.linear_cka(x, np.random.default_rng(0).normal(size=(10, 3)))


# ---- torch views DLPack cannot describe, and tensors torch protects --------------------------------
def test_negative_and_conjugate_views_are_resolved():
    t = _torch()
    logits = t.tensor([[0.5, -1.0, 2.0], [3.0, 0.0, 1.0]], dtype=t.float64)
    negated = t._neg_view(logits)
    assert negated.is_neg()
    assert infoscale.entropy_from_logits(negated) == pytest.approx(
        infoscale.entropy_from_logits((-logits).numpy()), rel=1e-15)
    c = t.complex(t.ones_like(logits), logits).conj()
    assert c.imag.is_neg()
    np.testing.assert_allclose(infoscale.entropy_from_logits(c.imag), infoscale.entropy_from_logits(-logits.numpy()),
                               rtol=1e-15)
    x = t.randn(20, 4, dtype=t.float64)
    y = t.randn(20, 3, dtype=t.float64)
    assert layers.linear_cka(t._neg_view(x), y) == pytest.approx(layers.linear_cka((-x).numpy(), y.numpy()))


def test_in_place_noise_refuses_protected_tensors():
    t = _torch()
    leaf = t.randn(4, 3, requires_grad=True)
    before = leaf.detach().clone()
    with pytest.raises(infoscale.Error, match="requires grad"):
        layers.add_gaussian_noise(leaf, 1.0, 0)
    assert t.equal(leaf.detach(), before)
    with t.inference_mode():
        frozen = t.randn(4, 3)
        before = frozen.clone()
    with pytest.raises(infoscale.Error, match="inference tensor"):
        layers.add_gaussian_noise(frozen, 1.0, 0)
    assert t.equal(frozen, before)
    base = t.ones(4, 3)
    with pytest.raises(infoscale.Error, match="negative bit"):
        layers.add_gaussian_noise(t._neg_view(base), 1.0, 0)
    plain = t.randn(4, 3)
    before = plain.clone()
    layers.add_gaussian_noise(plain, 1.0, 0)
    assert not t.equal(plain, before)
    with t.inference_mode():
        inside = t.randn(4, 3)
        before = inside.clone()
        layers.add_gaussian_noise(inside, 1.0, 0)  # allowed where torch allows it
        assert not t.equal(inside, before)
