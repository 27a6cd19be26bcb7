"""infoscale.hvib's solvers and estimators against closed forms and numpy implementations:
Blahut-Arimoto (binary source, Hamming distortion: R(D) = ln 2 - h(D)), the information bottleneck,
MI-slope kinks, Gaussian / KSG / binning mutual information, and the softmax readout's traces."""
import numpy as np
import pytest
from scipy.special import digamma

import infoscale
import references as ref

H = infoscale.hvib


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0, 4.0])
def test_blahut_arimoto_binary_hamming_closed_form(beta):
    point = H.blahut_arimoto(np.array([0.5, 0.5]), 1.0 - np.eye(2), beta)
    d = 1.0 / (1.0 + np.exp(beta))  # where dR/dD = -ln((1 - D) / D) = -beta
    h = -d * np.log(d) - (1 - d) * np.log(1 - d)
    assert point.converged and point.beta == beta
    assert point.distortion == pytest.approx(d, rel=1e-9)
    assert point.rate == pytest.approx(np.log(2) - h, rel=1e-8, abs=1e-12)


def test_blahut_arimoto_matches_numpy_iteration(rng):
    p_x = rng.dirichlet(np.ones(5))
    d = rng.uniform(0, 2, size=(5, 4))
    for beta in (0.7, 3.0):
        point = H.blahut_arimoto(p_x, d, beta)
        rate, distortion = ref.blahut_arimoto(p_x, d, beta)
        assert (point.rate, point.distortion) == pytest.approx((rate, distortion), rel=1e-7, abs=1e-10)
        np.testing.assert_allclose(point.channel.sum(1), 1.0, rtol=1e-12)
    curve = H.rate_distortion_curve(p_x, d, [0.5, 1.0, 2.0])
    assert np.all(np.diff([p.rate for p in curve]) > 0) and np.all(np.diff([p.distortion for p in curve]) < 0)


def _h2(p):
    return 0.0 if p in (0.0, 1.0) else -p * np.log2(p) - (1 - p) * np.log2(1 - p)


