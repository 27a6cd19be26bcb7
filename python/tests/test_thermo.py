"""thermo/: the canonical ensemble of logits against scipy.special.logsumexp and closed forms."""
import numpy as np
import pytest
from scipy.special import logsumexp, softmax

import infoscale
from conftest import layouts


def reference(z, t):
    log_z = logsumexp(z / t, axis=1)
    p = softmax(z / t, axis=1)
    energy = -z
    u = (p * energy).sum(axis=1)
    f = -t * log_z
    c = ((p * energy ** 2).sum(axis=1) - u ** 2) / t ** 2
    s = -(p * np.log(p)).sum(axis=1)
    return log_z, u, f, s, c


@pytest.mark.parametrize("temperature", [0.25, 1.0, 3.0])
def test_thermodynamics_matches_closed_forms(rng, temperature):
    z = rng.normal(scale=4.0, size=(10, 64))
    log_z, u, f, s, c = reference(z, temperature)
    for name, a in layouts(z).items():
        t = infoscale.thermodynamics(a, temperature)
        assert t.temperature == temperature
        np.testing.assert_allclose(t.log_partition, log_z, rtol=1e-12)
        np.testing.assert_allclose(t.internal_energy, u, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(t.free_energy, f, rtol=1e-12)
        np.testing.assert_allclose(t.entropy, s, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(t.heat_capacity, c, rtol=1e-8, atol=1e-11)
        # S = (U - F) / T
        np.testing.assert_allclose(t.entropy, (t.internal_energy - t.free_energy) / temperature, rtol=1e-9,
                                   atol=1e-12)
    np.testing.assert_allclose(infoscale.log_partition(z, temperature), log_z, rtol=1e-12)
    np.testing.assert_allclose(infoscale.free_energy(z, temperature), f, rtol=1e-12)
    np.testing.assert_allclose(infoscale.heat_capacity(z, temperature), c, rtol=1e-8, atol=1e-11)


def test_thermodynamics_of_one_row_and_as_dict(rng):
    z = rng.normal(size=50)
    t = infoscale.thermodynamics(z, 0.5)
    assert t.entropy.shape == ()
    np.testing.assert_allclose(float(t.log_partition), logsumexp(z / 0.5), rtol=1e-12)
    d = t.as_dict()
    assert set(d) == {"temperature", "log_partition", "internal_energy", "free_energy", "entropy",
                      "heat_capacity"}
    assert "Thermodynamics(" in repr(t)
    assert isinstance(infoscale.log_partition(z), float)


def test_float16_logits(rng):
    z = rng.normal(scale=2.0, size=(6, 40)).astype(np.float16)
    log_z, u, f, s, c = reference(z.astype(np.float64), 1.0)
    t = infoscale.thermodynamics(z[:, ::-1])
    np.testing.assert_allclose(t.log_partition, log_z, rtol=1e-12)
    np.testing.assert_allclose(t.entropy, s, rtol=1e-10)


def test_temperature_scan(rng):
    z = rng.normal(scale=2.0, size=(5, 30))
    temperatures = [0.1, 0.5, 1.0, 2.0, 10.0]
    scan = infoscale.temperature_scan(z, temperatures)
    assert scan.entropy.shape == (5, 5)
    np.testing.assert_array_equal(scan.temperature, temperatures)
    for i, t in enumerate(temperatures):
        one = infoscale.thermodynamics(z, t)
        for field in ("log_partition", "internal_energy", "free_energy", "entropy", "heat_capacity"):
            np.testing.assert_array_equal(getattr(scan, field)[i], getattr(one, field))
    # heat capacity is dU/dT: compare with a central difference
    h = 1e-4
    du = (infoscale.thermodynamics(z, 1.0 + h).internal_energy
          - infoscale.thermodynamics(z, 1.0 - h).internal_energy) / (2 * h)
    np.testing.assert_allclose(infoscale.thermodynamics(z, 1.0).heat_capacity, du, rtol=1e-6)
    assert infoscale.temperature_scan(z[0], np.array([0.5, 2.0])).entropy.shape == (2,)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("temperature", [0.5, 1.0])
def test_fast_precision_within_its_bound_of_scipy(rng, dtype, temperature):
    # precision='fast': float exp and float block sums, stated ~1e-7 relative; asserted at 1e-6
    # against scipy in float64 (V = 128,256 spans many blocks). Var to 1e-6 of E[(z - max)^2 / T^2].
    z = rng.normal(scale=3.0, size=(4, 128256)).astype(dtype)
    log_z, u, f, s, c = reference(z.astype(np.float64), temperature)
    t = infoscale.thermodynamics(z, temperature, precision="fast")
    np.testing.assert_allclose(t.entropy, s, rtol=1e-6)
    np.testing.assert_allclose(t.log_partition, log_z, rtol=1e-6)
    gaps = (z.astype(np.float64) - z.max(axis=1, keepdims=True)) / temperature
    second = (softmax(z.astype(np.float64) / temperature, axis=1) * gaps ** 2).sum(axis=1)
    assert np.all(np.abs(t.heat_capacity * temperature ** 2 - c * temperature ** 2) <= 1e-6 * second)
    fast = infoscale.entropy_from_logits(z, temperature, precision="fast")
    np.testing.assert_allclose(fast, s, rtol=1e-6)
    assert not np.array_equal(fast, infoscale.entropy_from_logits(z, temperature))  # the mode is used
    np.testing.assert_array_equal(fast, infoscale.entropy_from_logits(z, temperature, precision="fast", policy="seq"))
    for fn in (infoscale.log_partition, infoscale.free_energy, infoscale.heat_capacity,
               infoscale.varentropy_from_logits):
        exact, quick = fn(z, temperature), fn(z, temperature, precision="fast")
        np.testing.assert_allclose(quick, exact, rtol=2e-5)
    scan = infoscale.temperature_scan(z, [0.5, 1.0], precision="fast")
    np.testing.assert_allclose(scan.entropy[1], reference(z.astype(np.float64), 1.0)[3], rtol=1e-6)


def test_precision_must_be_exact_or_fast():
    z = np.zeros((2, 8))
    with pytest.raises(ValueError, match="precision"):
        infoscale.entropy_from_logits(z, precision="double")
    with pytest.raises(ValueError, match="precision"):
        infoscale.thermodynamics(z, precision="")
