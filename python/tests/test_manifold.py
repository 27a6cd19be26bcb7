"""infoscale.manifold: the Conjecture 6.4 checker (Yang, arXiv 2407.21092, §6) from Python."""
import numpy as np
import pytest

import infoscale
from infoscale import manifold


def head_entropy(w):
    """x -> H(softmax(W x)): the entropy of a linear head, a Euclidean Boltzmann manifold's entropy."""
    def f(x):
        z = w @ x
        z = z - z.max()
        p = np.exp(z) / np.exp(z).sum()
        return float(-(p * np.log(np.where(p > 0, p, 1))).sum())
    return f


def test_a_convex_function_has_no_violations():
    r = manifold.check_convexity(lambda x: float(x @ x), 5, segments=100, hessian_points=100)
    assert r.midpoint_tests == 100 and r.hessian_tests == 100
    assert not r.convexity_refuted and r.concavity_refuted
    assert r.midpoint_violations == 0 and r.hessian_violations == 0
    assert r.most_positive_curvature == pytest.approx(2.0, rel=1e-5)  # d^2/dt^2 |x + t v|^2, |v| = 1
    assert r.midpoint_examples.a.shape == (0, 5) and len(r.hessian_examples) == 0


def test_softmax_entropy_of_a_random_linear_head_is_not_convex(rng):
    w = rng.normal(size=(8, 30))
    f = head_entropy(w)
    r = manifold.check_convexity(f, 30, segments=100, hessian_points=100, scale=1.0, keep_examples=4, seed=2)
    assert r.convexity_refuted and r.most_negative_curvature < 0 and r.worst_midpoint_gap > 0
    ex = r.midpoint_examples
    assert ex.a.shape == (len(ex), 30) and ex.b.shape == (len(ex), 30) and 0 < len(ex) <= 4
    for a, b, gap in zip(ex.a, ex.b, ex.gap):
        assert f(0.5 * (a + b)) - 0.5 * (f(a) + f(b)) == pytest.approx(gap, rel=1e-9)
        assert gap > 0
    # Same seed, same report; another stream, other draws.
    again = manifold.check_convexity(f, 30, segments=100, hessian_points=100, scale=1.0, keep_examples=4, seed=2)
    assert again.worst_midpoint_gap == r.worst_midpoint_gap
    np.testing.assert_array_equal(again.midpoint_examples.a, ex.a)
    other = manifold.check_convexity(f, 30, segments=100, hessian_points=100, scale=1.0, seed=2, stream=1)
    assert other.worst_midpoint_gap != r.worst_midpoint_gap


@pytest.mark.parametrize("name", manifold.entropy_manifolds)
def test_entropy_proxies_refute_the_conjecture(name):
    r = manifold.check_entropy_convexity(name, 8, 1.0, segments=150, hessian_points=150, seed=3)
    assert r.convexity_refuted, name
    assert r.most_negative_curvature < 0
    assert all(g > 0 for g in r.hessian_examples.gap)


def test_errors():
    with pytest.raises(infoscale.Error, match="manifold"):
        manifold.check_entropy_convexity("H^2", 8, 1.0)
    with pytest.raises(infoscale.Error, match="temperature"):
        manifold.check_entropy_convexity("R^2", 8, 0.0)
    with pytest.raises(infoscale.Error, match="words"):
        manifold.check_entropy_convexity("R^2", 1, 1.0)
    with pytest.raises(infoscale.Error, match="dimension"):
        manifold.check_convexity(lambda x: 0.0, 0)
    with pytest.raises(infoscale.Error, match="step"):
        manifold.check_convexity(lambda x: 0.0, 2, step=0.0)
    with pytest.raises(infoscale.Error, match="'f'"):
        manifold.check_convexity(lambda x: "a string", 2)
    with pytest.raises(infoscale.Error, match="'f'"):
        manifold.check_convexity(lambda x: float("inf"), 2)

    def broken(x):
        raise RuntimeError("from f")

    with pytest.raises(RuntimeError, match="from f"):
        manifold.check_convexity(broken, 3)
