"""Cost of Experiment 2's noise injection inside generate(): samples per second of the baseline
and of a run perturbing one scale (a third of the blocks), side by side in one process.

    .venv/bin/python benchmarks/bench_interventions.py [MODEL_DIR]

Without MODEL_DIR: a seeded random GPT-2 of the shipped family's shape (12 layers, 128 wide,
vocabulary 4096). Threads: torch's default (set OMP_NUM_THREADS to pin).
"""
import sys
import time

import torch
import transformers

from infoscale.hf import find_taps
from infoscale.hf import interventions as iv


def model_and_tokenizer():
    if len(sys.argv) > 1:
        return (transformers.AutoModelForCausalLM.from_pretrained(sys.argv[1]),
                transformers.AutoTokenizer.from_pretrained(sys.argv[1]))
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=4096, n_positions=256, n_embd=128, n_layer=12, n_head=4,
                                     bos_token_id=0, eos_token_id=0)
    import tokenizers
    vocab = {"<unk>": 0, **{chr(32 + i): i + 1 for i in range(95)}}
    tok = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizers.Tokenizer(tokenizers.models.BPE(vocab=vocab, merges=[], unk_token="<unk>")),
        unk_token="<unk>", eos_token="<unk>")
    return transformers.GPT2LMHeadModel(config), tok


def main():
    model, tok = model_and_tokenizer()
    model.eval()
    prompts = ["It is a truth universally acknowledged", "However little known the feelings",
               "My dear Mr. Bennet, said his lady", "Mr. Bennet replied that he had not"] * 2
    blocks = find_taps(model.base_model).blocks
    scale = list(range(len(blocks) // 3, 2 * len(blocks) // 3))
    kw = dict(samples_per_prompt=2, max_new_tokens=48, seed=0, batch_size=8)
    iv.generate(model, tok, prompts[:2], samples_per_prompt=1, max_new_tokens=4)  # warm up
    times = {"baseline": [], "perturbed": []}
    for _ in range(3):
        start = time.perf_counter()
        iv.generate(model, tok, prompts, **kw)
        times["baseline"].append(time.perf_counter() - start)
        injection = iv.NoiseInjection(blocks, scale, 0.1, seed=1, scale="pass")
        with injection:
            start = time.perf_counter()
            iv.generate(model, tok, prompts, injection=injection, **kw)
            times["perturbed"].append(time.perf_counter() - start)
    samples = len(prompts) * kw["samples_per_prompt"]
    best = {k: min(v) for k, v in times.items()}
    print(f"bench_interventions: {len(blocks)} blocks, perturbing {len(scale)}, {samples} samples of "
          f"{kw['max_new_tokens']} tokens, torch threads {torch.get_num_threads()}")
    for k, v in best.items():
        print(f"  {k}: {samples / v:.2f} samples/s ({v:.2f} s, best of 3)")
    print(f"  injection cost: {100 * (best['perturbed'] / best['baseline'] - 1):+.1f}% of generation time")


if __name__ == "__main__":
    main()
