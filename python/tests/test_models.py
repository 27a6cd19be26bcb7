"""hvib/ Gaussian KLs and entropic/ formulas against closed forms."""
import math

import numpy as np
import pytest

import infoscale
from infoscale import entropic
from conftest import layouts


def kl_1d(m0, v0, m1, v1):
    return 0.5 * (v0 / v1 - 1.0 - np.log(v0 / v1) + (m0 - m1) ** 2 / v1)


def test_gaussian_kl_scalar():
    assert math.isclose(infoscale.gaussian_kl(0.3, 2.0, -1.0, 0.5), kl_1d(0.3, 2.0, -1.0, 0.5), rel_tol=1e-14)
    assert infoscale.gaussian_kl(1.0, 1.0, 1.0, 1.0) == 0.0
    with pytest.raises(ValueError, match=r"infoscale::gaussian_kl: argument 'v0'"):
        infoscale.gaussian_kl(0.0, -1.0, 0.0, 1.0)


def test_gaussian_kl_diagonal(rng):
    m0, m1 = rng.normal(size=(2, 6, 9))
    v0, v1 = rng.uniform(0.2, 3.0, size=(2, 6, 9))
    expected = kl_1d(m0, v0, m1, v1).sum(axis=1)
    lm0, lv0, lm1, lv1 = (layouts(x) for x in (m0, v0, m1, v1))
    for name in lm0:
        got = infoscale.gaussian_kl_diagonal(lm0[name], lv0[name], lm1[name], lv1[name])
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert isinstance(infoscale.gaussian_kl_diagonal(m0[0], v0[0], m1[0], v1[0]), float)
    v_bad = v1.copy()
    v_bad[3, 4] = 0.0
    with pytest.raises(ValueError, match=r"'v1' has a variance <= 0 in row 3"):
        infoscale.gaussian_kl_diagonal(m0, v0, m1, v_bad)


def test_gaussian_kl_full(rng):
    k = 4
    a, b = rng.normal(size=(2, k, k))
    s0, s1 = a @ a.T + k * np.eye(k), b @ b.T + k * np.eye(k)
    m0, m1 = rng.normal(size=(2, k))
    inv1 = np.linalg.inv(s1)
    d = m1 - m0
    expected = 0.5 * (np.trace(inv1 @ s0) + d @ inv1 @ d - k
                      + np.linalg.slogdet(s1)[1] - np.linalg.slogdet(s0)[1])
    assert math.isclose(infoscale.gaussian_kl_full(m0, s0, m1, s1), expected, rel_tol=1e-12)
    diag = infoscale.gaussian_kl_diagonal(m0, np.diag(s0), m1, np.diag(s1))
    assert math.isclose(infoscale.gaussian_kl_full(m0, np.diag(np.diag(s0)), m1, np.diag(np.diag(s1))), diag,
                        rel_tol=1e-12)
    with pytest.raises(ValueError, match=r"infoscale::gaussian_kl_full: argument 's0'"):
        infoscale.gaussian_kl_full(m0, -np.eye(k), m1, s1)


def test_capacity_and_its_inverses():
    assert math.isclose(entropic.capacity(25), 25 * math.log2(25), rel_tol=1e-15)
    assert math.isclose(entropic.capacity(25, 2.0), 50 * math.log2(25), rel_tol=1e-15)
    assert math.isclose(entropic.capacity_nats(25), 25 * math.log(25), rel_tol=1e-15)
    assert math.isclose(entropic.capacity_slope(25), math.log2(25) + 1 / math.log(2), rel_tol=1e-15)
    for info in [0.0, 2.0, 2.5, 116.0, 130.0, 1e4]:
        n = entropic.minimum_level(info)
        assert n == next(m for m in range(2, 10**5) if m * math.log2(m) >= info)
        assert entropic.select_level(info) == n
        assert entropic.emergence_level(info) == n
    for info in [2.0, 116.0, 1e4]:
        n = entropic.maximum_level(info)
        assert n * math.log2(n) <= info < (n + 1) * math.log2(n + 1)
        x = entropic.continuous_level(info)
        assert math.isclose(x * math.log2(x), info, rel_tol=1e-12)
    with pytest.raises(ValueError, match=r"infoscale::capacity: argument"):
        entropic.capacity(1.0)


def test_levels_and_calibration():
    c = entropic.default_calibration
    p, v = 1.5e9, 50257
    arg = c.a * math.log2(p) + c.b * math.log2(v) + c.c
    assert math.isclose(entropic.level_argument(p, v), arg, rel_tol=1e-12)
    assert entropic.level(p, v) == math.floor(arg)
    mine = entropic.Calibration(a=1.0, b=0.0, c=-3.0)
    assert entropic.level(2.0 ** 20, 100, mine) == 17
    assert entropic.Calibration() == entropic.Calibration(1.0, 0.0, 0.0)
    assert "Calibration(a=1.0" in repr(mine)
    with pytest.raises(ValueError):
        entropic.level(-5.0, 100)


def test_distillation_and_free_energy(rng):
    nt, ns, alpha = 37.0, 31.0, 0.8
    expected = math.exp(-alpha * (nt * math.log(nt) - ns * math.log(ns)) / (nt * math.log(nt)))
    assert math.isclose(entropic.retention(nt, ns, alpha), expected, rel_tol=1e-12)
    assert math.isclose(entropic.optimal_distillation_gap(36.0), 6.0)
    assert entropic.optimal_student_level(36) == 30
    assert math.isclose(entropic.model_free_energy(25, 2.0, 3.0), 25 * math.log2(25) - 6.0, rel_tol=1e-14)
    z = rng.normal(size=(5, 20))
    bits = infoscale.entropy_from_logits(z, 0.7).mean() / math.log(2)
    assert math.isclose(entropic.output_entropy_bits(z, 0.7), bits, rel_tol=1e-12)
    with pytest.raises(ValueError):
        entropic.retention(30.0, 31.0, 1.0)


def test_import_forms():
    import infoscale.entropic as e
    from infoscale.entropic import capacity
    assert e is infoscale.entropic and capacity is entropic.capacity
    assert issubclass(infoscale.Error, ValueError)
