"""A TransformerLens HookedTransformer as a model source: the shipped GPT-2 (gpt2-a), converted
offline with TransformerLens's own GPT-2 weight conversion and loaded without weight processing,
gives the Hugging Face model's layers and report; misuse is a named infoscale error.

Tolerance: both run the same float32 weights, but TransformerLens computes attention per head with
einsums and its own LayerNorm and GELU code, so sums are ordered differently and the hidden states
differ by float32 rounding: measured here (6 texts, 229 tokens), at most 2.9e-7 of each layer's
largest entry, attention probabilities by 8.3e-7, and CKA, S1, S3 and E(l) by at most 6e-8
relative (P(l) and S2 equal; the report's quantities are computed in float64 from the float32
states). 1e-5 leaves room for other CPUs and BLAS builds while still catching any real difference
(TransformerLens's default weight processing, for one, moves CKA by 4e-3 and E(l) by 5e-2 here)."""
import json
import pathlib

import numpy as np
import pytest

import infoscale

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
transformer_lens = pytest.importorskip("transformer_lens")
from transformer_lens import HookedTransformer, HookedTransformerConfig  # noqa: E402
from transformer_lens.pretrained.weight_conversions import convert_gpt2_weights  # noqa: E402

from infoscale import hf, models, study  # noqa: E402

AUSTEN = pathlib.Path(__file__).resolve().parents[2] / "models" / "austen"
TEXTS = 6
TOL = 1e-5
OPTIONS = dict(resamples=50, probe="ridge")  # ridge: the fast probe
# TransformerLens 3.x marks HookedTransformer deprecated (4.0 removed it); it is what this adapter reads.
pytestmark = pytest.mark.filterwarnings("ignore:HookedTransformer is deprecated:DeprecationWarning")


def hooked_gpt2(hf_model, **cfg):
    """The HF GPT-2 as a HookedTransformer, residual stream untouched (no weight processing)."""
    c = hf_model.config
    config = HookedTransformerConfig(n_layers=c.n_layer, d_model=c.n_embd, n_ctx=c.n_positions,
                                     d_head=c.n_embd // c.n_head, n_heads=c.n_head, d_mlp=c.n_inner,
                                     d_vocab=c.vocab_size, act_fn=c.activation_function, eps=c.layer_norm_epsilon,
                                     normalization_type="LN", original_architecture="GPT2LMHeadModel",
                                     model_name="gpt2-a (TransformerLens)", device="cpu", **cfg)
    model = HookedTransformer(config)
    model.load_and_process_state_dict(convert_gpt2_weights(hf_model, config), fold_ln=False,
                                      center_writing_weights=False, center_unembed=False, fold_value_biases=False)
    return model


@pytest.fixture(scope="module")
def pair():
    torch.set_num_threads(1)
    model, tok = models.load_shipped("gpt2-a", AUSTEN)
    return model, hooked_gpt2(model), tok


@pytest.fixture(scope="module")
def corpus():
    texts, labels, _ = study.shipped_corpus(AUSTEN)
    return texts[:TEXTS], {k: v[:TEXTS] for k, v in labels.items()}


def test_is_hooked_transformer(pair):
    hf_model, lens, _ = pair
    assert hf.hooked_transformer.is_hooked_transformer(lens)
    assert not hf.hooked_transformer.is_hooked_transformer(hf_model)


def test_layers_equal_the_hugging_face_model(pair, corpus):
    hf_model, lens, tok = pair
    texts, _ = corpus
    # Several padded batches on the TransformerLens side, one per text on the HF side: padding
    # must not reach the real tokens.
    a = hf.collect_layers(hf_model, tok, texts, batch_size=1)
    b = hf.collect_layers(lens, tok, texts, batch_size=4)
    assert b.hidden_states.shape == a.hidden_states.shape == (13, a.hidden_states.shape[1], 128)
    assert np.array_equal(a.sequence_offsets, b.sequence_offsets) and np.array_equal(a.token_ids, b.token_ids)
    assert np.array_equal(a.attention_mask, b.attention_mask)
    scale = np.abs(a.hidden_states).max(axis=(1, 2), keepdims=True)
    assert np.abs(b.hidden_states - a.hidden_states).max() <= TOL * scale.max()
    assert np.all(np.abs(b.hidden_states - a.hidden_states) <= TOL * scale)  # layer by layer, incl. ln_final
    assert np.abs(b.attentions - a.attentions).max() <= TOL
    assert b.source == "gpt2-a (TransformerLens)"


