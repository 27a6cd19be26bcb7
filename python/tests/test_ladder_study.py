"""The entropic-scaling ladder measurements (infoscale.ladder_study): the JS / TV / KL functions
against scipy and hand-computed laws (with and without zero probabilities, both code paths), the
per-model cross-entropy against torch's cross_entropy, the held-out windowing, and a two-model run
writing the ledger's schema, identical on a rerun apart from its timings; bad input."""
import json
import math

import numpy as np
import pytest

import infoscale

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
scipy_distance = pytest.importorskip("scipy.spatial.distance")
scipy_stats = pytest.importorskip("scipy.stats")
from infoscale import ladder_study  # noqa: E402
from infoscale.models import load_shipped, models_root  # noqa: E402

from conftest import probability_rows  # noqa: E402


def _log(p):
    with np.errstate(divide="ignore"):
        return np.log(p)


def _divergences(p, q):
    return [v.numpy() for v in ladder_study.divergences(_log(p), _log(q))]


@pytest.mark.parametrize("zeros", [False, True], ids=["positive", "with-zeros"])
def test_divergences_match_scipy(rng, zeros):
    p = probability_rows(rng, rows=9, categories=41, zeros=zeros)
    q = probability_rows(rng, rows=9, categories=41, zeros=False)  # q > 0: KL(p||q) finite
    js, tv, kl_pq, kl_qp = _divergences(p, q)
    for i in range(len(p)):
        assert js[i] == pytest.approx(scipy_distance.jensenshannon(p[i], q[i]) ** 2, rel=1e-12, abs=1e-15)
        assert tv[i] == pytest.approx(0.5 * np.abs(p[i] - q[i]).sum(), rel=1e-12, abs=1e-15)
        assert kl_pq[i] == pytest.approx(scipy_stats.entropy(p[i], q[i]), rel=1e-12, abs=1e-15)
        if zeros and i % 2 == 0:
            assert kl_qp[i] == math.inf  # q has mass where p has none
        else:
            assert kl_qp[i] == pytest.approx(scipy_stats.entropy(q[i], p[i]), rel=1e-12, abs=1e-15)


def test_divergences_by_hand():
    # disjoint supports: JS = log 2 (its maximum), TV = 1, both KL infinite
    js, tv, kl_pq, kl_qp = _divergences(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    assert js == pytest.approx(math.log(2), rel=1e-15) and tv == 1.0 and kl_pq == math.inf and kl_qp == math.inf
    # p = (1/2, 1/2), q = (9/10, 1/10), m = (7/10, 3/10)
    js, tv, kl_pq, kl_qp = _divergences(np.array([0.5, 0.5]), np.array([0.9, 0.1]))
    assert kl_pq == pytest.approx(0.5 * math.log(25 / 9), rel=1e-14)
    assert kl_qp == pytest.approx(0.9 * math.log(9 / 5) + 0.1 * math.log(1 / 5), rel=1e-14)
    kl_pm = 0.5 * math.log(5 / 7) + 0.5 * math.log(5 / 3)
    kl_qm = 0.9 * math.log(9 / 7) + 0.1 * math.log(1 / 3)
    assert js == pytest.approx(0.5 * (kl_pm + kl_qm), rel=1e-14)
    assert tv == pytest.approx(0.4, rel=1e-14)
    # identical laws, and symmetry of JS and TV on rows of a batch
    p = np.array([[0.2, 0.3, 0.5], [0.6, 0.0, 0.4]])
    q = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    assert all(np.all(v == 0) for v in _divergences(p, p))
    a, b = _divergences(p, q), _divergences(q, p)
    np.testing.assert_allclose(a[0], b[0], rtol=1e-15)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-15)
    np.testing.assert_allclose(a[2], b[3], rtol=1e-15)


def test_in_place_kernel_equals_masked_path(rng):
    """The study's buffered kernel and the masked general path give the same values on positive laws."""
    lp = torch.log_softmax(torch.from_numpy(rng.normal(size=(6, 300)) * 3), -1)
    lq = torch.log_softmax(torch.from_numpy(rng.normal(size=(6, 300)) * 3), -1)
    fast = ladder_study._positive_divergences(lp, lp.exp(), lq, lq.exp())
    # a zero in a seventh, unrelated row sends divergences() down the masked path for all rows
    zero_row = torch.full((1, 300), -math.inf, dtype=torch.float64)
    zero_row[0, 0] = 0.0
    masked = ladder_study.divergences(torch.cat([lp, zero_row]), torch.cat([lq, zero_row]))
    for f, m in zip(fast, masked):
        torch.testing.assert_close(f, m[:6], rtol=1e-13, atol=1e-16)


