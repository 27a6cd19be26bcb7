"""Independent numpy/scipy references for the layers/ and hvib/ tests, written from the papers'
formulas (not from infoscale's code).

CKA: Kornblith et al. (2019), HSIC with the centring matrix H = I - 11^T/n:
    HSIC(K, L) = tr(K H L H) / (n - 1)^2,  CKA = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)),
and the unbiased HSIC of Song et al. (2012), eq. (5) there, for the debiased CKA.
"""

import numpy as np
import scipy.stats


def centring(n):
    return np.eye(n) - np.ones((n, n)) / n


def hsic(k, l):
    h = centring(k.shape[0])
    return np.trace(k @ h @ l @ h) / (k.shape[0] - 1) ** 2


def cka_from_kernels(k, l):
    return hsic(k, l) / np.sqrt(hsic(k, k) * hsic(l, l))


def linear_cka(x, y):
    return cka_from_kernels(x @ x.T, y @ y.T)


def unbiased_hsic(k, l):
    """Song et al. (2012): [tr(K~L~) + 1^T K~ 1 1^T L~ 1 / ((n-1)(n-2)) - 2/(n-2) 1^T K~ L~ 1] / (n(n-3)),
    K~ = K with a zero diagonal."""
    n = k.shape[0]
    kt, lt = k.copy(), l.copy()
    np.fill_diagonal(kt, 0.0)
    np.fill_diagonal(lt, 0.0)
    one = np.ones(n)
    value = (np.trace(kt @ lt) + (one @ kt @ one) * (one @ lt @ one) / ((n - 1) * (n - 2))
             - 2.0 / (n - 2) * one @ kt @ lt @ one)
    return value / (n * (n - 3))


def debiased_linear_cka(x, y):
    k, l = x @ x.T, y @ y.T
    return unbiased_hsic(k, l) / np.sqrt(unbiased_hsic(k, k) * unbiased_hsic(l, l))


def rbf_gram(x, threshold=1.0):
    d2 = ((x[:, None, :] - x[None, :, :]) ** 2).sum(-1)
    return np.exp(-d2 / (2.0 * threshold ** 2 * np.median(d2)))


def weighted_linear_cka(x, y, weights_per_token):
    """Linear CKA of the data set where token i appears weights_per_token[i] times."""
    reps = weights_per_token.astype(int)
    return linear_cka(np.repeat(x, reps, axis=0), np.repeat(y, reps, axis=0))


def js_divergence(p, q):
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(p > 0, p * np.log(p / m), 0.0)
        b = np.where(q > 0, q * np.log(q / m), 0.0)
    return 0.5 * (a.sum(-1) + b.sum(-1))


def masked_rows(att, valid, causal):
    """Attention rows [heads, q, k] with disallowed keys zeroed and rows renormalised; also the
    boolean of real queries."""
    h, nq, nk = att.shape
    allowed = np.ones((nq, nk), dtype=bool)
    if causal:
        allowed &= np.arange(nk)[None, :] <= np.arange(nq)[:, None] + (nk - nq)
    allowed &= valid[None, :].astype(bool)
    a = np.where(allowed[None], att.astype(np.float64), 0.0)
    a = a / a.sum(-1, keepdims=True)
    return a, valid[nk - nq:].astype(bool)


def attention_drift(layers, valid=None, causal=False):
    """Mean over heads and real queries of JS(A_l, A_l+1), per adjacent pair."""
    nk = layers.shape[-1]
    valid = np.ones(nk, dtype=int) if valid is None else valid
    out = []
    for a, b in zip(layers[:-1], layers[1:]):
        p, real = masked_rows(a, valid, causal)
        q, _ = masked_rows(b, valid, causal)
        out.append(js_divergence(p, q)[:, real].mean())
    return np.array(out)


def bca_interval(theta_hat, resamples, jackknife, confidence=0.95):
    """Efron's BCa interval from given resamples and jackknife values, as scipy.stats.bootstrap."""
    resamples = np.asarray(resamples, dtype=float)
    share = (np.mean(resamples < theta_hat) + np.mean(resamples <= theta_hat)) / 2
    z0 = scipy.stats.norm.ppf(share)
    d = np.mean(jackknife) - np.asarray(jackknife)
    a = (d ** 3).sum() / (6.0 * (d ** 2).sum() ** 1.5)
    alpha = (1 - confidence) / 2
    levels = []
    for tail in (alpha, 1 - alpha):
        z = scipy.stats.norm.ppf(tail)
        levels.append(scipy.stats.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z))))
    return np.percentile(resamples, 100 * levels[0]), np.percentile(resamples, 100 * levels[1])


def gaussian_kl(m0, s0, m1, s1):
    k = len(m0)
    s1_inv = np.linalg.inv(s1)
    d = m1 - m0
    return 0.5 * (np.trace(s1_inv @ s0) + d @ s1_inv @ d - k + np.linalg.slogdet(s1)[1] - np.linalg.slogdet(s0)[1])


def blahut_arimoto(p_x, d, beta, iterations=5000):
    """Textbook Blahut-Arimoto (Cover & Thomas 10.8): alternate q(xhat|x) ∝ q(xhat) e^{-beta d}
    and q(xhat) = sum_x p(x) q(xhat|x); returns (rate in nats, distortion)."""
    q = np.full(d.shape[1], 1.0 / d.shape[1])
    for _ in range(iterations):
        c = q[None, :] * np.exp(-beta * d)
        c /= c.sum(1, keepdims=True)
        q = p_x @ c
    joint = p_x[:, None] * c
    rate = np.sum(np.where(joint > 0, joint * np.log(c / q[None, :]), 0.0))
    return rate, np.sum(joint * d)


def information_bottleneck(p_xy, beta, encoder, iterations=3000):
    """Tishby-Pereira-Bialek self-consistent equations iterated from `encoder` q(t|x)."""
    p_x = p_xy.sum(1)
    p_y_x = p_xy / p_x[:, None]
    for _ in range(iterations):
        p_t = encoder.T @ p_x
        p_y_t = (encoder.T @ p_xy) / p_t[:, None]
        kl = np.array([[np.sum(np.where(p_y_x[x] > 0, p_y_x[x] * np.log(p_y_x[x] / p_y_t[t]), 0.0))
                        for t in range(encoder.shape[1])] for x in range(p_xy.shape[0])])
        logits = np.log(p_t)[None, :] - beta * kl
        logits -= logits.max(1, keepdims=True)
        encoder = np.exp(logits)
        encoder /= encoder.sum(1, keepdims=True)
    return encoder


def mutual_information_of_joint(joint):
    pa, pb = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sum(np.where(joint > 0, joint * np.log(joint / (pa * pb)), 0.0))
