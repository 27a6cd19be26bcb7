"""infoscale.study: the multi-scale study on the shipped decoders (a small slice, few resamples),
checked against the single pipeline it is built on, and its bad inputs."""
import json
import pathlib

import numpy as np
import pytest

import infoscale

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
from infoscale import hf, study  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
AUSTEN = ROOT / "models" / "austen"
TEXTS = 24
OPTIONS = dict(resamples=40, folds=3, probe="ridge", progress=False)  # ridge: the fast probe, CI-sized


@pytest.fixture(scope="module")
def corpus():
    texts, labels, ids = study.shipped_corpus(AUSTEN)
    return texts[:TEXTS], {k: v[:TEXTS] for k, v in labels.items()}, ids[:TEXTS]


@pytest.fixture(scope="module")
def family():
    torch.set_num_threads(1)
    return study.shipped_models(root=AUSTEN)


@pytest.fixture(scope="module")
def result(family, corpus):
    texts, labels, _ = corpus
    return study.run_study(family, texts, labels, **OPTIONS)


def test_shipped_labels_are_the_tokenizers_tokens(family, corpus):
    texts, labels, ids = corpus
    tok = family[0].tokenizer
    for text, token_ids in zip(texts, ids):
        assert tok(text)["input_ids"] == list(token_ids)
    assert all(len(labels["pos"][i]) == len(ids[i]) for i in range(len(texts)))


def test_study_tables_and_scorecard(result):
    d = result.main.to_dict()
    assert [r["model"] for r in d["table1"]] == ["llama-a", "llama-b", "gpt2-a", "gpt2-b"]
    assert [f["family"] for f in d["table3"]] == ["llama", "gpt2"]
    ids = sorted((p["id"], p["scope"]) for p in d["predictions"])
    assert ids == sorted([("1.1", "llama"), ("1.1", "gpt2"), ("3.2", "llama"), ("3.2", "gpt2"),
                          ("1.2", "llama-a"), ("1.2", "llama-b"), ("1.2", "gpt2-a"), ("1.2", "gpt2-b"),
                          ("2.1", "all"), ("3.1", "all")])
    for p in d["predictions"]:
        assert p["verdict"] in ("holds", "fails", "not testable", "not run")
    # Table 1's positions are the per-model reports' boundaries.
    for row, model in zip(d["table1"], d["models"]):
        names = {b["name"]: b for b in model["report"]["boundaries"]}
        for key, name in (("l_i", "L-I"), ("i_g", "I-G")):
            if row[key] is None:
                assert name not in names
            else:
                assert row[key]["layer"] == names[name]["pair"] + 1
                assert row[key]["relative"] == pytest.approx(names[name]["relative_position"])
    md = result.markdown()
    assert "## Table 1" in md and "## Table 3" in md and "## Prediction scorecard" in md
    assert "under normalisation 'minmax'" in md
    # Both normalisations from one collection: the CKA and probe columns agree, E(l) differs.
    for name, by_norm in result.reports.items():
        a, b = by_norm["max"], by_norm["minmax"]
        assert np.array_equal(a.cka, b.cka) and np.array_equal(a.s2, b.s2)
        assert a.normalization == "max" and b.normalization == "minmax"
        assert len(a.information) == a.layers + 1 and len(a.probe_scores) == a.layers + 1
        assert all(0.0 <= x <= np.log2(50) for x in a.information)


def test_study_report_is_the_single_pipelines(family, corpus, result):
    """The study runs the library's pipeline: the same model, texts and options through
    infoscale.hf.layer_report give the same report, byte for byte."""
    texts, labels, _ = corpus
    m = family[2]
    direct = hf.layer_report(m.model, m.tokenizer, texts, stream=True, batch_size=32, labels=labels,
                             source=m.name, resamples=OPTIONS["resamples"], probe="ridge")
    # layer_report has no folds option: compare with a study run at the default 5 folds
    again = study.run_study([m], texts, labels, resamples=OPTIONS["resamples"], probe="ridge", progress=False)
    assert again.reports[m.name]["max"].to_json() == direct.to_json()
    # and reruns are bit-identical, except the measured phase times
    def without_times(s):
        d = s.main.to_dict()
        for m in d["models"]:
            m.pop("timings")
        return json.dumps(d, sort_keys=True)

    assert without_times(study.run_study(family[:1], texts, labels, **OPTIONS)) == \
        without_times(study.run_study(family[:1], texts, labels, **OPTIONS))


def test_study_writes_markdown_json_and_figures(result, tmp_path):
    paths = result.write(tmp_path)
    assert pathlib.Path(paths["markdown"]).read_text().startswith("# Multi-scale study")
    data = json.loads(pathlib.Path(paths["json"]).read_text())
    assert data["options"]["normalization"] == "max" and data["alternative"]["models"]
    for name in ("positions", "llama-a", "gpt2-b"):
        assert "<svg" in pathlib.Path(paths[name]).read_text()


