"""Interventions, Fisher traces, cross-model statistics and behavioural metrics of infoscale.layers
against numpy, scipy and sacrebleu."""
import numpy as np
import pytest
import scipy.stats

import infoscale

L = infoscale.layers


def test_noise_is_seeded_scaled_and_in_place(rng):
    h = rng.normal(loc=2.0, scale=3.0, size=(200, 50))
    a, b = h.copy(), h.copy()
    used = L.add_gaussian_noise(a, 0.1, seed=7, policy="seq")
    assert used == pytest.approx(0.1 * h.std(), rel=1e-12)
    L.add_gaussian_noise(b, 0.1, seed=7, policy="par")
    np.testing.assert_array_equal(a, b)  # every policy writes the same values
    noise = a - h
    assert noise.std() == pytest.approx(used, rel=0.03) and abs(noise.mean()) < 4 * used / np.sqrt(noise.size)
    c = h.copy()
    L.add_gaussian_noise(c, 0.1, seed=8)
    assert not np.array_equal(a, c)
    f = h.astype(np.float32)[:, ::2]  # strided float32 view, modified in place
    before = f.copy()
    L.add_gaussian_noise(f, 0.5, seed=1)
    assert np.abs(f - before).std() > 0 and np.array_equal(h.astype(np.float32)[:, 1::2], h.astype(np.float32)[:, 1::2])


def test_noise_on_torch_and_layers(rng):
    torch = pytest.importorskip("torch")
    t = torch.zeros(4, 5, dtype=torch.float32) + torch.arange(5.0)
    L.add_gaussian_noise(t, 1.0, seed=0)
    assert (t != torch.arange(5.0)).all()  # written through DLPack, in place
    stack = rng.normal(size=(4, 30, 6))
    orig = stack.copy()
    L.perturb_layers(stack, [1, 3], 0.2, seed=5)
    assert np.array_equal(stack[[0, 2]], orig[[0, 2]]) and not np.array_equal(stack[1], orig[1])
    single = orig[1].copy()
    L.add_gaussian_noise(single, 0.2, seed=5, stream=1)  # layer l uses stream l
    np.testing.assert_array_equal(stack[1], single)


def test_fisher_traces(rng):
    g = rng.normal(size=(300, 20))
    assert L.empirical_fisher_trace(g) == pytest.approx(np.mean(np.sum(g ** 2, axis=1)), rel=1e-13)
    estimate = L.empirical_fisher_trace_hutchinson(g, 2000, seed=3)
    assert estimate == pytest.approx(L.empirical_fisher_trace(g), rel=0.05)
    assert L.noise_sensitivity(4.0) == 2.0
    # model Fisher: the p-weighted mean over every class's gradient, by hand
    cg = rng.normal(size=(7, 3, 5))
    p = rng.dirichlet(np.ones(3), size=7)
    expected = np.mean(np.sum(p * np.sum(cg ** 2, axis=2), axis=1))
    assert L.model_fisher_trace(cg, p) == pytest.approx(expected, rel=1e-13)
    assert L.model_fisher_trace(cg.astype(np.float32), p) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(infoscale.Error, match=r"argument 'probabilities'"):
        L.model_fisher_trace(cg, p[:, :2])


def test_cross_model_statistics():
    assert L.relative_position(13, 32) == 13 / 32
    values = np.array([0.25, 0.714])
    assert L.coefficient_of_variation(values) == pytest.approx(values.std() / values.mean(), rel=1e-14)
    assert L.brittleness(0.5, 0.8, 0.2) == pytest.approx(1.5)


def test_behaviour_matches_sacrebleu_and_scipy(rng):
    sacrebleu = pytest.importorskip("sacrebleu")
    samples = ["the cat sat on the mat", "the cat sat on a mat today", "a dog ran in the park",
               "the dog sat on the mat", "it rained all day"]
    for i, hyp in enumerate(samples):
        refs = samples[:i] + samples[i + 1:]
        want = sacrebleu.sentence_bleu(hyp, refs, tokenize="none").score
        assert L.sentence_bleu(hyp, refs) == pytest.approx(want, rel=1e-12)
    refs = ["the cat is on the mat", "there is a cat on the mat", "a dog in a park", "the dog sat", "rain all day"]
    assert L.corpus_bleu(samples, refs) == pytest.approx(
        sacrebleu.corpus_bleu(samples, [refs], tokenize="none").score, rel=1e-12)
    self_bleu = np.mean([sacrebleu.sentence_bleu(s, samples[:i] + samples[i + 1:], tokenize="none").score
                         for i, s in enumerate(samples)])
    assert L.self_bleu(samples) == pytest.approx(self_bleu, rel=1e-12)
    lengths = np.array([len(s.split()) for s in samples])
    assert L.length_variance(samples) == pytest.approx(lengths.var(), rel=1e-14)
    words = " ".join(samples).split()
    assert L.type_token_ratio(samples) == len(set(words)) / len(words)
    e = rng.normal(size=(6, 10))
    u = e / np.linalg.norm(e, axis=1, keepdims=True)
    c = u @ u.T
    assert L.coherence(e) == pytest.approx(c[np.triu_indices(6, 1)].mean(), rel=1e-13)
    a, b = rng.normal(size=12), rng.normal(size=12)
    t = L.paired_t_test(a, b)
    want = scipy.stats.ttest_rel(a, b)
    assert (t.statistic, t.p_value, t.df) == pytest.approx((want.statistic, want.pvalue, 11), rel=1e-10)


def test_tool_errors(rng):
    with pytest.raises(infoscale.Error, match=r"^infoscale::add_gaussian_noise: argument 'sigma' must be finite and >= 0"):
        L.add_gaussian_noise(np.ones((2, 2)), -1.0, seed=0)
    bad = np.ones(4)
    bad[1] = np.inf
    with pytest.raises(infoscale.Error, match=r"^infoscale::add_gaussian_noise: argument 'h'"):
        L.add_gaussian_noise(bad, 0.1, seed=0)
    with pytest.raises(infoscale.Error, match=r"must have 1 to 3 dimensions, got 4"):
        L.add_gaussian_noise(np.ones((2, 2, 2, 2)), 0.1, seed=0)
    with pytest.raises(TypeError):  # read-only arrays cannot be perturbed in place
        ro = np.ones(3)
        ro.flags.writeable = False
        L.add_gaussian_noise(ro, 0.1, seed=0)
    with pytest.raises(infoscale.Error, match=r"argument 'layers' contains a layer past the stack"):
        L.perturb_layers(np.ones((2, 3, 3)), [2], 0.1, seed=0)
    with pytest.raises(infoscale.Error, match=r"^infoscale::brittleness: argument 'sigma'"):
        L.brittleness(0.0, 1.0, 0.0)
    with pytest.raises(infoscale.Error, match=r"have mean 0: the CV is undefined"):
        L.coefficient_of_variation([1.0, -1.0])
    with pytest.raises(infoscale.Error, match=r"argument 'probes' must be > 0"):
        L.empirical_fisher_trace_hutchinson(np.ones((2, 2)), 0)
    with pytest.raises(infoscale.Error, match=r"argument 'samples' needs at least 2 samples"):
        L.self_bleu(["only one"])
    with pytest.raises(infoscale.Error, match=r"differs from a by a constant"):
        L.paired_t_test([1.0, 2.0, 3.0], [0.0, 1.0, 2.0])
