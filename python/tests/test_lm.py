"""infoscale.lm (Yang, arXiv 2407.21092 §§2-5) against hand-computed values, numpy and closed forms."""
import math

import numpy as np
import pytest
from scipy.special import logsumexp

import infoscale
from infoscale import lm


def geometric(m, q):
    """p(∅) = q (end token 0), the m words (1 - q)/m each, after any prefix: geometric lengths."""
    return lm.TableLM(m + 1, 0, {(): [q] + [(1 - q) / m] * m})


def step_entropy(m, q):
    return -q * math.log(q) - (1 - q) * math.log(1 - q) + (1 - q) * math.log(m)


# Vocabulary {0: ∅, 1: a, 2: b}; from the empty prompt the continuations are (), (a), (b), (b a).
HAND_ROWS = {(): [0.5, 0.3, 0.2], (1,): [1.0, 0.0, 0.0], (2,): [0.4, 0.6, 0.0], (2, 1): [1.0, 0.0, 0.0]}
HAND_LAW = {(): 0.5, (1,): 0.3, (2,): 0.2 * 0.4, (2, 1): 0.2 * 0.6}


def hand_model():
    return lm.TableLM(3, 0, HAND_ROWS)


def small_ngram(smoothing):
    corpus = [[1, 2], [2, 3, 1], [3], [1, 1, 2], [2], [3, 1]]
    if smoothing == "add_k":
        return lm.NgramLM(4, 0, corpus, order=2, smoothing="add_k", k=0.5)
    return lm.NgramLM(4, 0, corpus, order=2, smoothing="kneser_ney", discount=0.75)


def test_exact_enumeration_of_a_hand_table():
    model = hand_model()
    p = np.array(list(HAND_LAW.values()))
    e = lm.entropy_function(model, [])
    assert e.truncated_mass == 0.0
    assert e.entropy == pytest.approx(-(p * np.log(p)).sum(), rel=1e-14)
    d = lm.continuation_distribution(model, [])
    got = dict(zip(map(tuple, d.continuations), d.probabilities))
    assert got.keys() == HAND_LAW.keys()
    for y, py in HAND_LAW.items():
        assert got[y] == pytest.approx(py, rel=1e-14)
        assert lm.continuation_log_probability(model, [], list(y)) == pytest.approx(math.log(py), rel=1e-14)
    np.testing.assert_allclose(np.exp(lm.next_log_probabilities(model, [2])), HAND_ROWS[(2,)], atol=1e-16)
    # After 'a' the model stops: an exact zero point; the empty prompt is not one.
    z = lm.zero_points(model, [[], [1], [2, 1]], 1e-9)
    assert [x.prompt_index for x in z] == [1, 2]
    assert all(x.exact_zero for x in z)


@pytest.mark.parametrize("m,q,length", [(2, 0.5, 10), (3, 0.4, 6)])
def test_geometric_model_closed_form(m, q, length):
    model = geometric(m, q)
    e = lm.entropy_function(model, [1], max_length=length)
    # Nodes up to depth L are expanded: step * sum_{t<=L} (1-q)^t, cut mass (1-q)^{L+1}.
    assert e.truncated_mass == pytest.approx((1 - q) ** (length + 1), rel=1e-12)
    assert e.entropy == pytest.approx(step_entropy(m, q) * (1 - (1 - q) ** (length + 1)) / q, rel=1e-12)
    assert e.entropy <= step_entropy(m, q) / q


def test_monte_carlo_converges_to_the_closed_form_with_both_estimators():
    m, q = 4, 0.25
    closed = step_entropy(m, q) / q
    r = lm.entropy_function_monte_carlo(geometric(m, q), [3], samples=4000, max_length=400, seed=11)
    for est in (r.chain_rule, r.direct):
        assert est.standard_error > 0
        assert abs(est.entropy - closed) < 4 * est.standard_error
        assert est.truncated_mass == 0.0
    assert r.chain_rule.standard_error < r.direct.standard_error
    assert r.samples is None and r.drawn == 4000 and r.rounds == math.ceil(4000 / 64)


