"""infoscale.hvib's Gaussian chain (mspgt-hvib eqs. (9)-(19)) against Gaussian algebra in numpy/scipy.

The reference builds the joint covariance of (G, I, L, X) directly from the linear model and reads
every quantity off it with scipy's multivariate normal, independently of the chain code.
"""
import numpy as np
import pytest
import scipy.stats

import infoscale
import references as ref

H = infoscale.hvib


def spd(rng, k, scale=1.0):
    a = rng.normal(size=(k, k))
    return scale * (a @ a.T / k + 0.5 * np.eye(k))


@pytest.fixture
def chain(rng):
    dg, di, dl, dx = 2, 3, 2, 4
    g = H.Gaussian(rng.normal(size=dg), spd(rng, dg))
    i = H.LinearGaussianConditional(rng.normal(size=(di, dg)), rng.normal(size=di), spd(rng, di))
    l = H.LinearGaussianConditional(rng.normal(size=(dl, di)), rng.normal(size=dl), spd(rng, dl))
    x = H.LinearGaussianConditional(rng.normal(size=(dx, dg + di + dl)), rng.normal(size=dx), spd(rng, dx, 0.3))
    model = H.LinearGaussianModel(g, i, l, x)
    q = H.LinearGaussianPosterior(H.Gaussian(rng.normal(size=dg), spd(rng, dg, 0.5)),
                                  H.LinearGaussianConditional(rng.normal(size=(di, dg)), rng.normal(size=di), spd(rng, di, 0.5)),
                                  H.LinearGaussianConditional(rng.normal(size=(dl, dg + di)), rng.normal(size=dl),
                                                              spd(rng, dl, 0.5)))
    return model, q, rng.normal(size=dx)


def joint_model(model):
    """Mean and covariance of (G, I, L, X): append z = A u + b + noise block by block, where A acts on
    G (for I), on I (for L) and on everything so far (for X)."""
    m, s = model.g.mean, model.g.covariance
    dg, di = len(m), model.i_given_g.dimension
    for c, cols in ((model.i_given_g, slice(0, dg)), (model.l_given_i, slice(dg, dg + di)),
                    (model.x_given_gil, slice(0, None))):
        a = np.zeros((c.dimension, len(m)))
        a[:, cols] = c.weight
        m = np.concatenate([m, a @ m + c.offset])
        s = np.block([[s, s @ a.T], [a @ s, a @ s @ a.T + c.covariance]])
    return m, s


def test_gaussian_matches_scipy(rng):
    m, s = rng.normal(size=3), spd(rng, 3)
    g = H.Gaussian(m, s)
    x = rng.normal(size=3)
    assert g.log_density(x) == pytest.approx(scipy.stats.multivariate_normal(m, s).logpdf(x), rel=1e-12)
    assert g.entropy() == pytest.approx(scipy.stats.multivariate_normal(m, s).entropy(), rel=1e-12)
    np.testing.assert_allclose(g.cholesky @ g.cholesky.T, s, rtol=1e-12)
    m2, s2 = rng.normal(size=3), spd(rng, 3)
    assert H.kl_divergence(g, H.Gaussian(m2, s2)) == pytest.approx(ref.gaussian_kl(m, s, m2, s2), rel=1e-12)
    draws = np.array([g.sample(seed=1, first_index=3 * k) for k in range(4000)])
    np.testing.assert_allclose(draws.mean(0), m, atol=0.1)
    np.testing.assert_array_equal(g.sample(seed=1, first_index=6), draws[2])  # counter-based: reproducible


def test_evidence_and_exact_posterior(chain):
    model, q, x = chain
    mean, cov = H.joint_distribution(model)
    m_ref, s_ref = joint_model(model)
    np.testing.assert_allclose(mean, m_ref, rtol=1e-12)
    np.testing.assert_allclose(cov, s_ref, rtol=1e-12, atol=1e-12)
    nz = len(mean) - len(x)
    logp = scipy.stats.multivariate_normal(m_ref[nz:], s_ref[nz:, nz:]).logpdf(x)
    assert H.log_evidence(model, x) == pytest.approx(logp, rel=1e-12)
    post = H.exact_posterior(model, x)
    assert H.elbo_terms(model, post, x).elbo() == pytest.approx(logp, rel=1e-10)  # eq. (12) is tight
    assert H.posterior_gap(model, post, x) == pytest.approx(0.0, abs=1e-9)
    # the ELBO gap of any posterior is KL(q || exact posterior), eq. (11)-(12)
    terms = H.elbo_terms(model, q, x)
    assert logp - terms.elbo() == pytest.approx(H.posterior_gap(model, q, x), rel=1e-9)