@pytest.mark.parametrize("flip", [0.0, 0.11, 0.3, 0.5])
def test_channel_capacity_closed_forms(flip):
    ln2 = np.log(2)
    bsc = H.channel_capacity(np.array([[1 - flip, flip], [flip, 1 - flip]]))  # C = 1 - H2(p) bits
    assert bsc.converged and bsc.capacity / ln2 == pytest.approx(1 - _h2(flip), rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(bsc.input, [0.5, 0.5], rtol=1e-9)
    erasure = flip  # binary erasure channel, outputs (0, e, 1): C = 1 - e bits
    bec = H.channel_capacity(np.array([[1 - erasure, erasure, 0.0], [0.0, erasure, 1 - erasure]]))
    assert bec.capacity / ln2 == pytest.approx(1 - erasure, rel=1e-9, abs=1e-12)
    if flip < 1.0 and flip > 0.0:  # Z-channel: C = log2(1 + (1 - p) p^(p / (1 - p))) bits
        z = H.channel_capacity(np.array([[1.0, 0.0], [flip, 1 - flip]]))
        exact = np.log2(1 + (1 - flip) * flip ** (flip / (1 - flip)))
        assert z.converged and z.capacity / ln2 == pytest.approx(exact, rel=1e-9)
        assert z.lower_bound <= z.upper_bound and z.upper_bound - z.lower_bound < 1e-12
        assert z.capacity <= z.lower_bound + 1e-15
        # the optimal input gives I(X; Y) = C, recomputed here with numpy
        w = np.array([[1.0, 0.0], [flip, 1 - flip]])
        q = z.input @ w
        np.testing.assert_allclose(z.output, q, rtol=1e-12)
        with np.errstate(divide="ignore", invalid="ignore"):
            info = np.nansum(z.input[:, None] * w * np.log(w / q[None, :]))
        assert info / ln2 == pytest.approx(exact, rel=1e-9)


def test_channel_capacity_errors():
    with pytest.raises(infoscale.Error, match=r"^infoscale::channel_capacity: argument 'channel' row 1 sums to"):
        H.channel_capacity(np.array([[0.5, 0.5], [0.5, 0.6]]))
    with pytest.raises(infoscale.Error, match=r"argument 'channel' has an invalid probability"):
        H.channel_capacity(np.array([[np.nan, 1.0], [0.5, 0.5]]))
    with pytest.raises(infoscale.Error, match=r"argument 'channel' has an invalid probability"):
        H.channel_capacity(np.array([[-0.5, 1.5], [0.5, 0.5]]))
    with pytest.raises(infoscale.Error, match=r"argument 'channel' is empty"):
        H.channel_capacity(np.zeros((0, 2)))


def test_ksg_on_ties_without_jitter_raises():
    zeros = np.zeros(50)
    with pytest.raises(infoscale.Error, match=r"argument 'jitter' is 0 but x and y have 50 of 50 samples"):
        H.ksg_mutual_information(zeros, zeros, jitter=0.0)
    assert abs(H.ksg_mutual_information(zeros, zeros)) < 0.3  # with the default jitter: independent noise


def test_conditional_rate_distortion_and_multipliers(rng):
    joint = rng.dirichlet(np.ones(6)).reshape(2, 3)
    d = 1.0 - np.eye(3)
    point = H.conditional_blahut_arimoto(joint, d, 1.5)
    parts = [(row.sum(), H.blahut_arimoto(row / row.sum(), d, 1.5)) for row in joint]
    assert point.rate == pytest.approx(sum(w * p.rate for w, p in parts), rel=1e-12)
    h = sum(w * -(r / w * np.log(r / w)).sum() for w, r in zip(joint.sum(1), joint))
    assert point.conditional_entropy == pytest.approx(h, rel=1e-12)
    beta = H.multiplier_at_rate(joint, d, 0.5 * h)
    assert H.conditional_blahut_arimoto(joint, d, beta).rate == pytest.approx(0.5 * h, rel=1e-6)
    report = H.multiplier_entropy_law([joint, rng.dirichlet(np.ones(6)).reshape(2, 3)], d, "rate_fraction", 0.5)
    assert len(report.rows) == 2 and all(r.product == pytest.approx(r.multiplier * r.conditional_entropy)
                                         for r in report.rows)


def test_information_bottleneck_matches_numpy(rng):
    p_xy = rng.dirichlet(np.ones(12)).reshape(4, 3)
    start = rng.dirichlet(np.ones(2), size=4)
    point = H.information_bottleneck(p_xy, 5.0, start, tolerance=1e-13)
    expected = ref.information_bottleneck(p_xy, 5.0, start)
    np.testing.assert_allclose(point.encoder, expected, atol=1e-8)
    assert point.information_xt == pytest.approx(ref.mutual_information_of_joint(p_xy.sum(1)[:, None] * point.encoder),
                                                 rel=1e-12)
    assert point.information_ty == pytest.approx(ref.mutual_information_of_joint(point.encoder.T @ p_xy), rel=1e-12)
    curve = H.information_bottleneck_curve(p_xy, [0.5, 2.0, 8.0], 3, seed=1)
    assert np.all(np.diff([p.information_ty for p in curve]) >= -1e-9)


def test_mi_slope_kinks_find_the_kink(rng):
    layers = np.arange(14.0)
    profile = np.where(layers < 6, 0.2 + layers, 6.2 - 0.5 * (layers - 6)) + 0.01 * rng.normal(size=14)
    report = H.mi_slope_kinks(profile, bootstrap=100, seed=2)
    assert report.best.breakpoints == [6.0]
    design = np.column_stack([np.ones(14), layers, np.maximum(layers - 6, 0)])
    coef, rss, *_ = np.linalg.lstsq(design, profile, rcond=None)
    assert report.best.slope_jumps[0] == pytest.approx(coef[2], rel=1e-9)
    assert report.best.rss == pytest.approx(rss[0], rel=1e-9)
    assert report.lower[0] <= 6.0 <= report.upper[0]
    assert [len(f.breakpoints) for f in report.by_kinks] == [0, 1, 2]


def test_gaussian_mutual_information(rng):
    rho = 0.8
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=4000)
    x, y = z[:, 0], z[:, 1]
    s = np.cov(np.column_stack([x, y]).T)
    exact = 0.5 * (np.log(s[0, 0]) + np.log(s[1, 1]) - np.linalg.slogdet(s)[1])
    assert H.gaussian_mutual_information(x, y) == pytest.approx(exact, rel=1e-10)
    assert H.gaussian_mutual_information(x, y) == pytest.approx(-0.5 * np.log(1 - rho ** 2), rel=0.05)
    wide = rng.normal(size=(200, 3))
    w2 = wide @ rng.normal(size=(3, 2)) + rng.normal(size=(200, 2))
    s = np.cov(np.column_stack([wide, w2]).T)
    exact = 0.5 * (np.linalg.slogdet(s[:3, :3])[1] + np.linalg.slogdet(s[3:, 3:])[1] - np.linalg.slogdet(s)[1])
    assert H.gaussian_mutual_information(wide, w2) == pytest.approx(exact, rel=1e-10)


