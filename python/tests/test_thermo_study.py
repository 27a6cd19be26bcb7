"""Yang's thermodynamics on the shipped decoders (infoscale.hf.plm, infoscale.thermo_study): the
decoder as a PLM (the KV-cached path equals fresh forwards; teacher-forced log P equals the chain
of next-token laws; the 'sentence' reading lumps exactly the sentence-final tokens into ∅), the
library's Monte Carlo on a decoder (chain-rule and direct estimators agree within their paired
error; the cached callback gives the same estimate as an uncached one), the distance estimators
against exact distances of known laws, classical MDS against a known configuration, the study end
to end (identities F = U - TS, S = -dF/dT hold on the model's numbers; bit-identical reruns), and
bad input."""
import json
import pathlib

import numpy as np
import pytest

import infoscale

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
from infoscale import Error, lm, thermo_study  # noqa: E402
from infoscale.hf.plm import DecoderPLM, sentence_final_tokens  # noqa: E402
from infoscale.models import load_shipped  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", params=["llama-a", "gpt2-a"])
def shipped(request):
    model, tok = load_shipped(request.param)
    return request.param, model, tok


def _prompt(tok):
    return np.asarray(tok("It is a truth universally acknowledged")["input_ids"], dtype=np.int64)


def _log_softmax(z):
    return z - np.logaddexp.reduce(z, axis=-1, keepdims=True)


@pytest.mark.parametrize("stop", ["end_token", "sentence"])
def test_cached_steps_equal_fresh_forwards(shipped, stop):
    _, model, tok = shipped
    plm = DecoderPLM(model, tok, stop=stop)
    prompt = _prompt(tok)
    rng = np.random.default_rng(1)
    ids = np.arange(5)
    prefixes = np.tile(prompt, (5, 1))
    plm.logits_batch(ids, prefixes)
    for t in range(6):
        prefixes = np.concatenate([prefixes, rng.integers(1, 4096, size=(len(ids), 1))], axis=1)
        if t == 3:  # samples 1 and 3 end: their rows leave the cache
            ids, prefixes = ids[[0, 2, 4]], prefixes[[0, 2, 4]]
        z = plm.logits_batch(ids, prefixes)
    assert (plm.forwards, plm.steps) == (1, 6)
    fresh = DecoderPLM(model, tok, stop=stop).logits_batch(ids, prefixes)
    # float32 forward: the incremental and full-sequence attention sum in different orders.
    np.testing.assert_allclose(_log_softmax(z), _log_softmax(fresh), atol=5e-5)
    # A request that does not extend the cache is answered by a fresh forward, not a wrong step.
    plm.logits_batch(ids, prefixes[:, :-2])
    assert plm.forwards == 2


def test_sentence_reading_lumps_the_sentence_final_tokens(shipped):
    _, model, tok = shipped
    finals = sentence_final_tokens(tok)
    texts = [tok.decode([int(i)]) for i in finals]
    assert "." in texts and "?" in texts and "!" in texts
    assert all(t.rstrip("\"')]»”’ \n")[-1] in ".!?" for t in texts)
    prompt = _prompt(tok)
    raw = DecoderPLM(model, tok).logits_batch(np.array([0]), prompt[None])[0]
    lumped = DecoderPLM(model, tok, stop="sentence").logits_batch(np.array([0]), prompt[None])[0]
    lp_raw, lp = _log_softmax(raw), _log_softmax(lumped)
    end = tok.eos_token_id
    others = np.setdiff1d(np.arange(len(raw)), np.append(finals, end))
    np.testing.assert_allclose(lp[others], lp_raw[others], atol=1e-12)
    np.testing.assert_allclose(np.exp(lp[end]), np.exp(lp_raw[end]) + np.exp(lp_raw[finals]).sum(), rtol=1e-12)
    assert np.all(np.exp(lp[finals[finals != end]]) == 0.0)


@pytest.mark.parametrize("stop", ["end_token", "sentence"])
def test_teacher_forced_log_probability_is_the_chain_of_next_token_laws(shipped, stop):
    _, model, tok = shipped
    plm = DecoderPLM(model, tok, stop=stop)
    prompt = _prompt(tok)
    rng = np.random.default_rng(2)
    ys = [list(rng.integers(1, 4096, size=n)) for n in (0, 3, 7)]
    ended = [True, False, True]
    got = plm.log_probabilities(prompt, ys, ended=ended)
    for y, e, g in zip(ys, ended, got):
        total = 0.0
        for t in range(len(y) + 1):
            prefix = np.concatenate([prompt, np.asarray(y[:t], dtype=np.int64)])
            lp = _log_softmax(DecoderPLM(model, tok, stop=stop).logits_batch(np.array([0]), prefix[None])[0])
            if t < len(y):
                total += lp[y[t]]
            elif e:
                total += lp[tok.eos_token_id]
        assert g == pytest.approx(total, abs=1e-4)  # float32 padded batch vs one sequence