def test_study_bad_inputs(family, corpus):
    texts, labels, _ = corpus
    shifted = dict(labels)
    shifted["pos"] = [y[1:] for y in labels["pos"]]
    with pytest.raises(infoscale.Error, match="'labels'.*text 0"):
        study.run_study(family[:1], texts, shifted, **OPTIONS)
    with pytest.raises(infoscale.Error, match="'texts'"):
        study.run_study(family[:1], texts[:1], None, **OPTIONS)
    with pytest.raises(infoscale.Error, match="'normalization'"):
        study.run_study(family[:1], texts, None, normalization="l2", **OPTIONS)
    with pytest.raises(infoscale.Error, match="'models'"):
        study.run_study([], texts, None, **OPTIONS)
    # a family of one model: stated, not a crash
    one = study.run_study(family[:1], texts, None, **OPTIONS).main.to_dict()
    assert {p["verdict"] for p in one["predictions"] if p["id"] in ("1.1", "3.2")} == {"not testable"}


def test_study_without_attention_maps_falls_back_to_s1_s2(family, corpus):
    texts, labels, _ = corpus
    m = family[0]
    m.model.config._attn_implementation = "sdpa"
    try:
        r = study.run_study([m], texts[:8], {"pos": labels["pos"][:8]}, **OPTIONS).reports[m.name]["max"]
    finally:
        m.model.config._attn_implementation = "eager"
    assert r.signals == "S1,S2"
    assert any("attn_implementation='eager'" in n for n in r.notes)


EXP2 = dict(prompts=6, samples_per_prompt=2, max_new_tokens=12, batch_size=6, coherence=False, fisher_texts=2)


@pytest.fixture(scope="module")
def with_interventions(family, corpus):
    texts, labels, _ = corpus
    models = [family[0], family[2]]  # llama-a, gpt2-a: one model per family
    return study.run_study(models, texts, labels, interventions=EXP2, **OPTIONS)


def test_study_with_experiment_2_fills_table_2_and_predictions_2_1_3_1(with_interventions):
    scipy_stats = pytest.importorskip("scipy.stats")
    s = with_interventions
    d = s.main.to_dict()
    assert d["study"].endswith("Experiments 1, 2 and 3")
    ids = sorted((p["id"], p["scope"]) for p in d["predictions"] if p["id"] in ("2.1", "3.1"))
    assert ids == [("2.1", "gpt2-a"), ("2.1", "llama-a"), ("3.1", "coherence"), ("3.1", "length_variance"),
                   ("3.1", "self_bleu"), ("3.1", "type_token_ratio")]
    assert "Experiment 2: noise in one scale" in str(s.main)
    assert "## Eq. (30)" in s.markdown()
    for r in s.interventions.values():
        assert set(r.noise_response) == {"L", "I", "G"} and r.noise_response["I"]["predicted"] > 0
    for name, r in s.interventions.items():
        # The scales are the ones Experiment 1's report gives.
        scales, source = infoscale.layers.scales_of(s.reports[name]["max"])
        assert r.layers == {k: list(v) for k, v in scales.items()}
        assert any(source in n for n in r.notes)
        table = {row["scale"]: {c["metric"]: c for c in row["changes"]} for row in r.summary.to_dict()["scales"]}
        for scale in ("L", "I", "G"):
            base = np.array([p["type_token_ratio"] for p in r.metrics["baseline"]])
            pert = np.array([p["type_token_ratio"] for p in r.metrics[scale]])
            c = table[scale]["type_token_ratio"]
            assert c["prompts"] == EXP2["prompts"]
            assert c["percent_change"] == pytest.approx(100 * (pert.mean() - base.mean()) / abs(base.mean()))
            assert c["brittleness"] == pytest.approx((pert.mean() - base.mean()) / 0.1)
            if not np.array_equal(pert, base):
                ref = scipy_stats.ttest_rel(pert, base)
                assert c["t"] == pytest.approx(ref.statistic, rel=1e-9)
                assert c["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
        # Coherence was switched off: no pairs, and the notes say so.
        assert table["L"]["coherence"]["prompts"] == 0
        assert any("coherence not measured" in n for n in r.notes)


def test_study_writes_experiment_2(with_interventions, tmp_path):
    paths = with_interventions.write(tmp_path)
    assert "<rect" in pathlib.Path(paths["llama-a-interventions"]).read_text()
    runs = json.loads(pathlib.Path(paths["generations"]).read_text())
    assert set(runs["gpt2-a"]["generations"]) == {"baseline", "L", "I", "G"}
    assert len(runs["gpt2-a"]["generations"]["I"]) == EXP2["prompts"]


def test_study_experiment_2_bad_options(family, corpus):
    texts, labels, _ = corpus
    with pytest.raises(infoscale.Error, match="'interventions' has unknown keys"):
        study.run_study(family[:1], texts, None, interventions=dict(prompt=3), **OPTIONS)
    with pytest.raises(infoscale.Error, match="'interventions' asks for 500 prompts"):
        study.run_study(family[:1], texts, None, interventions=dict(prompts=500), **OPTIONS)


def test_experiment_2_defaults_are_the_papers_1000_samples_on_the_shipped_corpus():
    texts, _, _ = study.shipped_corpus(AUSTEN)
    o = study._intervention_options({}, 0, texts)
    assert len(o["prompt_texts"]) * o["samples_per_prompt"] == 1000
    assert all(len(p.split()) == o["prompt_words"] for p in o["prompt_texts"])
