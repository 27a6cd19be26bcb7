"""Probes and S2 against scikit-learn's metrics and eq. (4) written in numpy."""
import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, f1_score

import infoscale

L = infoscale.layers


def labelled(rng, n=120, d=6, classes=3, noise=0.3):
    centres = rng.normal(scale=3.0, size=(classes, d))
    y = rng.integers(0, classes, size=n)
    return centres[y] + noise * rng.normal(size=(n, d)), y


def test_metrics_match_sklearn(rng):
    y = rng.integers(0, 4, size=50)
    p = np.where(rng.random(50) < 0.7, y, rng.integers(0, 4, size=50))
    p[p == 3] = 2  # class 3 only in the labels
    np.testing.assert_array_equal(L.confusion_matrix(y, p, 4), confusion_matrix(y, p, labels=range(4)))
    assert L.macro_f1(y, p, 4) == pytest.approx(f1_score(y, p, average="macro"), rel=1e-14)
    assert L.macro_f1_from_confusion(confusion_matrix(y, p, labels=range(4)).astype(float)) == pytest.approx(
        f1_score(y, p, average="macro"), rel=1e-14)


def test_probe_jumps_formula():
    scores = np.array([0.5, 0.8, 0.6, 0.6])
    np.testing.assert_allclose(L.probe_jumps(scores), np.abs(np.diff(scores)) / scores[:-1], rtol=1e-15)


@pytest.mark.parametrize("kind", ["logistic", "mlp", "mlp_minibatch"])
def test_cross_validated_probe_separates_classes(rng, kind):
    x, y = labelled(rng)
    predicted = L.cross_validated_predictions(x, y, 3, kind=kind, iterations=200, seed=1)
    assert predicted.shape == (len(y),) and predicted.dtype == np.int64
    assert f1_score(y, predicted, average="macro") > 0.95
    score = L.probe_score(x, y, 3, kind=kind, iterations=200, seed=1)
    assert score == pytest.approx(f1_score(y, predicted, average="macro"), rel=1e-14)
    noise = rng.normal(size=x.shape)  # no information: chance level
    assert L.probe_score(noise, y, 3, kind="logistic") < 0.6


def test_ridge_probe_is_sklearns_ridge_classifier(rng):
    """kind='ridge' = StandardScaler + RidgeClassifier(alpha=1) under the same folds (sklearn's
    cross_val_predict with a PredefinedSplit of infoscale's fold assignment)."""
    from sklearn.linear_model import RidgeClassifier
    from sklearn.model_selection import PredefinedSplit, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = labelled(rng, n=300, d=8, classes=5, noise=3.0)  # overlapping classes: many errors to match
    folds = L.fold_assignment(len(y), 4, seed=2)
    ours = L.cross_validated_predictions(x, y, 5, kind="ridge", folds=4, seed=2)
    theirs = cross_val_predict(make_pipeline(StandardScaler(), RidgeClassifier(alpha=1.0)), x, y,
                               cv=PredefinedSplit(folds))
    np.testing.assert_array_equal(ours, theirs)
    assert 0.3 < f1_score(y, ours, average="macro") < 0.99


def test_folds_and_evidence(rng):
    folds = L.fold_assignment(23, 5, seed=4)
    assert sorted(np.bincount(folds)) == [4, 4, 5, 5, 5]
    x, y = labelled(rng, n=40)
    lengths = [10, 15, 15]
    plan = L.ResamplingPlan(3, resamples=4, seed=0)
    ev = L.ProbeEvidence(lengths, plan)
    layers = [x, x + rng.normal(scale=2.0, size=x.shape), rng.normal(size=x.shape)]
    predictions = []
    for layer in layers:
        pr = L.cross_validated_predictions(layer, y, 3, kind="logistic")
        predictions.append(pr)
        ev.add_layer([y], [pr], [3])
    scores = [f1_score(y, p, average="macro") for p in predictions]
    np.testing.assert_allclose(ev.scores(0), scores, rtol=1e-13)
    np.testing.assert_allclose(ev.signal(0), np.abs(np.diff(scores)) / scores[:-1], rtol=1e-12)
    w = np.repeat(plan.weights(2), lengths)
    np.testing.assert_allclose(ev.scores(2)[0], f1_score(y, predictions[0], average="macro", sample_weight=w),
                               rtol=1e-13)


def test_probe_errors(rng):
    x, y = labelled(rng, n=20)
    with pytest.raises(infoscale.Error, match=r"argument 'labels' must have one label per token"):
        L.cross_validated_predictions(x, y[:-1], 3)
    with pytest.raises(infoscale.Error, match=r"argument 'options.folds' must lie in \[2, tokens\]"):
        L.cross_validated_predictions(x, y, 3, folds=1)
    with pytest.raises(infoscale.Error, match=r"argument 'kind' must be 'logistic', 'mlp', 'ridge' or 'mlp_minibatch'"):
        L.probe_score(x, y, 3, kind="svm")
    with pytest.raises(infoscale.Error, match=r"has label 5 at token"):
        L.cross_validated_predictions(x, np.full(20, 5), 3)
    with pytest.raises(infoscale.Error, match=r"labels must lie in \[0, 1e9\]"):
        L.macro_f1(np.array([-1, 0]), np.array([0, 0]), 2)
    with pytest.raises(infoscale.Error, match=r"must be finite with P\(l\) > 0"):
        L.probe_jumps(np.array([0.0, 0.5]))


def test_minibatch_probe_and_projection(rng):
    # The C++ suite checks the mini-batch fit against the full-batch one and the projection against
    # an exact eigendecomposition; here, the options as Python passes them.
    x, y = labelled(rng, n=300, d=40)
    wide = np.hstack([x, 0.01 * rng.normal(size=(300, 60))])  # 100 features, the signal in 40
    a = L.cross_validated_predictions(wide, y, 3, kind="mlp_minibatch", projection=12, seed=3)
    np.testing.assert_array_equal(a, L.cross_validated_predictions(wide, y, 3, kind="mlp_minibatch", projection=12,
                                                                   seed=3))
    assert f1_score(y, a, average="macro") > 0.9
    # a projection needing more components than the data has (k + 10 > features) uses every feature
    np.testing.assert_array_equal(L.cross_validated_predictions(x, y, 3, kind="mlp_minibatch", projection=35),
                                  L.cross_validated_predictions(x, y, 3, kind="mlp_minibatch"))
    for option, value in (("batch", 0), ("max_epochs", 0)):
        with pytest.raises(infoscale.Error, match=f"argument 'options.{option}'"):
            L.probe_score(x, y, 3, kind="mlp_minibatch", **{option: value})
    r = infoscale.analyse_layers(np.stack([wide, wide + 0.1 * rng.normal(size=wide.shape),
                                           rng.normal(size=wide.shape)]),
                                 sequence_offsets=[0, 100, 200, 300], labels=y, resamples=20,
                                 probe="mlp_minibatch", probe_projection=16)
    assert r.probes["kind"] == "mlp_minibatch" and r.probes["projection"] == 16
    assert "mlp_minibatch probes on the top 16 principal components" in str(r)
    assert r.to_dict()["probes"]["projection"] == 16