def test_monte_carlo_on_a_decoder_chain_rule_and_direct_agree(shipped):
    _, model, tok = shipped
    plm = DecoderPLM(model, tok, stop="sentence")
    prompt = [int(x) for x in _prompt(tok)]
    r = lm.entropy_function_monte_carlo(plm.lm(), prompt, samples=96, max_length=24, seed=3, batch=32,
                                        record_samples=True)
    chain, energy = np.asarray(r.samples.chain_rule), np.asarray(r.samples.energies)
    assert len(chain) == 96 and r.chain_rule.entropy == pytest.approx(chain.mean(), rel=1e-12)
    d = chain - energy
    assert abs(d.mean()) < 4 * d.std(ddof=1) / np.sqrt(len(d))
    # The recorded energies are -log P(y|s) of the recorded continuations, as teacher forcing scores them.
    cut = np.asarray(r.samples.cut, dtype=bool)
    rescored = -plm.log_probabilities(prompt, r.samples.continuations[:8], ended=~cut[:8])
    np.testing.assert_allclose(rescored, energy[:8], atol=1e-3)
    # KV cache on or off: the same draws (an uncached PLM answers every prefix with a full forward).
    uncached = DecoderPLM(model, tok, stop="sentence")
    no_cache = lm.BatchedCallbackLM(uncached.vocab_size, uncached.end_token,
                                    lambda ids, p: (uncached._reset(), uncached.logits_batch(ids, p))[1])
    r2 = lm.entropy_function_monte_carlo(no_cache, prompt, samples=96, max_length=24, seed=3, batch=32,
                                         record_samples=True)
    same = sum(list(a) == list(b) for a, b in zip(r.samples.continuations, r2.samples.continuations))
    assert same >= 94  # a draw can flip where a uniform falls within float32 noise of a CDF step
    assert r2.chain_rule.entropy == pytest.approx(r.chain_rule.entropy, abs=4 * r.chain_rule.standard_error)


def test_importance_distances_match_exact_distances_of_known_laws():
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.ones(7))
    q = rng.dirichlet(np.ones(7))
    n = 40000
    yp, yq = rng.choice(7, size=n, p=p), rng.choice(7, size=n, p=q)
    lr = np.log(q) - np.log(p)
    d = thermo_study.importance_distances(lr[yp], -lr[yq])
    bc = np.sum(np.sqrt(p * q))
    m = 0.5 * (p + q)
    exact = {"total_variation": 0.5 * np.abs(p - q).sum(), "hellinger": np.sqrt(1 - bc),
             "fisher_rao": 2 * np.arccos(bc),
             "js_distance": np.sqrt(0.5 * np.sum(p * np.log(p / m)) + 0.5 * np.sum(q * np.log(q / m)))}
    for k, v in exact.items():
        assert abs(d[k] - v) < 4 * d[k + "_se"], (k, d[k], v, d[k + "_se"])
        assert lm.distribution_distance(p, q, k) == pytest.approx(v, rel=1e-12)


def test_classical_mds_recovers_a_planar_configuration():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(9, 2))
    d = np.linalg.norm(x[:, None] - x[None], axis=-1)
    y = thermo_study.classical_mds(d)
    np.testing.assert_allclose(np.linalg.norm(y[:, None] - y[None], axis=-1), d, atol=1e-10)
    # numpy's route: eigh of the double-centred squared distances, top two axes, the same signs.
    j = np.eye(9) - np.ones((9, 9)) / 9
    w, v = np.linalg.eigh(-0.5 * j @ (d ** 2) @ j)
    ref = v[:, ::-1][:, :2] * np.sqrt(w[::-1][:2])
    ref *= np.sign(ref[np.argmax(np.abs(ref), axis=0), [0, 1]])
    np.testing.assert_allclose(y, ref, atol=1e-10)
    with pytest.raises(Error, match="not symmetric"):
        thermo_study.classical_mds(d + np.triu(np.ones((9, 9)), 1))
    with pytest.raises(Error, match="not square"):
        thermo_study.classical_mds(d[:3])