@pytest.mark.parametrize("name", ["hand", "add_k", "kneser_ney"])
def test_monte_carlo_agrees_with_enumeration(name):
    model = hand_model() if name == "hand" else small_ngram(name)
    prompt = [] if name == "hand" else [2]
    exact = lm.entropy_function(model, prompt, max_length=60, min_mass=1e-9)
    assert exact.truncated_mass < 1e-3
    r = lm.entropy_function_monte_carlo(model, prompt, samples=3000, max_length=200, seed=4, batch=50,
                                        record_samples=True)
    for est in (r.chain_rule, r.direct):
        # The enumeration is a lower bound missing at most the truncated mass times its tail entropy.
        slack = 4 * est.standard_error + 50 * exact.truncated_mass
        assert abs(est.entropy - exact.entropy) < slack, (est, exact)
    both = math.hypot(r.chain_rule.standard_error, r.direct.standard_error)
    assert abs(r.chain_rule.entropy - r.direct.entropy) < 4 * both
    s = r.samples
    assert len(s) == 3000 and s.energies.shape == (3000,) and s.lengths.dtype == np.int64
    assert s.cut.dtype == np.bool_ and not s.cut.any()
    np.testing.assert_allclose(s.energies.mean(), r.direct.entropy, rtol=1e-12)
    np.testing.assert_allclose(s.chain_rule.mean(), r.chain_rule.entropy, rtol=1e-12)
    for i in range(10):
        y = s.continuations[i]
        assert s.lengths[i] == len(y)
        assert s.energies[i] == pytest.approx(-lm.continuation_log_probability(model, prompt, y), rel=1e-12)


def test_cut_samples_and_the_stopping_rule():
    model = geometric(4, 0.25)
    r = lm.entropy_function_monte_carlo(model, [3], samples=400, max_length=2, record_samples=True)
    cut = r.samples.cut
    assert r.chain_rule.truncated_mass == pytest.approx(cut.mean())
    assert np.all(r.samples.lengths[cut] == 3) and np.all(r.samples.lengths[~cut] <= 2)
    assert abs(cut.mean() - 0.75 ** 3) < 4 * math.sqrt(0.75 ** 3 * (1 - 0.75 ** 3) / 400)
    s = lm.entropy_function_monte_carlo(model, [3], samples=100000, max_length=400, batch=50,
                                        target_standard_error=0.2, min_samples=100)
    assert s.chain_rule.standard_error <= 0.2
    assert 2 <= s.rounds < 2000 and s.drawn == 50 * s.rounds


def table_logits(prefix):
    """A deterministic logits function of the prefix (float64)."""
    n = len(prefix)
    last = prefix[-1] if prefix else 0
    return np.array([0.3 * n - 1.0, 0.5 * math.sin(last + n), 0.2 * last, -0.1 * n])


def test_batched_callback_equals_the_sequential_callback_bit_for_bit():
    calls = []

    def batch(ids, prefixes):
        assert ids.dtype == np.int64 and prefixes.dtype == np.int64 and prefixes.ndim == 2
        calls.append((ids.copy(), prefixes.copy()))
        return np.stack([table_logits(list(p)) for p in prefixes])

    prompt = [1, 2]
    seq = lm.CallbackLM(4, 0, lambda p: table_logits(p), temperature=0.8)
    bat = lm.BatchedCallbackLM(4, 0, batch, temperature=0.8)
    kw = dict(samples=50, max_length=12, seed=9, stream=3, record_samples=True)
    a = lm.entropy_function_monte_carlo(seq, prompt, **kw)
    b = lm.entropy_function_monte_carlo(bat, prompt, batch=7, **kw)
    assert a.chain_rule.entropy == b.chain_rule.entropy and a.direct.entropy == b.direct.entropy
    assert a.chain_rule.standard_error == b.chain_rule.standard_error
    np.testing.assert_array_equal(a.samples.energies, b.samples.energies)
    np.testing.assert_array_equal(a.samples.chain_rule, b.samples.chain_rule)
    assert a.samples.continuations == b.samples.continuations
    assert b.rounds == 8  # 50 = 7 * 7 + 1
    # The protocol: ids increasing; a round starts at the prompt; each row extends its sample by one.
    previous = {}
    for ids, prefixes in calls:
        assert np.all(np.diff(ids) > 0)
        for i, p in zip(ids.tolist(), prefixes.tolist()):
            if i in previous:
                assert p[:-1] == previous[i]
            else:
                assert p == prompt
            previous[i] = p
    np.testing.assert_array_equal(lm.next_log_probabilities(seq, [3]), lm.next_log_probabilities(bat, [3]))
    z = table_logits([3]) / 0.8
    np.testing.assert_allclose(lm.next_log_probabilities(seq, [3]), z - logsumexp(z), rtol=1e-14)
    # float32 logits are read too.
    b32 = lm.BatchedCallbackLM(4, 0, lambda ids, p: batch(ids, p).astype(np.float32))
    assert np.isfinite(lm.entropy_function(b32, [1], max_length=3).entropy)


