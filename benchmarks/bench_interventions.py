"""Cost of Experiment 2's noise injection inside generate(): samples per second of the baseline
and of runs perturbing one scale (the middle third of the blocks) and every block, under both
readings of the noise std ('baseline': a fixed per-layer std; 'pass': each forward pass's own),
side by side in one process, interleaved, median of 7 (the machine is shared: a slow moment
hits every condition alike).

    .venv/bin/python benchmarks/bench_interventions.py [MODEL_DIR ...]

Without MODEL_DIR: the shipped decoders llama-a and gpt2-a (12 layers, 128 wide, vocabulary
4096). Threads: torch's default (set OMP_NUM_THREADS to pin).
"""
import sys
import time

import torch
import transformers

from infoscale.hf import find_taps
from infoscale.hf import interventions as iv


def models():
    if len(sys.argv) > 1:
        return [(d, transformers.AutoModelForCausalLM.from_pretrained(d), transformers.AutoTokenizer.from_pretrained(d))
                for d in sys.argv[1:]]
    from infoscale.models import load_shipped
    return [(n, *load_shipped(n)) for n in ("llama-a", "gpt2-a")]


def bench(name, model, tok):
    model.eval()
    prompts = ["It is a truth universally acknowledged", "However little known the feelings",
               "My dear Mr. Bennet, said his lady", "Mr. Bennet replied that he had not"] * 2
    blocks = find_taps(model.base_model).blocks
    scale = list(range(len(blocks) // 3, 2 * len(blocks) // 3))
    kw = dict(samples_per_prompt=2, max_new_tokens=48, seed=0, batch_size=8)
    iv.generate(model, tok, prompts[:2], samples_per_prompt=1, max_new_tokens=4)  # warm up
    everything = list(range(len(blocks)))
    conditions = {"baseline": None,
                  "one scale, 'baseline' std": (scale, "baseline"), "one scale, 'pass' std": (scale, "pass"),
                  "every block, 'baseline' std": (everything, "baseline")}
    times = {k: [] for k in conditions}
    for _ in range(7):
        for k, c in conditions.items():
            injection = None if c is None else iv.NoiseInjection(
                blocks, c[0], 0.1, seed=1, scale=c[1], baseline_std=[1.0] * len(c[0]) if c[1] == "baseline" else None)
            start = time.perf_counter()
            if injection is None:
                iv.generate(model, tok, prompts, **kw)
            else:
                with injection:
                    iv.generate(model, tok, prompts, injection=injection, **kw)
            times[k].append(time.perf_counter() - start)
    samples = len(prompts) * kw["samples_per_prompt"]
    best = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
    print(f"bench_interventions {name}: {len(blocks)} blocks, one scale = blocks {scale[0]}..{scale[-1]}, {samples} "
          f"samples of {kw['max_new_tokens']} tokens, batch {kw['batch_size']}, torch threads {torch.get_num_threads()}")
    print("| condition | samples/s | time (s, median of 7) | cost vs baseline |\n|---|---:|---:|---:|")
    for k, v in best.items():
        print(f"| {k} | {samples / v:.2f} | {v:.2f} | {100 * (v / best['baseline'] - 1):+.1f}% |")


def main():
    for name, model, tok in models():
        bench(name, model, tok)


if __name__ == "__main__":
    main()