def test_kl_chain_and_reconstruction(chain):
    model, q, x = chain
    kl = H.kl_terms(model, q)
    assert kl.total() == pytest.approx(H.joint_kl(model, q), rel=1e-10)  # the chain rule behind (14)-(16)
    qm, qs = H.joint_distribution(q)
    dz = len(qm)
    pm, ps = joint_model(model)
    assert H.joint_kl(model, q) == pytest.approx(ref.gaussian_kl(qm, qs, pm[:dz], ps[:dz, :dz]), rel=1e-10)
    assert kl.g == pytest.approx(ref.gaussian_kl(q.g.mean, q.g.covariance, model.g.mean, model.g.covariance), rel=1e-12)
    lik = model.x_given_gil
    expected = (scipy.stats.multivariate_normal(lik.weight @ qm + lik.offset, lik.covariance).logpdf(x)
                - 0.5 * np.trace(np.linalg.solve(lik.covariance, lik.weight @ qs @ lik.weight.T)))
    assert H.reconstruction(model, q, x) == pytest.approx(expected, rel=1e-12)


def test_objective_and_monte_carlo(chain):
    model, q, x = chain
    terms = H.elbo_terms(model, q, x)
    beta = H.ScaleWeights(0.5, 2.0, 1.5)
    want = terms.reconstruction - 0.5 * terms.kl.g - 2.0 * terms.kl.i - 1.5 * terms.kl.l
    assert H.hvib_objective(terms, beta) == pytest.approx(want, rel=1e-14)
    assert H.hvib_objective(terms, H.ScaleWeights()) == pytest.approx(terms.elbo(), rel=1e-14)
    mc = H.monte_carlo_elbo_terms(model, q, x, 4000, seed=2)
    assert mc.samples == 4000
    for name in ("i", "l"):
        got, se = getattr(mc.value.kl, name), getattr(mc.standard_error.kl, name)
        assert abs(got - getattr(terms.kl, name)) < 5 * se + 1e-12
    assert abs(mc.value.reconstruction - terms.reconstruction) < 5 * mc.standard_error.reconstruction
    with pytest.raises(infoscale.Error, match=r"^infoscale::hvib_objective: argument 'beta.i' must be finite and >= 0"):
        H.hvib_objective(terms, H.ScaleWeights(1.0, -1.0, 1.0))


def test_information_bound_and_data_processing(rng):
    d = 3
    inp = H.Gaussian(np.zeros(d), spd(rng, d))
    enc = H.LinearGaussianConditional(rng.normal(size=(2, d)), np.zeros(2), spd(rng, 2, 0.2))
    a, s, sig = enc.weight, inp.covariance, enc.covariance
    info = 0.5 * (np.linalg.slogdet(a @ s @ a.T + sig)[1] - np.linalg.slogdet(sig)[1])
    assert H.gaussian_channel_information(enc, inp) == pytest.approx(info, rel=1e-12)
    prior = H.Gaussian(np.ones(2), np.eye(2))
    marginal = H.encoder_marginal(enc, inp)
    gap = ref.gaussian_kl(marginal.mean, marginal.covariance, prior.mean, prior.covariance)
    assert H.variational_information_bound(enc, inp, prior) == pytest.approx(info + gap, rel=1e-10)  # eq. (19)
    layers = [H.LinearGaussianConditional(rng.normal(size=(d, d)), np.zeros(d), spd(rng, d, 0.1)) for _ in range(4)]
    profile = H.layer_information(layers, inp)
    assert np.all(np.diff(profile) <= 1e-12)  # data processing, eq. (25)
    assert profile[1] == pytest.approx(H.gaussian_channel_information(H.compose(layers[1], layers[0]), inp))
    means, variances = rng.normal(size=(50, 4)), rng.uniform(0.5, 2, size=(50, 4))
    pm, pv = np.zeros(4), np.ones(4)
    rate = np.mean([ref.gaussian_kl(m, np.diag(v), pm, np.diag(pv)) for m, v in zip(means, variances)])
    assert H.rate_upper_bound(means, variances, pm, pv) == pytest.approx(rate, rel=1e-12)


def test_chain_errors(rng):
    with pytest.raises(infoscale.Error, match=r"argument 'covariance' is not symmetric"):
        H.Gaussian(np.zeros(2), np.array([[1.0, 0.5], [0.0, 1.0]]))
    with pytest.raises(infoscale.Error, match=r"is not symmetric positive definite"):
        H.Gaussian(np.zeros(2), np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(infoscale.Error, match=r"argument 'weight' has 3 rows but the covariance has dimension 2"):
        H.LinearGaussianConditional(np.ones((3, 2)), np.zeros(2), np.eye(2))
    g = H.Gaussian(np.zeros(2), np.eye(2))
    c = H.LinearGaussianConditional(np.ones((2, 3)), np.zeros(2), np.eye(2))  # parent of dimension 3, not 2
    model = H.LinearGaussianModel(g, c, c, c)
    with pytest.raises(infoscale.Error, match=r"argument 'model.i_given_g' parent dimension is 3 but the chain requires 2"):
        H.log_evidence(model, np.zeros(2))