def test_uniforms_reproduce_the_monte_carlo_draws():
    u = lm.uniforms(5, 2, np.arange(10))
    assert u.shape == (10,) and np.all((u > 0) & (u < 1))
    np.testing.assert_array_equal(u, lm.uniforms(5, 2, list(range(10))))
    assert not np.array_equal(u, lm.uniforms(5, 3, np.arange(10)))
    assert lm.uniforms(5, 2, 7)[0] == u[7]
    # Draw 0 of sample i is uniforms(seed, stream, [i * (L + 1)]): with p(∅) = q first, the sample is
    # empty iff u < q.
    q, length = 0.3, 20
    r = lm.entropy_function_monte_carlo(geometric(2, q), [1], samples=200, max_length=length, seed=5,
                                        stream=2, record_samples=True)
    first = lm.uniforms(5, 2, np.arange(200) * (length + 1))
    np.testing.assert_array_equal(r.samples.lengths == 0, first < q)
    words = np.array([c[0] for c in r.samples.continuations if c])
    np.testing.assert_array_equal(words, np.where(first[first >= q] < q + 0.35, 1, 2))


def reference_distance(p, q, metric):
    bc = np.sum(np.sqrt(p * q))
    if metric == "total_variation":
        return 0.5 * np.abs(p - q).sum()
    if metric == "hellinger":
        return math.sqrt(max(0.0, 1 - bc))
    if metric == "l2":
        return np.linalg.norm(p - q)
    if metric == "fisher_rao":
        return 2 * math.acos(min(1.0, bc))
    mix = 0.5 * (p + q)
    kl = lambda a, b: np.sum(np.where(a > 0, a * np.log(np.where(a > 0, a, 1) / b), 0.0))  # noqa: E731
    return math.sqrt(0.5 * kl(p, mix) + 0.5 * kl(q, mix))


METRICS = ["total_variation", "hellinger", "js_distance", "l2", "fisher_rao"]


@pytest.mark.parametrize("metric", METRICS)
def test_metrics_against_numpy(rng, metric):
    p, q = rng.dirichlet(np.ones(9)), rng.dirichlet(np.ones(9))
    p[3] = 0.0
    p /= p.sum()
    assert lm.distribution_distance(p, q, metric) == pytest.approx(reference_distance(p, q, metric), rel=1e-9)
    assert lm.distribution_distance(p, p, metric) == pytest.approx(0.0, abs=1e-7)
    assert lm.distribution_distance(p.astype(np.float32), q.astype(np.float32), metric) == pytest.approx(
        reference_distance(p, q, metric), rel=1e-5, abs=1e-6)
    # Next-token and moduli distances between two tables, against the aligned laws by hand.
    other = dict(HAND_ROWS)
    other[()] = [0.2, 0.5, 0.3]
    a, b = hand_model(), lm.TableLM(3, 0, other)
    pa = np.array(HAND_ROWS[()]), np.array(other[()])
    assert lm.next_token_distance(a, b, [], metric) == pytest.approx(reference_distance(*pa, metric), rel=1e-9)
    law_b = {(): 0.2, (1,): 0.5, (2,): 0.3 * 0.4, (2, 1): 0.3 * 0.6}
    keys = sorted(HAND_LAW)
    la, lb = np.array([HAND_LAW[k] for k in keys]), np.array([law_b[k] for k in keys])
    d = lm.moduli_distance(a, b, [[]], metric)  # [[]]: the set of the one empty prompt ([] is no prompt)
    assert d.truncated_mass == 0.0
    assert d.distance == pytest.approx(reference_distance(la, lb, metric), rel=1e-9)
    # On a prompt set, the supremum: after [1] both stop (distance 0), so the empty prompt wins.
    s = lm.moduli_distance(a, b, [[1], []], metric)
    assert s.prompt_index == 1 and s.distance == pytest.approx(d.distance)
    # One prompt as a list of ints equals the set of that prompt.
    assert lm.moduli_distance(a, b, [2], metric).distance == lm.moduli_distance(a, b, [[2]], metric).distance


