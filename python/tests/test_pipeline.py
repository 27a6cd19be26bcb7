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
    # The JSON keeps 17 digits; CKA's GEMMs run on OpenBLAS, which picks its dgemm kernel for the CPU
    # at run time, so the last bit may differ from the committed file's machine (as the CLI's own
    # JSON goldens allow, tools/tests/json_close.cpp): equal keys and strings, numbers within 1e-13.
    _assert_json_close(json.loads(report.to_json()), json.loads((HF / f"{name}.json").read_text()))


def _assert_json_close(got, want, path="$"):
    if isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), path
        for k in want:
            _assert_json_close(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want)):
            _assert_json_close(g, w, f"{path}[{i}]")
    elif isinstance(want, float) and not isinstance(want, bool):
        assert got == pytest.approx(want, rel=1e-13, abs=1e-15), path
    else:
        assert got == want, path


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
    # The messages are the program's (one C++ pipeline): the argument named is the input ('arrays'
    # here, the dump's path in the program) or the option.
    h = rng.normal(size=(4, 20, 5))
    with pytest.raises(infoscale.Error, match=r"^infoscale::layers: argument 'hidden_states' must be 3-D"):
        infoscale.analyse_layers(h[0])
    with pytest.raises(infoscale.Error, match=r"argument 'arrays' has hidden_states for 2 layers; at least 3"):
        infoscale.analyse_layers(h[:2])
    with pytest.raises(infoscale.Error, match=r"argument 'arrays' has sequence_offsets ending at 19 but hidden_states "
                                              r"has 20 tokens"):
        infoscale.analyse_layers(h, sequence_offsets=[0, 10, 19])
    with pytest.raises(infoscale.Error, match=r"argument 'arrays' has sequence_offsets that do not increase"):
        infoscale.analyse_layers(h, sequence_offsets=[0, 10, 10, 20])
    bad = h.copy()
    bad[2, 3, 1] = np.nan
    with pytest.raises(infoscale.Error, match=r"has a non-finite value \(nan\) in hidden_states at layer 2, token 3, "
                                              r"feature 1"):
        infoscale.analyse_layers(bad, sequence_offsets=[0, 10, 20])
    with pytest.raises(infoscale.Error, match=r"has attentions for 2 layers but hidden_states for 3"):
        infoscale.analyse_layers(h, attentions=np.ones((2, 1, 1, 20, 20)) / 20)
    with pytest.raises(infoscale.Error, match=r"has labels of a single class"):
        infoscale.analyse_layers(h, labels=np.zeros(20, dtype=int))
    with pytest.raises(infoscale.Error, match=r"argument 'weights' must be finite and >= 0"):
        infoscale.analyse_layers(h, weights=(1.0, -1.0, 0.0))
    with pytest.raises(infoscale.Error, match=r"argument 'normalization' must be 'max' or 'minmax'"):
        infoscale.analyse_layers(h, normalization="zscore")
    analysis = infoscale.LayerAnalysis([10, 10])
    with pytest.raises(infoscale.Error, match=r"layer 1 of sequences .* came without layer 0"):
        analysis.add_attention_layer(1, np.ones((2, 1, 10, 10)) / 10, np.ones((2, 10)), [0, 1])
    analysis.add_hidden_layer(h[0])
    with pytest.raises(infoscale.Error, match=r"has hidden_states for 1 layers; at least 3"):
        analysis.report()


def test_options_a_user_controls_are_bounded(rng):
    h = rng.normal(size=(4, 20, 5))
    off = [0, 5, 10, 15, 20]
    for kwargs, message in (({"resamples": 1}, r"'resamples' is 1: too few for a 95% interval; use 0 \(no interval\) "
                                                 r"or at least 20"),
                            ({"resamples": 10**8}, r"'resamples' is 100000000; at most 100000"),
                            ({"weights": (0.0, 0.0, 0.0)}, r"'weights' must have a finite, positive sum"),
                            ({"weights": (1e308, 1e308, 1e308)}, r"'weights' must have a finite, positive sum"),
                            ({"weights": (0.0, 1.0, 0.0)}, r"'weights' give every available signal \(S1\) weight 0"),
                            ({"min_prominence": float("nan")}, r"'min_prominence' must be finite and >= 0")):
        with pytest.raises(infoscale.Error, match=message):
            infoscale.analyse_layers(h, sequence_offsets=off, **kwargs)


def test_sparse_label_ids_are_the_same_classes(rng):
    # Class ids are mapped to 0..k-1 in order, which leaves macro-F1 unchanged; a label of 10,000
    # no longer makes 10,001 classes (it took minutes and gigabytes).
    h = rng.normal(size=(4, 30, 6))
    y = rng.integers(0, 3, size=30)
    dense = infoscale.analyse_layers(h, sequence_offsets=[0, 10, 20, 30], labels=y, resamples=20)
    sparse = infoscale.analyse_layers(h, sequence_offsets=[0, 10, 20, 30], labels=np.array([0, 7, 10_000])[y],
                                      resamples=20)
    assert sparse.to_json() == dense.to_json()
    assert sparse.probes["classes"] == [3]


def test_minmax_normalisation_and_several_label_sets(rng):
    t = safetensors_numpy.load_file(str(CLI / "layers_planted.safetensors"))
    args = dict(sequence_offsets=t["sequence_offsets"], attentions=t["attentions"],
                attention_mask=t["attention_mask"], resamples=20)
    r = infoscale.analyse_layers(t["hidden_states"], normalization="minmax", **args)
    s1, s3 = r.s1, r.s3[1:]
    expected = (s1 - s1.min()) / (s1.max() - s1.min())
    expected[1:] += 0.6 * (s3 - s3.min()) / (s3.max() - s3.min())
    np.testing.assert_allclose(r.evidence, expected, rtol=1e-14)
    assert r.normalization == "minmax" and "(S(l) - min S) / (max S - min S)" in str(r)
    assert r.to_dict()["attention"]["causal_mask"] is False
    tokens = t["hidden_states"].shape[1]
    sets = [rng.integers(0, 2, size=tokens), rng.integers(0, 4, size=tokens)]
    two = infoscale.analyse_layers(t["hidden_states"], labels=sets, **args)
    assert two.probes["classes"] == [2, 4] and "labels: 2 label sets (2, 4 classes)" in str(two)


def test_report_is_the_same_on_1_2_and_4_threads(tmp_path):
    # Bit for bit: every resample writes its own slot and every reduction has a fixed order. (-P: the
    # installed package, not the source folder the tests run from.)
    import os
    import subprocess
    import sys
    script = ("import infoscale, sys; r = infoscale.analyse_dump(sys.argv[1], resamples=200); "
              "sys.stdout.write(r.to_json() + str(r))")
    outputs = []
    for threads in (1, 2, 4):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        outputs.append(subprocess.run([sys.executable, "-P", "-c", script, str(MINILM)], env=env, check=True,
                                      capture_output=True, text=True).stdout)
    assert outputs[0] == outputs[1] == outputs[2]
