"""Attention drift S3 and its bootstrap sums against the JS definition written in numpy."""
import numpy as np
import pytest

import infoscale
import references as ref

L = infoscale.layers


def attention_stack(rng, layers=4, heads=3, t=9):
    z = rng.normal(scale=2.0, size=(layers, heads, t, t))
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_drift_matches_numpy_with_masks(rng):
    a = attention_stack(rng)
    valid = np.array([1, 1, 1, 1, 1, 1, 1, 0, 0])
    for causal in (True, False):
        np.testing.assert_allclose(L.attention_drift(a, causal=causal), ref.attention_drift(a, causal=causal),
                                   rtol=1e-12)
        np.testing.assert_allclose(L.attention_drift(a, causal=causal, valid=valid),
                                   ref.attention_drift(a, valid, causal=causal), rtol=1e-12)


def test_statistics_batch_and_entropy(rng):
    a = attention_stack(rng, layers=3)
    valid = np.array([1] * 6 + [0] * 3)
    js, rows = L.attention_drift_statistics(a, causal=False, valid=valid)
    assert rows == 3 * 6
    np.testing.assert_allclose(js / rows, ref.attention_drift(a, valid, causal=False), rtol=1e-12)
    # the batched pair form gives, per sequence, exactly the whole-stack sums (bit for bit)
    b = attention_stack(rng, layers=3)
    mask = np.array([valid, np.ones(9, dtype=int)])
    for pair in (0, 1):
        js_b, rows_b = L.attention_drift_batch(np.stack([a[pair], b[pair]]), np.stack([a[pair + 1], b[pair + 1]]), mask)
        assert js_b[0] == js[pair] and rows_b[0] == rows
        assert js_b[1] == L.attention_drift_statistics(b, causal=False)[0][pair]
    p, real = ref.masked_rows(a[0], valid, causal=False)
    entropy = -(p * np.log(np.where(p > 0, p, 1.0))).sum(-1)[:, real].mean(-1)
    np.testing.assert_allclose(L.attention_entropy(a[0], causal=False, valid=valid), entropy, rtol=1e-12)


def test_float16_strided_stack_read_in_place(rng):
    dump = attention_stack(rng, layers=3, heads=2, t=6).astype(np.float16)
    sequences = np.stack([dump, dump[:, ::-1]], axis=1)  # [layers, sequences, heads, T, T]
    view = sequences[:, 1]  # non-contiguous
    expected = ref.attention_drift(view.astype(np.float64), causal=False)
    np.testing.assert_allclose(L.attention_drift(view, causal=False), expected, rtol=1e-12)


def test_evidence_pools_weighted_sums(rng):
    plan = L.ResamplingPlan(3, resamples=5, seed=1)
    ev = L.AttentionEvidence(plan)
    sums = []
    for s in range(3):
        a = attention_stack(rng, layers=4, t=5 + s)
        ev.add_sequence(s, a, causal=False)
        sums.append(L.attention_drift_statistics(a, causal=False))
    assert ev.pairs == 3
    for k in range(plan.size):
        w = plan.weights(k)
        expected = sum(wi * js for wi, (js, _) in zip(w, sums)) / sum(wi * r for wi, (_, r) in zip(w, sums))
        np.testing.assert_allclose(ev.signal(k), expected, rtol=1e-13)


def test_attention_errors(rng):
    a = attention_stack(rng)
    with pytest.raises(infoscale.Error, match=r"^infoscale::attention_drift: argument 'layers' must be 4-D"):
        L.attention_drift(a[0])
    bad = a.copy()
    bad[1, 0, 2, 3] = -0.1
    with pytest.raises(infoscale.Error, match=r"has an invalid probability at head 0, query 2"):
        L.attention_drift(bad)
    with pytest.raises(infoscale.Error, match=r"argument 'mask.valid' must have one entry per key"):
        L.attention_drift(a, valid=np.ones(4, dtype=int))
    with pytest.raises(infoscale.Error, match=r"argument 'mask' must have shape \(batch, keys\) = \(1, 9\)"):
        L.attention_drift_batch(a[:1], a[1:2], np.ones((1, 8), dtype=np.int64))
    with pytest.raises(infoscale.Error, match=r"argument 'current' has a different shape"):
        L.attention_drift_batch(a[:2], a[1:2], np.ones((2, 9), dtype=np.int64))
    ev = L.AttentionEvidence(L.ResamplingPlan(2, resamples=1))
    ev.add_sequence(0, a, causal=False)
    with pytest.raises(infoscale.Error, match=r"argument 'sequences' were not all added"):
        ev.signal(0)