@pytest.mark.parametrize("stream", [False, True])
def test_report_equals_the_hugging_face_report(pair, corpus, stream):
    hf_model, lens, tok = pair
    texts, labels = corpus
    a = hf.layer_report(hf_model, tok, texts, labels=labels["pos"], stream=stream, batch_size=4, **OPTIONS)
    b = hf.layer_report(lens, tok, texts, labels=labels["pos"], stream=stream, batch_size=4, **OPTIONS)
    assert b.signals == a.signals and b.layers == a.layers == 12 and b.tokens == a.tokens
    for name in ("probe_scores", "cka", "s1", "s2", "s3", "evidence"):
        got, want = getattr(b, name), getattr(a, name)
        assert got.shape == want.shape and got.size > 0, name
        np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL, err_msg=name)
    ja, jb = json.loads(a.to_json()), json.loads(b.to_json())
    assert [p["pair"] for p in jb["peaks"]] == [p["pair"] for p in ja["peaks"]] and ja["peaks"]
    for x, y in zip(jb["boundaries"], ja["boundaries"], strict=True):
        assert (x["name"], x["pair"], x["detection_rate"]) == (y["name"], y["pair"], y["detection_rate"])
        assert abs(x["prominence"] - y["prominence"]) <= TOL


def test_study_runner_takes_a_hooked_transformer(pair, corpus):
    hf_model, lens, tok = pair
    texts, labels = corpus
    runs = [study.StudyModel("hf", "gpt2", hf_model, tok), study.StudyModel("lens", "lens", lens, tok)]
    result = study.run_study(runs, texts, {"pos": labels["pos"]}, progress=False, folds=3, **OPTIONS)
    a, b = (result.reports[n]["max"] for n in ("hf", "lens"))
    np.testing.assert_allclose(b.evidence, a.evidence, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(b.s3, a.s3, rtol=TOL, atol=TOL)
    with pytest.raises(infoscale.Error, match="argument 'interventions'.*HookedTransformer"):
        study.run_study(runs, texts, progress=False, interventions={}, **OPTIONS)


def test_misuse_is_a_named_error(pair, corpus):
    hf_model, _, tok = pair
    texts, _ = corpus
    lens = hooked_gpt2(hf_model)
    with pytest.raises(infoscale.Error, match="argument 'blocks'"):
        hf.collect_layers(lens, tok, texts[:2], blocks=[lens.blocks[0]])
    with pytest.raises(infoscale.Error, match="argument 'max_length'.*context is 256"):
        hf.collect_layers(lens, tok, [" ".join(["word"] * 300)], attentions=False)
    torch.manual_seed(0)  # a model of 100 token ids, given the shipped tokenizer (4096 ids)
    small = HookedTransformer(HookedTransformerConfig(n_layers=1, d_model=16, n_ctx=64, d_head=4, n_heads=4,
                                                      d_vocab=100, act_fn="gelu_new", normalization_type="LN",
                                                      device="cpu"))
    with pytest.raises(infoscale.Error, match="argument 'tokenizer' gives token id"):
        hf.layer_report(small, tok, texts[:2], stream=True, attentions=False)
    # A variant whose attention exposes no pattern hook: S3 is unavailable, and says how to go on.
    for l in range(lens.cfg.n_layers):
        del lens.hook_dict[f"blocks.{l}.attn.hook_pattern"]
    with pytest.raises(infoscale.Error, match="argument 'attentions'.*attentions=False"):
        hf.layer_report(lens, tok, texts[:2])
    assert hf.collect_layers(lens, tok, texts[:2], attentions=False).attentions is None
