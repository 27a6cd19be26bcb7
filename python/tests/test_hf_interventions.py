"""Experiment 2's noise injection inside a real generate() loop (a seeded tiny GPT-2): exact at
sigma = 0, reproducible under a seed, of the stated size, and refusing bad arguments."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("tokenizers")
import infoscale  # noqa: E402
import infoscale.hf as hf  # noqa: E402
from infoscale.hf import interventions as iv  # noqa: E402
from test_hf_gpt2 import TEXTS, char_tokenizer, tiny_gpt2  # noqa: E402

PROMPTS = [t[:12] for t in TEXTS]


@pytest.fixture(scope="module")
def lm():
    tok = char_tokenizer(TEXTS)
    model = tiny_gpt2(len(tok.get_vocab()))
    model.eval()
    return tok, model


def blocks_of(model):
    return hf.find_taps(model.base_model).blocks


def test_sigma_zero_changes_nothing_and_a_seed_repeats(lm):
    tok, model = lm
    kw = dict(samples_per_prompt=2, max_new_tokens=12, seed=5)
    base = iv.generate(model, tok, PROMPTS, **kw)
    zero = iv.NoiseInjection(blocks_of(model), [0, 1], 0.0, seed=9, scale="pass")
    with zero:
        same = iv.generate(model, tok, PROMPTS, injection=zero, **kw)
    assert same == base  # token for token (the hook added exact zeros)
    runs = []
    for _ in range(2):
        inj = iv.NoiseInjection(blocks_of(model), [1], 3.0, seed=9, scale="pass")
        with inj:
            runs.append(iv.generate(model, tok, PROMPTS, injection=inj, **kw))
    assert runs[0] == runs[1]
    assert runs[0] != base  # sigma = 3 activation stds does change what is sampled


def test_added_noise_has_the_stated_std(lm):
    tok, model = lm
    blocks = blocks_of(model)
    ids = tok(PROMPTS[0], return_tensors="pt")["input_ids"]
    clean = {}
    handle = blocks[0].register_forward_hook(lambda m, i, o: clean.setdefault("h", iv._block_output(o).clone()))
    with torch.no_grad():
        model(input_ids=ids)
    handle.remove()
    seen = {}
    inj = iv.NoiseInjection(blocks, [0], 0.5, seed=1, scale="baseline", baseline_std=[2.0])
    with inj, torch.no_grad():
        handle = blocks[0].register_forward_hook(lambda m, i, o: seen.setdefault("h", iv._block_output(o).clone()))
        model(input_ids=ids)
        handle.remove()
    noise = (seen["h"] - clean["h"]).double().numpy().ravel()
    assert inj.noise_std[0] == [pytest.approx(1.0, rel=1e-12)]  # sigma * baseline std
    # The draws are N(0, 1.0^2): their sample std is within 4 standard errors of 1.
    assert abs(noise.std() - 1.0) < 4 * (1.0 / math.sqrt(2 * noise.size))
    assert abs(noise.mean()) < 4.0 / math.sqrt(noise.size)


def test_bad_arguments_are_named(lm):
    tok, model = lm
    blocks = blocks_of(model)
    for args, message in ((([], 0.1), r"'layers' is empty"), (([5], 0.1), r"'layers' has layer 5, outside 0..1"),
                          (([0], -1.0), r"'sigma' must be finite and >= 0"),
                          (([0], float("nan")), r"'sigma' must be finite and >= 0")):
        with pytest.raises(infoscale.Error, match=message):
            iv.NoiseInjection(blocks, *args, scale="pass")
    with pytest.raises(infoscale.Error, match=r"'baseline_std' must give one std per perturbed layer"):
        iv.NoiseInjection(blocks, [0], 0.1)
    with pytest.raises(infoscale.Error, match=r"'prompts' need .* positions but the model's context is 96"):
        iv.run_intervention(model, tok, ["x" * 90, "y" * 90], {"L": [0]}, max_new_tokens=20)


def test_the_experiment_pairs_conditions_and_tests_them(lm):
    tok, model = lm
    result = iv.run_intervention(model, tok, PROMPTS, {"L": [0], "G": [1]}, sigma=1.0, samples_per_prompt=3,
                                 max_new_tokens=16, seed=2)
    assert set(result.generations) == {"baseline", "L", "G"}
    assert all(len(g) == len(PROMPTS) and all(len(s) == 3 for s in g) for g in result.generations.values())
    assert len(result.baseline_std["L"]) == 1 and result.baseline_std["L"][0] > 0
    for name in ("L", "G"):
        c = result.comparisons[name]["type_token_ratio"]
        base = np.mean([p["type_token_ratio"] for p in result.metrics["baseline"]])
        pert = np.mean([p["type_token_ratio"] for p in result.metrics[name]])
        assert c["baseline"] == pytest.approx(base) and c["perturbed"] == pytest.approx(pert)
        assert c["brittleness"] == pytest.approx((pert - base) / 1.0)
        assert 0.0 <= c["p_value"] <= 1.0
    assert "Lexical (TTR)" in result.table()
    # Table 2 is the library's: the summary's numbers are the comparisons above.
    rows = {row["scale"]: row for row in result.summary.to_dict()["scales"]}
    assert rows["L"]["layers"] == [0] and rows["G"]["layers"] == [1]
    assert any("coherence not measured" in n for n in result.notes)


def test_reference_std_fixes_the_noise_size():
    # An array of std 10: with reference_std the noise std is sigma x reference, not x std(h).
    rng = np.random.default_rng(0)
    h = rng.normal(0.0, 10.0, size=(64, 128))
    clean = h.copy()
    used = infoscale.layers.add_gaussian_noise(h, 0.5, 3, 7, reference_std=2.0)
    assert used == 1.0
    noise = (h - clean).ravel()
    assert abs(noise.std() - 1.0) < 4 / math.sqrt(2 * noise.size)
    # The same draws as without it, scaled: element i is draw i of stream (3, 7) either way.
    own = clean.copy()
    scale = infoscale.layers.add_gaussian_noise(own, 0.5, 3, 7)
    np.testing.assert_allclose(((own - clean) / scale).ravel(), noise / used, rtol=1e-9, atol=1e-12)
    with pytest.raises(infoscale.Error, match="'reference_std' must be finite and >= 0"):
        infoscale.layers.add_gaussian_noise(h, 0.5, 3, 7, reference_std=-1.0)


def test_eq_30_the_loss_rise_per_sigma_squared_is_half_the_model_fisher_trace(lm):
    from infoscale.hf.noise_response import noise_response
    tok, model = lm
    r = noise_response(model, tok, TEXTS[:4], {"L": [0], "G": [1]}, sigma=0.05, probes=12, draws=12, seed=3)
    for scale in ("L", "G"):
        v = r[scale]
        assert v["predicted"] > 0 and all(t > 0 for t in v["trace_fisher"])
        # Two Monte Carlo estimates of one slope (gradients vs loss differences): within 4 joint
        # standard errors, and the O(sigma^4) rest is below them at sigma = 0.05.
        joint = math.hypot(v["predicted_se"], v["measured_model_se"])
        assert abs(v["measured_model"] - v["predicted"]) < 4 * joint, v
    with pytest.raises(infoscale.Error, match="'sigma' must be finite and > 0"):
        noise_response(model, tok, TEXTS[:2], {"L": [0]}, sigma=0.0)
    with pytest.raises(infoscale.Error, match="scale L has layer 7, outside 0..1"):
        noise_response(model, tok, TEXTS[:2], {"L": [7]})
