"""Peaks, fusion and bootstrap intervals of infoscale.layers against scipy and numpy."""
import numpy as np
import pytest
import scipy.signal

import infoscale
import references as ref

L = infoscale.layers


def curves(rng):
    yield np.array([4, 1, 2, 0, 3, 1, 3, 2, 4, 1, 4, 0, 3, 3, 4, 4, 2, 0, 4, 3, 3, 1, 0], dtype=float)  # plateaus
    yield np.round(rng.normal(size=40), 1)  # ties
    yield rng.normal(size=200)
    yield np.sin(np.linspace(0, 12, 90)) + 0.1 * rng.normal(size=90)


@pytest.mark.parametrize("minimum", [0.0, 0.3, 1.0])
def test_find_peaks_matches_scipy(rng, minimum):
    for x in curves(rng):
        want, props = scipy.signal.find_peaks(x, prominence=minimum)
        got = L.find_peaks(x, min_prominence=minimum)
        assert [p.index for p in got] == list(want)
        np.testing.assert_allclose([p.prominence for p in got], props["prominences"], rtol=1e-15)
        assert [p.left_base for p in got] == list(props["left_bases"])
        assert [p.right_base for p in got] == list(props["right_bases"])


@pytest.mark.filterwarnings("ignore:some peaks have a prominence of 0")
def test_prominence_window_and_peak_prominences(rng):
    x = rng.normal(size=60)
    want, _ = scipy.signal.find_peaks(x, prominence=(0.5, 1.5))
    assert [p.index for p in L.find_peaks(x, min_prominence=0.5, max_prominence=1.5)] == list(want)
    peaks = np.array([3, 10, 20, 0, 59])  # edges get prominence 0, as in scipy
    prom, left, right = scipy.signal.peak_prominences(x, peaks)
    got = L.peak_prominences(x, peaks)
    np.testing.assert_allclose([p.prominence for p in got], prom, rtol=1e-15)
    assert [p.left_base for p in got] == list(left) and [p.right_base for p in got] == list(right)


def test_edge_peaks_and_most_prominent():
    x = np.array([3.0, 1.0, 2.0, 0.5, 2.5])
    assert [p.index for p in L.find_peaks(x)] == [2]  # scipy never reports the edges
    edges = L.find_peaks(x, include_edges=True)
    # an edge peak has one side: the first sample's reference is the lowest point before x rises
    # above 3 on its right (never: 0.5), the last one's the lowest on its left before x[0] = 3 > 2.5
    assert [(p.index, p.prominence) for p in edges] == [(0, 2.5), (2, 1.0), (4, 2.0)]
    top = L.most_prominent(edges, 2)
    assert [p.index for p in top] == [0, 4]  # in index order
    plateau = np.array([2.0, 2.0, 2.0, 1.0, 0.0])
    assert [p.index for p in L.find_peaks(plateau, include_edges=True)] == [1]


def test_boundary_evidence_formula(rng):
    s1, s2, s3 = rng.uniform(0.5, 2.0, size=(3, 6))
    w = (1.0, 0.8, 0.6)
    expected = sum(wi * s / s.max() for wi, s in zip(w, (s1, s2, s3)))
    np.testing.assert_allclose(L.boundary_evidence(s1, s2, s3), expected, rtol=1e-15)
    np.testing.assert_allclose(L.boundary_evidence(s1, None, s3, weights=(2.0, 0.0, 1.0)),
                               2 * s1 / s1.max() + s3 / s3.max(), rtol=1e-15)
    np.testing.assert_allclose(L.boundary_evidence(s1, np.zeros(6)), s1 / s1.max(), rtol=1e-15)  # all-zero: no evidence
    assert L.default_signal_weights == (1.0, 0.8, 0.6)


def test_percentiles_and_intervals(rng):
    v = rng.normal(size=101)
    for q in (0, 2.5, 50, 97.5, 100, 33.3):
        assert L.percentile(v, q) == np.percentile(v, q)
    ci = L.percentile_interval(v, 0.9)
    assert (ci.lower, ci.upper) == (np.percentile(v, 5), np.percentile(v, 95))
    assert ci.method == "percentile" and ci.status == "ok" and ci.width == ci.upper - ci.lower
    with_nan = np.concatenate([v, [np.nan] * 10])  # 9% missing > 5%: no interval at 95%
    none = L.percentile_interval(with_nan)
    assert none.status == "no_estimate" and none.lower == -np.inf and none.upper == np.inf


def test_bca_matches_efron(rng):
    data = rng.exponential(size=30)
    theta = data.mean()
    boots = np.array([rng.choice(data, size=30).mean() for _ in range(500)])
    jack = np.array([np.delete(data, i).mean() for i in range(30)])
    ci = L.bca_interval(theta, boots, jack)
    lo, hi = ref.bca_interval(theta, boots, jack)
    assert ci.method == "bca" and ci.status == "ok"
    np.testing.assert_allclose([ci.lower, ci.upper], [lo, hi], rtol=1e-12)
    flat = L.bca_interval(1.0, np.ones(50), np.ones(5))  # no spread: percentile interval, flagged
    assert flat.status == "bca_degenerate_used_percentile" and (flat.lower, flat.upper) == (1.0, 1.0)


def test_errors():
    with pytest.raises(infoscale.Error, match=r"^infoscale::find_peaks: argument 'x' contains a non-finite value at index 1"):
        L.find_peaks(np.array([0.0, np.nan, 1.0]))
    with pytest.raises(infoscale.Error, match=r"argument 'x' must be 1-D"):
        L.find_peaks(np.zeros((2, 3)))
    with pytest.raises(infoscale.Error, match=r"^infoscale::peak_prominences: argument 'peaks' contains an index past"):
        L.peak_prominences(np.zeros(3), np.array([5]))
    with pytest.raises(infoscale.Error, match=r"^infoscale::boundary_evidence: argument 'signals' have different lengths"):
        L.boundary_evidence(np.ones(3), np.ones(4))
    with pytest.raises(infoscale.Error, match=r"argument 'signals' signal 0 has an invalid value"):
        L.boundary_evidence(np.array([1.0, -1.0]))
    with pytest.raises(infoscale.Error, match=r"argument 'confidence' must lie in \(0, 1\)"):
        L.percentile_interval(np.ones(3), 1.5)
    with pytest.raises(infoscale.Error, match=r"needs at least 2 leave-one-out values"):
        L.bca_interval(0.0, np.ones(3), np.ones(1))
    with pytest.raises(infoscale.Error, match=r"^infoscale::detect_boundaries: argument 'evidence' is all null"):
        L.detect_boundaries()
    with pytest.raises(infoscale.Error, match=r"argument 'method' must be 'bca' or 'percentile'"):
        L.detect_boundaries(method="normal")