def ksg_numpy(x, y, k=3):
    """KSG algorithm 1 with max norms, columns scaled by their population std, strict counts."""
    x = x / x.std(0)
    y = y / y.std(0)
    dx = np.abs(x[:, None, :] - x[None, :, :]).max(-1)
    dy = np.abs(y[:, None, :] - y[None, :, :]).max(-1)
    dz = np.maximum(dx, dy)
    np.fill_diagonal(dz, np.inf)
    eps = np.sort(dz, axis=1)[:, k - 1]
    np.fill_diagonal(dx, np.inf)
    np.fill_diagonal(dy, np.inf)
    nx = (dx < eps[:, None]).sum(1)
    ny = (dy < eps[:, None]).sum(1)
    n = len(x)
    return digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1))


def test_ksg_matches_numpy(rng):
    x = rng.normal(size=(300, 2))
    y = x[:, :1] + 0.5 * rng.normal(size=(300, 1))
    for k in (1, 3, 5):
        got = H.ksg_mutual_information(x, y, k=k, jitter=0.0)
        assert got == pytest.approx(ksg_numpy(x, y, k), rel=1e-12)
        assert H.ksg_mutual_information(x, y, k=k, jitter=0.0, policy="seq") == got


def test_binning_matches_numpy_histogram(rng):
    x = rng.normal(size=500)
    y = x + rng.normal(size=500)
    counts, _, _ = np.histogram2d(x, y, bins=[np.histogram_bin_edges(x, 10), np.histogram_bin_edges(y, 10)])
    expected = ref.mutual_information_of_joint(counts / counts.sum())
    assert H.binned_mutual_information(x, y) == pytest.approx(expected, rel=1e-12)
    m_xy, m_x, m_y = (counts > 0).sum(), (counts.sum(1) > 0).sum(), (counts.sum(0) > 0).sum()
    corrected = expected + (m_x - 1 + m_y - 1 - (m_xy - 1)) / (2 * 500)
    assert H.binned_mutual_information(x, y, miller_madow=True) == pytest.approx(corrected, rel=1e-12)


