"""infoscale.layers CKA against Kornblith's HSIC-with-centring definition written in numpy."""
import numpy as np
import pytest

import infoscale
import references as ref
from conftest import layouts

L = infoscale.layers


@pytest.fixture
def pair(rng):
    x = rng.normal(size=(40, 12))
    y = np.tanh(x @ rng.normal(size=(12, 7))) + 0.3 * rng.normal(size=(40, 7))
    return x, y


def test_linear_cka_matches_hsic_definition(pair):
    x, y = pair
    np.testing.assert_allclose(L.linear_cka(x, y), ref.linear_cka(x, y), rtol=1e-12)
    # wide layers (features > tokens) take the Gram path
    wide = np.hstack([y, y ** 2, np.sin(y), np.cos(3 * y), y ** 3, np.exp(-y ** 2)] * 2)
    assert wide.shape[1] > wide.shape[0]
    np.testing.assert_allclose(L.linear_cka(x, wide), ref.linear_cka(x, wide), rtol=1e-11)


def test_linear_cka_invariances(pair, rng):
    x, _ = pair
    q, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    assert L.linear_cka(x, 3.0 * x @ q + 5.0) == pytest.approx(1.0, abs=1e-12)


def test_debiased_and_rbf_cka(pair):
    x, y = pair
    np.testing.assert_allclose(L.debiased_linear_cka(x, y), ref.debiased_linear_cka(x, y), rtol=1e-10)
    np.testing.assert_allclose(L.rbf_cka(x, y), ref.cka_from_kernels(ref.rbf_gram(x), ref.rbf_gram(y)), rtol=1e-10)
    np.testing.assert_allclose(L.rbf_cka(x, y, threshold=0.5),
                               ref.cka_from_kernels(ref.rbf_gram(x, 0.5), ref.rbf_gram(y, 0.5)), rtol=1e-10)
    kx, ky = ref.rbf_gram(x), ref.rbf_gram(y)
    np.testing.assert_allclose(L.rbf_cka(x, y, debiased=True),
                               ref.unbiased_hsic(kx, ky) / np.sqrt(ref.unbiased_hsic(kx, kx) * ref.unbiased_hsic(ky, ky)),
                               rtol=1e-10)


def test_grams_and_centring(pair):
    x, y = pair
    np.testing.assert_allclose(L.gram_linear(x), x @ x.T, rtol=1e-12)
    np.testing.assert_allclose(L.gram_rbf(x), ref.rbf_gram(x), rtol=1e-12)
    h = ref.centring(x.shape[0])
    np.testing.assert_allclose(L.centre_gram(x @ x.T), h @ x @ x.T @ h, atol=1e-10)
    np.testing.assert_allclose(L.cka_from_grams(x @ x.T, y @ y.T), ref.linear_cka(x, y), rtol=1e-11)
    np.testing.assert_allclose(L.cka_from_grams(x @ x.T, y @ y.T, debiased=True), ref.debiased_linear_cka(x, y),
                               rtol=1e-10)


def test_matrix_and_representation_change(rng):
    stack = np.cumsum(rng.normal(size=(5, 30, 8)), axis=0)
    expected = np.array([[ref.linear_cka(a, b) for b in stack] for a in stack])
    np.testing.assert_allclose(L.cka_matrix(stack), expected, rtol=1e-11)
    np.testing.assert_allclose(L.representation_change(stack), 1.0 / np.diag(expected, 1), rtol=1e-11)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtypes_and_layouts_read_in_place(pair, dtype):
    x, y = (a.astype(dtype) for a in pair)
    expected = ref.linear_cka(x.astype(np.float64), y.astype(np.float64))
    for name, view in layouts(x).items():
        assert L.linear_cka(view, y) == pytest.approx(expected, rel=1e-10), name