def test_divergences_reject_mismatched_shapes():
    with pytest.raises(infoscale.Error, match="shapes"):
        ladder_study.divergences(np.zeros((2, 3)), np.zeros((2, 4)))


def test_cross_entropy_matches_torch():
    model, tok = load_shipped("llama-w32")
    stream = ladder_study.heldout_stream(tok)
    assert stream[0] == tok.eos_token_id == 0
    batches = ladder_study.windows(stream, 32, 16)
    assert batches.shape == (2, 17)
    np.testing.assert_array_equal(batches[1, :-1], stream[16:32])  # back to back, each target once
    np.testing.assert_array_equal(batches[:, 1:].ravel(), stream[1:33])
    per_model, _ = ladder_study.measure([("a", model), ("b", model)], batches)
    with torch.no_grad():
        logits = model(input_ids=torch.from_numpy(batches[:, :-1])).logits
    reference = torch.nn.functional.cross_entropy(logits.double().reshape(-1, logits.shape[-1]),
                                                  torch.from_numpy(batches[:, 1:]).reshape(-1)).item()
    assert per_model[0]["cross_entropy_nats"] == pytest.approx(reference, rel=1e-12)
    assert per_model[0]["perplexity"] == pytest.approx(math.exp(reference), rel=1e-12)


def test_two_model_run_writes_the_schema(tmp_path):
    names = ["llama-w32", "llama-student"]
    doc = ladder_study.run_ladder_study(names, tokens=32, window=16)
    out = tmp_path / "ladder.json"
    ladder_study.write_json(doc, out)
    got = json.loads(out.read_text())
    assert set(got) == {"options", "models", "pairs", "versions", "timings"}
    assert got["options"] == {"tokens": 32, "window": 16, "heldout": "models/austen/corpus/heldout.txt",
                              "reading": ladder_study.READING, "threads": 1}
    keys = {"name", "architecture", "width", "layers", "train_steps", "parameters", "vocabulary",
            "cross_entropy_nats", "perplexity", "teacher"}
    assert [m["name"] for m in got["models"]] == names
    for m in got["models"]:
        assert set(m) == keys
        log = json.loads((models_root() / m["name"] / "training_log.json").read_text())
        assert m["architecture"] == "LlamaForCausalLM" and m["layers"] == 12 and m["vocabulary"] == 4096
        assert m["width"] == log["width"] and m["train_steps"] == log["steps"] == 200
        assert m["parameters"] == log["parameters"]  # tied embedding counted once, as train.py counted
        assert m["perplexity"] == pytest.approx(math.exp(m["cross_entropy_nats"]), rel=1e-11)
    assert got["models"][0]["teacher"] is None and got["models"][1]["teacher"] == "llama-a"
    assert len(got["pairs"]) == 1
    pair = got["pairs"][0]
    assert set(pair) == {"a", "b", "js_nats", "js_se", "tv", "kl_ab", "kl_ba"}
    assert (pair["a"], pair["b"]) == tuple(names)
    assert 0 < pair["js_nats"] < math.log(2) and pair["js_se"] > 0 and 0 < pair["tv"] < 1
    assert pair["kl_ab"] > 0 and pair["kl_ba"] > 0
    assert {"torch", "transformers"} <= set(got["versions"])
    assert "wall_seconds" in got["timings"]
    # deterministic: a rerun differs only in its timings
    again = ladder_study.run_ladder_study(names, tokens=32, window=16)
    assert {k: v for k, v in again.items() if k != "timings"} == {k: v for k, v in doc.items() if k != "timings"}


@pytest.mark.parametrize("tokens, window, match", [(30, 16, "multiple"), (8, 16, "multiple"),
                                                   (1024 * 128, 128, "only"), (32, 0, "at least 1")])
def test_windows_reject_bad_counts(tokens, window, match):
    with pytest.raises(infoscale.Error, match=match):
        ladder_study.windows(np.zeros(1000, np.int64), tokens, window)


def test_measure_needs_two_windows():
    with pytest.raises(infoscale.Error, match="two"):
        ladder_study.measure([("a", None), ("b", None)], np.zeros((1, 17), np.int64))


def test_run_rejects_fewer_than_two_models():
    with pytest.raises(infoscale.Error, match="at least two"):
        ladder_study.run_ladder_study(["llama-w32"], tokens=32, window=16)
    with pytest.raises(infoscale.Error, match="at least two"):
        ladder_study.run_ladder_study(["llama-w32", "llama-w32"], tokens=32, window=16)