def test_readout_traces(rng):
    d, hidden, classes = 4, 5, 3
    w1, b1 = rng.normal(size=(hidden, d)), rng.normal(size=hidden)
    w2, b2 = rng.normal(size=(classes, hidden)), rng.normal(size=classes)
    r = H.SoftmaxReadout(w1, b1, w2, b2)
    h = rng.normal(size=d)
    a = np.tanh(w1 @ h + b1)
    z = w2 @ a + b2
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    jac = w2 @ np.diag(1 - a ** 2) @ w1
    np.testing.assert_allclose(r.probabilities(h), p, rtol=1e-13)
    np.testing.assert_allclose(r.jacobian(h), jac, rtol=1e-13)
    fisher = sum(p[y] * np.sum((jac.T @ (np.eye(classes)[y] - p)) ** 2) for y in range(classes))
    assert r.model_fisher_trace(h) == pytest.approx(fisher, rel=1e-12)
    for y in range(classes):  # empirical Fisher at one label: |score|^2
        assert r.empirical_fisher_trace(h, y) == pytest.approx(np.sum((jac.T @ (np.eye(classes)[y] - p)) ** 2),
                                                               rel=1e-12)
    for y in range(classes):
        step = 1e-4
        fd = sum((r.loss(h + step * e, y) - 2 * r.loss(h, y) + r.loss(h - step * e, y)) / step ** 2 for e in np.eye(d))
        assert r.hessian_trace(h, y) == pytest.approx(fd, rel=1e-5)
        assert H.finite_difference_hessian_trace(r, h, y) == pytest.approx(fd, rel=1e-9)
    lin = H.SoftmaxReadout.linear(w2[:, :d], b2)
    assert lin.hessian_trace(h, 0) == pytest.approx(lin.model_fisher_trace(h), rel=1e-12)  # exponential family
    acts = rng.normal(size=(30, d))
    labels = list(rng.integers(0, classes, size=30))
    s = H.fisher_sensitivity(r, acts, labels)
    assert s.model_fisher_slope == pytest.approx(0.5 * np.mean([r.model_fisher_trace(v) for v in acts]), rel=1e-12)
    scores = np.array([r.score(v, y) for v, y in zip(acts, labels)])  # empirical Fisher from gradients
    assert s.empirical_fisher_slope == pytest.approx(0.5 * infoscale.layers.empirical_fisher_trace(scores), rel=1e-12)
    assert s.hessian_slope == pytest.approx(0.5 * np.mean([r.hessian_trace(v, y) for v, y in zip(acts, labels)]),
                                            rel=1e-12)
    resp = H.measured_noise_response(r, acts, labels, 0.01, 200, seed=1)
    assert abs(resp.loss_increase / 0.01 ** 2 - s.hessian_slope) < 5 * resp.standard_error / 0.01 ** 2 + 0.05


def test_estimator_errors(rng):
    with pytest.raises(infoscale.Error, match=r"^infoscale::blahut_arimoto: argument 'p_x' does not sum to 1"):
        H.blahut_arimoto(np.array([0.5, 0.6]), np.eye(2), 1.0)
    with pytest.raises(infoscale.Error, match=r"argument 'beta' must be finite and >= 0"):
        H.blahut_arimoto(np.array([0.5, 0.5]), np.eye(2), -1.0)
    with pytest.raises(infoscale.Error, match=r"argument 'encoder' rows must be probability vectors"):
        H.information_bottleneck(np.full((2, 2), 0.25), 1.0, np.ones((2, 2)))
    with pytest.raises(infoscale.Error, match=r"needs at least 2 \* min_segment layers"):
        H.mi_slope_kinks([1.0, 2.0, 3.0])
    with pytest.raises(infoscale.Error, match=r"argument 'criterion' must be 'bic' or 'aic'"):
        H.mi_slope_kinks(list(range(8)), criterion="hqc")
    with pytest.raises(infoscale.Error, match=r"the sample covariance is singular"):
        H.gaussian_mutual_information(rng.normal(size=(3, 2)), rng.normal(size=(3, 2)))
    with pytest.raises(infoscale.Error, match=r"^infoscale::ksg_mutual_information: argument 'y' has 9 samples"):
        H.ksg_mutual_information(rng.normal(size=10), rng.normal(size=9))
    with pytest.raises(infoscale.Error, match=r"argument 'kind' must be 'rate_fraction' or 'distortion'"):
        H.multiplier_entropy_law([np.full((2, 2), 0.25)] * 2, np.eye(2), "rate", 0.5)
    with pytest.raises(infoscale.Error, match=r"argument 'w2' must have at least two rows"):
        H.SoftmaxReadout(np.eye(2), np.zeros(2), np.ones((1, 2)), np.zeros(1))
