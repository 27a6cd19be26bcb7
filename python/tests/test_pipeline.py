"""analyse_layers / LayerAnalysis: the same report as the command-line `infoscale layers`.

The program's own outputs are the references: tests/fixtures/cli/layers*.golden (its text) and
layers*_reference.json (values checked against numpy when the fixtures were made), and the MiniLM
runs in tests/fixtures/hf/ (written by tests/fixtures/hf/make_cli_references.sh).
"""
import json
import pathlib

import numpy as np
import pytest

import infoscale

safetensors_numpy = pytest.importorskip("safetensors.numpy")

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures"
CLI = FIXTURES / "cli"
MINILM = FIXTURES / "minilm" / "minilm_pride.safetensors"
HF = FIXTURES / "hf"


def at(tree, path):
    for key in path:
        tree = tree[key]
    return tree


@pytest.mark.parametrize("dump, golden, reference, options", [
    ("layers_planted.safetensors", "layers.golden", "layers_reference.json", {"resamples": 50}),
    ("layers_single.safetensors", "layers_single.golden", "layers_single_reference.json", {}),
])
def test_program_goldens(dump, golden, reference, options):
    report = infoscale.analyse_dump(CLI / dump, source=dump, **options)
    assert str(report) == (CLI / golden).read_text()
    got = report.to_dict()
    for check in json.loads((CLI / reference).read_text())["checks"]:
        value = at(got, check["path"])
        if check["value"] is None:
            assert value is None, check
        elif isinstance(check["value"], str):
            assert value == check["value"], check
        else:
            assert value == pytest.approx(check["value"], rel=check["rtol"], abs=check["atol"]), check


@pytest.mark.parametrize("options, name", [({}, "minilm_layers"),
                                           ({"edges": True, "min_prominence": 0.2}, "minilm_layers_edges")])
def test_minilm_dump_equals_program_output(options, name):
    report = infoscale.analyse_dump(MINILM, source=MINILM.name, **options)
    assert str(report) == (HF / f"{name}.golden").read_text()
    assert report.to_json() + "\n" == (HF / f"{name}.json").read_text()  # byte for byte


def test_layer_by_layer_equals_whole(rng):
    t = safetensors_numpy.load_file(str(CLI / "layers_planted.safetensors"))
    whole = infoscale.analyse_layers(t["hidden_states"], sequence_offsets=t["sequence_offsets"],
                                     attentions=t["attentions"], attention_mask=t["attention_mask"], resamples=30)
    lengths = np.diff(t["sequence_offsets"])
    analysis = infoscale.LayerAnalysis(lengths, resamples=30)
    for layer in t["hidden_states"]:
        analysis.add_hidden_layer(layer)
    att, mask = t["attentions"], t["attention_mask"]
    for batch in (range(0, 3), range(3, 8)):  # attention one batch and one layer at a time
        seqs = list(batch)
        for l in range(att.shape[0]):
            analysis.add_attention_layer(l, att[l, seqs], mask[seqs], seqs)
        analysis.end_batch()
    streamed = analysis.report()
    assert streamed.attention["shape"] == list(att.shape)
    assert streamed.to_dict() == whole.to_dict()


def test_probes_and_single_sequence(rng):
    t = safetensors_numpy.load_file(str(CLI / "layers_single.safetensors"))
    report = infoscale.analyse_layers(t["hidden_states"], labels=t["labels"])
    assert report.resamples is None and report.signals == "S1,S2"
    assert all(b.ci_bca is None and not b.accepted for b in report.boundaries)
    assert "one sequence: no bootstrap over sequences, so no confidence intervals" in report.notes
    np.testing.assert_allclose(report.s1, 1.0 / report.cka, rtol=1e-15)


def test_report_is_json_serialisable_without_nan(rng):
    t = safetensors_numpy.load_file(str(CLI / "layers_single.safetensors"))
    text = infoscale.analyse_layers(t["hidden_states"]).to_json()
    assert "NaN" not in text and json.loads(text)["bootstrap"] is None


def test_pipeline_errors(rng):
    h = rng.normal(size=(4, 20, 5))
    with pytest.raises(infoscale.Error, match=r"^infoscale::analyse_layers: argument 'hidden_states' has rank 2"):
        infoscale.analyse_layers(h[0])
    with pytest.raises(infoscale.Error, match=r"covers 2 layers; at least 3"):
        infoscale.analyse_layers(h[:2])
    with pytest.raises(infoscale.Error, match=r"argument 'sequence_offsets' ends at 19 but hidden_states has 20"):
        infoscale.analyse_layers(h, sequence_offsets=[0, 10, 19])
    with pytest.raises(infoscale.Error, match=r"argument 'sequence_offsets' does not increase"):
        infoscale.analyse_layers(h, sequence_offsets=[0, 10, 10, 20])
    bad = h.copy()
    bad[2, 3, 1] = np.nan
    with pytest.raises(infoscale.Error, match=r"argument 'hidden_states' layer 2: infoscale::cka_evidence::add_layer"):
        infoscale.analyse_layers(bad, sequence_offsets=[0, 10, 20])
    with pytest.raises(infoscale.Error, match=r"argument 'attentions' covers 2 layers but hidden_states 3"):
        infoscale.analyse_layers(h, attentions=np.ones((2, 1, 1, 20, 20)) / 20)
    with pytest.raises(infoscale.Error, match=r"argument 'labels' has a single class"):
        infoscale.analyse_layers(h, labels=np.zeros(20, dtype=int))
    with pytest.raises(infoscale.Error, match=r"argument 'weights' must be finite and >= 0"):
        infoscale.analyse_layers(h, weights=(1.0, -1.0, 0.0))
    analysis = infoscale.LayerAnalysis([10, 10])
    with pytest.raises(infoscale.Error, match=r"layer 1 of sequences .* came without layer 0"):
        analysis.add_attention_layer(1, np.ones((2, 1, 10, 10)) / 10, np.ones((2, 10)), [0, 1])
    analysis.add_hidden_layer(h[0])
    with pytest.raises(infoscale.Error, match=r"covers 1 layers; at least 3"):
        analysis.report()