def test_ensemble_thermodynamics_against_numpy(rng):
    e = rng.exponential(3.0, size=40)
    for t in (0.5, 1.0, 2.5):
        s = lm.ensemble_thermodynamics(e, t)
        log_z = logsumexp(-e / t)
        p = np.exp(-e / t - log_z)
        u = (p * e).sum()
        assert s.temperature == t
        assert s.log_partition == pytest.approx(log_z, rel=1e-12)
        assert s.internal_energy == pytest.approx(u, rel=1e-12)
        assert s.free_energy == pytest.approx(-t * log_z, rel=1e-12)
        assert s.entropy == pytest.approx(-(p * np.log(p)).sum(), rel=1e-10)
        assert s.heat_capacity == pytest.approx(((p * e ** 2).sum() - u ** 2) / t ** 2, rel=1e-9)
        assert s.free_energy == pytest.approx(s.internal_energy - t * s.entropy, rel=1e-12, abs=1e-12)
        h = 1e-5 * t
        du = (lm.ensemble_thermodynamics(e, t + h).internal_energy
              - lm.ensemble_thermodynamics(e, t - h).internal_energy) / (2 * h)
        assert s.heat_capacity == pytest.approx(du, rel=1e-5)
        assert set(s.as_dict()) == {"temperature", "log_partition", "internal_energy", "free_energy",
                                    "entropy", "heat_capacity"}


def test_errors():
    model = hand_model()
    with pytest.raises(infoscale.Error, match="prompts"):
        lm.zero_points(model, [], 0.1)
    with pytest.raises(infoscale.Error, match="prompts"):
        lm.moduli_distance(model, model, [])
    with pytest.raises(infoscale.Error, match="temperature"):
        lm.CallbackLM(3, 0, table_logits, temperature=0.0)
    with pytest.raises(infoscale.Error, match="temperature"):
        lm.BatchedCallbackLM(3, 0, lambda i, p: None, temperature=-1.0)
    with pytest.raises(infoscale.Error, match="temperature"):
        lm.ensemble_thermodynamics(np.ones(3), 0.0)
    with pytest.raises(infoscale.Error, match="energies"):
        lm.ensemble_thermodynamics(np.zeros(0), 1.0)
    with pytest.raises(infoscale.Error, match="options.samples"):
        lm.entropy_function_monte_carlo(model, [], samples=1)
    with pytest.raises(infoscale.Error, match="options.max_length"):
        lm.entropy_function_monte_carlo(model, [], max_length=0)
    with pytest.raises(infoscale.Error, match="options.batch"):
        lm.entropy_function_monte_carlo(model, [], batch=0)
    with pytest.raises(infoscale.Error, match="target_standard_error"):
        lm.entropy_function_monte_carlo(model, [], target_standard_error=float("nan"))
    with pytest.raises(infoscale.Error, match="end token"):
        lm.entropy_function(model, [1, 0])
    with pytest.raises(infoscale.Error, match="metric"):
        lm.distribution_distance(np.array([0.5, 0.5]), np.array([0.5, 0.5]), "cosine")
    with pytest.raises(infoscale.Error, match="normalised"):
        lm.distribution_distance(np.array([0.5, 0.6]), np.array([0.5, 0.5]))
    with pytest.raises(infoscale.Error, match="smoothing"):
        lm.NgramLM(3, 0, [[1]], smoothing="witten_bell")
    with pytest.raises(infoscale.Error, match="not normalised"):
        lm.TableLM(3, 0, {(): [0.5, 0.4, 0.2]})
    # Callbacks: wrong shape, dtype or values name the callback; Python exceptions propagate.
    wrong = lm.CallbackLM(4, 0, lambda p: np.zeros(3))
    with pytest.raises(infoscale.Error, match="'logits'.*shape"):
        lm.next_log_probabilities(wrong, [1])
    with pytest.raises(infoscale.Error, match="'logits'.*dtype"):
        lm.next_log_probabilities(lm.CallbackLM(4, 0, lambda p: np.zeros(4, dtype=np.int64)), [1])
    with pytest.raises(infoscale.Error, match="non-finite"):
        lm.next_log_probabilities(lm.CallbackLM(4, 0, lambda p: np.array([0.0, np.nan, 0.0, 0.0])), [1])
    flat = lm.BatchedCallbackLM(4, 0, lambda ids, p: np.zeros(4 * len(ids)))
    with pytest.raises(infoscale.Error, match="'logits_batch'.*shape"):
        lm.entropy_function_monte_carlo(flat, [1], samples=4)

    def broken(prefix):
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        lm.entropy_function(lm.CallbackLM(4, 0, broken), [1])
    with pytest.raises(ZeroDivisionError):
        lm.entropy_function_monte_carlo(lm.BatchedCallbackLM(4, 0, lambda i, p: 1 / 0), [1], samples=4)