def test_svg_charts_are_the_library_s():
    from infoscale import svg_line_chart, svg_scatter_panels

    svg = svg_line_chart(["a", "b<"], [[0.0, 1.0], [2.0]], [[0.0, 1.0], [0.5]], title="t", xlabel="x", ylabel="y",
                         step=True, threshold=1.5, threshold_label="eps")
    assert svg.startswith("<svg") and svg.count("<polyline") == 2 and "b&lt;" in svg and "eps</text>" in svg
    # The x range 0..2 padded by 4% onto the 354-pixel panel at x = 66: x = 0 is at 66 + 0.08/2.16 * 334.
    assert f'points="{66 + 0.08 / 2.16 * 354:.1f},' in svg
    with pytest.raises(Error, match="non-finite"):
        svg_line_chart(["a"], [[0.0, float("nan")]], [[0.0, 1.0]], title="t", xlabel="x", ylabel="y")
    with pytest.raises(Error, match="2 x values and 1 y values"):
        svg_line_chart(["a"], [[0.0, 1.0]], [[0.0]], title="t", xlabel="x", ylabel="y")
    panels = svg_scatter_panels(["p"], [[(0.0, 0.0), (1.0, 1.0)]], [["0", "1"]])
    assert panels.count("<circle") == 2
    with pytest.raises(Error, match="2 points and 1 labels"):
        svg_scatter_panels(["p"], [[(0.0, 0.0), (1.0, 1.0)]], [["0"]])


def _tiny_options(**kw):
    base = dict(prompts=3, samples=16, min_samples=8, batch=8, max_length=6, distance_prompts=3, distance_samples=8,
                convexity_prompts=1, convexity_tests=4, temperatures=(0.5, 1.0, 2.0))
    base.update(kw)
    return thermo_study.ThermoOptions(**base)


def test_study_end_to_end_is_deterministic_and_its_identities_hold(tmp_path):
    models = [(n,) + tuple(load_shipped(n)) for n in ("llama-a", "gpt2-a")]
    from infoscale.study import shipped_corpus

    texts = shipped_corpus()[0][:12]
    runs = []
    for k in range(2):
        s = thermo_study.run_thermo_study(models, texts, _tiny_options(), compare=[("llama-a", "gpt2-a")],
                                          progress=False)
        paths = s.write(tmp_path / str(k))
        j = json.loads(pathlib.Path(paths["json"]).read_text())
        j.pop("timings")
        for m in j["results"].values():
            for r in m["entropy_function"].values():
                for p in r["prompts"]:
                    p.pop("seconds")
            for p in m["conjecture"]["around_prompts"]:
                p.pop("seconds")
        runs.append(j)
        for name in ("llama-a", "gpt2-a"):
            for r in ("end_token", "sentence"):
                res = s.results[name]["thermodynamics"][r]["identity_residuals"]
                assert res["F_minus_U_minus_TS"] < 1e-12
                assert res["S_plus_dF_dT"] < 1e-6 and res["C_minus_dU_dT"] < 1e-6
        md = pathlib.Path(paths["markdown"]).read_text()
        for section in ("## 1. The entropy function", "## 2. Sentence-level", "## 3. Moduli-space", "## 4. Conjecture 6.4"):
            assert section in md
        assert pathlib.Path(paths["moduli-llama-a"]).read_text().startswith("<svg")
    assert runs[0] == runs[1]
    # With 'end_token' the shipped models (trained on chapters) essentially never end within 6 tokens.
    cut = [p["cut_fraction"] for p in runs[0]["results"]["llama-a"]["entropy_function"]["end_token"]["prompts"]]
    assert min(cut) > 0.9


def test_bad_input_gives_clear_errors():
    model, tok = load_shipped("llama-a")
    plm = DecoderPLM(model, tok)
    with pytest.raises(infoscale.Error, match="stop"):
        DecoderPLM(model, tok, stop="paragraph")
    with pytest.raises(infoscale.Error, match="context"):
        plm.logits_batch(np.array([0]), np.zeros((1, 300), dtype=np.int64) + 5)
    with pytest.raises(infoscale.Error, match="token id"):
        plm.logits_batch(np.array([0]), np.array([[5, 4096]]))
    with pytest.raises(infoscale.Error, match="token id"):
        plm.log_probabilities([5, 6], [[-1]])
    with pytest.raises(infoscale.Error, match="temperature"):
        plm.log_probabilities([5, 6], [[7]], temperature=0.0)
    with pytest.raises(infoscale.Error, match="empty prompt"):
        thermo_study.entropy_function_of_prompts(plm, [np.zeros(0, dtype=np.int64)], _tiny_options(), 0)
    with pytest.raises(infoscale.Error, match="max_length"):
        thermo_study.entropy_function_of_prompts(plm, [np.arange(1, 9)], _tiny_options(max_length=400), 0)
    for bad in (dict(samples=0), dict(samples=1), dict(distance_samples=1), dict(temperatures=(0.0,)), dict(readings=("x",)), dict(eps=0.0)):
        with pytest.raises(infoscale.Error):
            _tiny_options(**bad).check()
    with pytest.raises(infoscale.Error):
        lm.BatchedCallbackLM(plm.vocab_size, plm.end_token, plm.logits_batch, -1.0)