def test_torch_and_bfloat16_inputs(pair):
    torch = pytest.importorskip("torch")
    x, y = pair
    tx, ty = torch.from_numpy(x).to(torch.bfloat16), torch.from_numpy(y).to(torch.bfloat16)
    expected = ref.linear_cka(tx.double().numpy(), ty.double().numpy())
    assert L.linear_cka(tx, ty) == pytest.approx(expected, rel=1e-10)
    assert L.linear_cka(tx.T.contiguous().T, ty) == pytest.approx(expected, rel=1e-10)


def test_streaming_accumulator_equals_whole(pair):
    x, y = pair
    acc = L.LinearCKAAccumulator(x.shape[1], y.shape[1])
    for start in range(0, len(x), 7):
        acc.add(x[start:start + 7], y[start:start + 7])
    assert acc.tokens == len(x)
    np.testing.assert_allclose(acc.value(), ref.linear_cka(x, y), rtol=1e-11)
    # a large common offset does not cancel catastrophically
    acc = L.LinearCKAAccumulator(x.shape[1], y.shape[1])
    for start in range(0, len(x), 9):
        acc.add(x[start:start + 9] + 1e6, y[start:start + 9] - 1e6)
    np.testing.assert_allclose(acc.value(), ref.linear_cka(x, y), rtol=1e-8)


def test_evidence_resamples_are_weighted_cka(rng):
    lengths = [5, 8, 3, 6]
    n = sum(lengths)
    layers = np.cumsum(rng.normal(size=(3, n, 6)), axis=0)
    plan = L.ResamplingPlan(len(lengths), resamples=20, seed=3)
    ev = L.CKAEvidence(lengths, plan)
    for layer in layers:
        ev.add_layer(layer)
    assert ev.layers == 3 and plan.size == 1 + 20 + 4
    for k in (0, 1, 7, 20, 21, 24):  # full sample, bootstrap sets, jackknife sets
        w = np.repeat(plan.weights(k), lengths)
        for pair in (0, 1):
            np.testing.assert_allclose(ev.cka(pair, k), ref.weighted_linear_cka(layers[pair], layers[pair + 1], w),
                                       rtol=1e-10)
    np.testing.assert_allclose(ev.signal(0), [1 / ev.cka(0, 0), 1 / ev.cka(1, 0)], rtol=1e-15)
    draws = plan.weights(5)
    assert draws.sum() == len(lengths) and np.array_equal(draws, L.resample_weights(3, 4, len(lengths)))
    assert np.array_equal(plan.weights(21), L.jackknife_weights(0, len(lengths)))


def test_cka_errors(pair):
    x, y = pair
    with pytest.raises(infoscale.Error, match=r"^infoscale::linear_cka: argument 'y' has 39 tokens"):
        L.linear_cka(x, y[:-1])
    with pytest.raises(infoscale.Error, match=r"argument 'x' is constant over tokens"):
        L.linear_cka(np.ones_like(x), y)
    bad = x.copy()
    bad[3, 2] = np.nan
    with pytest.raises(infoscale.Error, match=r"^infoscale::linear_cka: argument 'x'"):
        L.linear_cka(bad, y)
    with pytest.raises(infoscale.Error, match=r"argument 'x' must be 2-D \[tokens, features\], got 1 dimensions"):
        L.linear_cka(x[:, 0], y)
    with pytest.raises(infoscale.Error, match=r"argument 'y' has dtype float32 but 'x' has float64"):
        L.linear_cka(x, y.astype(np.float32))
    with pytest.raises(infoscale.Error, match=r"needs at least 4 tokens"):
        L.debiased_linear_cka(x[:3], y[:3])
    with pytest.raises(infoscale.Error, match=r"stack' must be 3-D"):
        L.cka_matrix(x)
    with pytest.raises(infoscale.Error, match=r"fewer than 2 tokens"):
        L.LinearCKAAccumulator(3, 3).value()
    plan = L.ResamplingPlan(2, resamples=3)
    with pytest.raises(infoscale.Error, match=r"has a different number of sequences"):
        L.CKAEvidence([4, 4, 4], plan)
    ev = L.CKAEvidence([20, 20], plan)
    with pytest.raises(infoscale.Error, match=r"has 30 tokens but the sequences have 40"):
        ev.add_layer(x[:30])
