"""End to end on a small randomly initialised causal LM (GPT-2 architecture, 2 layers, 64 wide, a
character vocabulary, seeded): the logits/thermo path against torch's own float64 logsumexp and
softmax entropy, and the layer report on its hidden states and attentions."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")
import infoscale.hf as hf  # noqa: E402

TEXTS = ["It is a truth universally acknowledged, that a single man",
         "However little known the feelings or views of such a man may be",
         "My dear Mr. Bennet, said his lady to him one day",
         "Mr. Bennet replied that he had not.",
         "But it is, returned she."]


def char_tokenizer(texts):
    chars = sorted(set("".join(texts)))
    vocab = {"<unk>": 0, **{c: i + 1 for i, c in enumerate(chars)}}
    model = tokenizers.models.BPE(vocab=vocab, merges=[], unk_token="<unk>")  # no merges: characters
    return transformers.PreTrainedTokenizerFast(tokenizer_object=tokenizers.Tokenizer(model), unk_token="<unk>",
                                                eos_token="<unk>")


def tiny_gpt2(vocab, attn="eager"):
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=vocab, n_positions=96, n_embd=64, n_layer=2, n_head=4,
                                     bos_token_id=0, eos_token_id=0, attn_implementation=attn)
    return transformers.GPT2LMHeadModel(config)


@pytest.fixture(scope="module")
def lm():
    tok = char_tokenizer(TEXTS)
    return tok, tiny_gpt2(len(tok.get_vocab()))


def reference(logits, temperature):
    """Thermodynamics of softmax(logits / T) in float64 with torch (energies -logits)."""
    z = logits.double() / temperature
    log_z = torch.logsumexp(z, dim=-1)
    logp = z - log_z[:, None]
    p = logp.exp()
    entropy = -(p * logp).sum(-1)
    energy = -logits.double()
    u = (p * energy).sum(-1)
    c = (p * (energy - u[:, None]) ** 2).sum(-1) / temperature ** 2
    return log_z, u, -temperature * log_z, entropy, c


@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0])
def test_thermo_matches_torch_float64(lm, temperature):
    tok, model = lm
    results = hf.next_token_thermodynamics(model, tok, TEXTS, temperature=temperature, batch_size=1)
    assert model.training  # the training flag is restored
    for text, r in zip(TEXTS, results):
        ids = torch.tensor([tok(text)["input_ids"]])
        with torch.no_grad():
            model.eval()
            logits = model(ids).logits[0]
            model.train()
        log_z, u, f, s, c = reference(logits, temperature)
        for got, want in ((r.log_partition, log_z), (r.internal_energy, u), (r.free_energy, f), (r.entropy, s),
                          (r.heat_capacity, c)):
            np.testing.assert_allclose(got, want.numpy(), rtol=1e-10, atol=1e-12)
        surprisal = -torch.log_softmax(logits.double(), -1)[torch.arange(len(ids[0]) - 1), ids[0, 1:]]
        np.testing.assert_allclose(r.surprisal[:-1], surprisal.numpy(), rtol=1e-10)
        assert np.isnan(r.surprisal[-1]) and np.array_equal(r.token_ids, ids[0].numpy())


def test_padded_batches_agree_with_single_texts(lm):
    tok, model = lm
    single = hf.next_token_thermodynamics(model, tok, TEXTS, batch_size=1)
    batched = hf.next_token_thermodynamics(model, tok, TEXTS, batch_size=3, device="cpu")
    for a, b in zip(single, batched):
        np.testing.assert_allclose(a.entropy, b.entropy, rtol=1e-5)
        np.testing.assert_allclose(a.free_energy, b.free_energy, rtol=1e-5)
    assert batched[0].to_dict()["surprisal"][-1] is None


def test_layer_report_runs_streamed_or_not(lm):
    tok, model = lm
    whole = hf.layer_report(model, tok, TEXTS, batch_size=2, resamples=100)
    assert whole.layers == 2 and whole.sequences == 5 and whole.signals == "S1,S3"
    assert whole.attention["shape"][:3] == [2, 5, 4]
    assert np.all(np.isfinite(whole.evidence)) and whole.tokens == sum(len(tok(t)["input_ids"]) for t in TEXTS)
    for batch_size in (2, 5):
        streamed = hf.layer_report(model, tok, TEXTS, stream=True, batch_size=batch_size, resamples=100)
        assert streamed.to_dict() == whole.to_dict()
    assert "S1=1/CKA" in str(whole) and whole.to_json().startswith("{")


def test_hidden_states_follow_output_hidden_states(lm):
    tok, model = lm
    dump = hf.collect_layers(model, tok, TEXTS[:1], attentions=False)
    ids = torch.tensor([tok(TEXTS[0])["input_ids"]])
    model.eval()
    with torch.no_grad():
        out = model(ids, output_hidden_states=True)
    model.train()
    assert dump.attentions is None and len(out.hidden_states) == 3
    for l, h in enumerate(out.hidden_states):  # the last one after ln_f, as transformers gives it
        np.testing.assert_array_equal(dump.hidden_states[l], h[0].numpy())


def test_collector_errors(lm):
    tok, model = lm
    with pytest.raises(TypeError, match="a sequence of strings"):
        hf.layer_report(model, tok, "one string")
    sdpa = tiny_gpt2(len(tok.get_vocab()), attn="sdpa")
    with pytest.raises(ValueError, match="attn_implementation='eager'"):
        hf.layer_report(sdpa, tok, TEXTS)
    assert hf.layer_report(sdpa, tok, TEXTS, attentions=False, resamples=20).signals == "S1"
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        hf.collect_layers(model, tok, TEXTS, batch_size=0)
    with pytest.raises(ValueError, match="declares no hidden-state modules"):
        hf.find_taps(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="labels must give one int array per text"):
        hf.layer_report(model, tok, TEXTS, labels=[[0, 1]])
