#!/usr/bin/env python3
"""Held-out quality of the shipped Austen models, next to n-gram baselines on the same tokens;
writes models/austen/results.json, the training-curve plot curves.svg, the regression fixture the
tests check (models/austen/regression.npz) and the results section of models/austen/README.md.

    /work/main/.venv/bin/python models/scripts/evaluate.py [name ...]   # default: every model folder

Scored tokens: the held-out chapters as one stream, each chapter ending in the end-of-text token,
with one end-of-text token in front as the first context (89,870 scored tokens). Transformers:
windows of 128 tokens (the training length) every 64 tokens, each token scored once with at least
64 tokens of context (the first window scores all of its tokens). N-grams: kneser_ney.py, contexts
restarting at each chapter. Perplexity = exp(mean negative log-likelihood in nats).
"""

import json
import math
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
AUSTEN = os.path.join(os.path.dirname(HERE), "austen")
sys.path.insert(0, HERE)
from kneser_ney import KneserNey, unigram_logprobs  # noqa: E402

WINDOW, STRIDE = 128, 64
PROMPTS = ("\"My dear Emma,\" said", "The next morning", "Mrs. Dashwood was")
ORDER = ("llama-a", "llama-b", "gpt2-a", "gpt2-b", "llama-w32", "llama-w64", "llama-student")


def held_stream(tok):
    text = open(os.path.join(AUSTEN, "corpus", "heldout.txt"), encoding="utf-8").read()
    return np.asarray([tok.eos_token_id] + tok(text)["input_ids"], np.int64)


@torch.no_grad()
def nll_sum(model, stream):
    total, count = 0.0, 0
    for s in range(0, len(stream) - 1, STRIDE):
        w = torch.from_numpy(stream[s:s + WINDOW + 1])[None]
        if w.shape[1] < 2:
            break
        lp = torch.log_softmax(model(input_ids=w[:, :-1]).logits.double(), -1)
        nll = -lp[0, torch.arange(w.shape[1] - 1), w[0, 1:]]
        first = 0 if s == 0 else WINDOW - STRIDE  # tokens before this were scored by the last window
        total += nll[first:].sum().item()
        count += len(nll[first:])
        if s + WINDOW >= len(stream) - 1:
            break
    return total, count


def regression_batch(stream):
    """The tests' fixed inputs: two 32-token slices of the held-out stream, and a 1024-token slice
    scored as 8 windows of 128 tokens (no overlap) for the perplexity check."""
    return stream[[[1000 + i for i in range(32)], [50000 + i for i in range(32)]]], stream[:1025]


@torch.no_grad()
def regression(model, stream):
    batch, ppl_slice = regression_batch(stream)
    logits = model(input_ids=torch.from_numpy(batch)).logits.float()
    nll, n = 0.0, 0
    for s in range(0, 1024, 128):
        w = torch.from_numpy(ppl_slice[s:s + 129])[None]
        lp = torch.log_softmax(model(input_ids=w[:, :-1]).logits.double(), -1)
        nll -= lp[0, torch.arange(128), w[0, 1:]].sum().item()
        n += 128
    return logits[:, -1, :].numpy(), logits[:, :, :8].numpy(), math.exp(nll / n)


def svg_curves(logs, kn_ce, path):
    """Held-out CE on the training script's fixed slice against optimiser step, hand-written SVG."""
    W, H, L, R, T, B = 720, 420, 60, 170, 20, 45
    steps = max(r["step"] for log in logs.values() for r in log)
    ys = [r["heldout_ce"] for log in logs.values() for r in log if "heldout_ce" in r]
    y0, y1 = math.floor(min(ys + [kn_ce]) * 2) / 2, min(8.5, math.ceil(max(ys) * 2) / 2)
    sx = lambda s: L + (W - L - R) * s / steps  # noqa: E731
    sy = lambda y: T + (H - T - B) * (y1 - min(y, y1)) / (y1 - y0)  # noqa: E731
    colors = ["#1f77b4", "#aec7e8", "#d62728", "#ff9896", "#2ca02c", "#98df8a", "#9467bd"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>']
    for k in range(int((y1 - y0) * 2) + 1):
        y = y0 + k / 2
        out.append(f'<line x1="{L}" x2="{W - R}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" stroke="#ddd"/>'
                   f'<text x="{L - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:.1f}</text>')
    for k in range(0, steps + 1, max(1, steps // 5)):
        out.append(f'<text x="{sx(k):.1f}" y="{H - B + 16}" text-anchor="middle">{k}</text>')
    out.append(f'<text x="{(L + W - R) / 2}" y="{H - 8}" text-anchor="middle">optimiser step (16 x 128 tokens)</text>')
    out.append(f'<text x="14" y="{(T + H - B) / 2}" transform="rotate(-90 14 {(T + H - B) / 2})" '
               f'text-anchor="middle">held-out cross-entropy (nats/token)</text>')
    out.append(f'<line x1="{L}" x2="{W - R}" y1="{sy(kn_ce):.1f}" y2="{sy(kn_ce):.1f}" stroke="black" '
               f'stroke-dasharray="6 4"/><text x="{W - R + 6}" y="{sy(kn_ce) + 4:.1f}">best KN n-gram</text>')
    for i, (name, log) in enumerate(logs.items()):
        pts = " ".join(f"{sx(r['step']):.1f},{sy(r['heldout_ce']):.1f}" for r in log if "heldout_ce" in r)
        c = colors[i % len(colors)]
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.5" points="{pts}"/>')
        out.append(f'<rect x="{W - R + 6}" y="{T + 18 * i + 30}" width="14" height="3" fill="{c}"/>'
                   f'<text x="{W - R + 24}" y="{T + 18 * i + 35}">{name}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    torch.set_num_threads(1)
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast
    tok = PreTrainedTokenizerFast.from_pretrained(os.path.join(AUSTEN, "tokenizer"))
    stream = held_stream(tok)
    names = sys.argv[1:] or [n for n in ORDER if os.path.isfile(os.path.join(AUSTEN, n, "model.safetensors"))]
    path = os.path.join(AUSTEN, "results.json")
    results = json.load(open(path)) if os.path.isfile(path) else {"models": {}}

    # baselines (cheap): documents = chapters, ending in the end-of-text token
    def docs(ids):
        cut = np.flatnonzero(ids == tok.eos_token_id) + 1
        return [d for d in np.split(ids, cut) if len(d)]
    train_ids = np.asarray(tok(open(os.path.join(AUSTEN, "corpus", "train.txt"), encoding="utf-8").read())["input_ids"])
    held_docs = docs(stream[1:])
    base = {"unigram (add-one)": float(np.exp(-unigram_logprobs(docs(train_ids), held_docs, len(tok)).mean()))}
    for n in (2, 3, 4, 5):
        base[f"interpolated Kneser-Ney, n = {n}"] = float(np.exp(-KneserNey(docs(train_ids), n, len(tok)).logprobs(held_docs).mean()))
    results["baselines"] = base
    results["scored_tokens"] = int(len(stream) - 1)

    reg = dict(np.load(os.path.join(AUSTEN, "regression.npz"))) if os.path.isfile(os.path.join(AUSTEN, "regression.npz")) else {}
    reg["batch"], reg["ppl_stream"] = regression_batch(stream)
    for name in names:
        d = os.path.join(AUSTEN, name)
        t0 = time.time()
        # perplexity with PyTorch's fused attention (faster; the same function), the rest eager as
        # infoscale.models loads the models
        fast = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation="sdpa").eval()
        total, count = nll_sum(fast, stream)
        model = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, attn_implementation="eager").eval()
        assert count == len(stream) - 1, (count, len(stream))
        log = json.load(open(os.path.join(d, "training_log.json")))
        samples = []
        for i, p in enumerate(PROMPTS):
            torch.manual_seed(i)
            ids = tok(p, return_tensors="pt")["input_ids"]
            out = model.generate(ids, do_sample=True, top_k=50, temperature=0.8, max_new_tokens=40,
                                 pad_token_id=tok.eos_token_id)
            samples.append(tok.decode(out[0]))
        last, first8, ppl_slice = regression(model, stream)
        reg[f"{name}/last_logits"], reg[f"{name}/logits8"], reg[f"{name}/ppl_slice"] = last, first8, np.float64(ppl_slice)
        results["models"][name] = {
            "perplexity": math.exp(total / count), "parameters": log["parameters"], "steps": log["steps"],
            "train_seconds": log["seconds"], "arch": log["arch"], "width": log["width"],
            "weights_bytes": os.path.getsize(os.path.join(d, "model.safetensors")),
            "samples": samples, "eval_seconds": round(time.time() - t0, 1)}
        print(f"{name}: perplexity {results['models'][name]['perplexity']:.2f} ({time.time() - t0:.0f} s)", flush=True)
    np.savez(os.path.join(AUSTEN, "regression.npz"), **reg)
    with open(path, "w") as f:
        json.dump(results, f, indent=1)

    logs = {}
    for n in ORDER:
        p = os.path.join(AUSTEN, n, "training_log.json")
        if os.path.isfile(p):
            logs[n] = json.load(open(p))["log"]
    best_kn = min(v for k, v in base.items() if "Kneser" in k)
    svg_curves(logs, math.log(best_kn), os.path.join(AUSTEN, "curves.svg"))
    write_readme(results)


def write_readme(results):
    rows = ["| model | architecture | width x layers | parameters | weights (fp16) | train steps | train time | held-out perplexity |",
            "|---|---|---|---|---|---|---|---|"]
    for n in ORDER:
        m = results["models"].get(n)
        if m:
            rows.append(f"| {n} | {'LlamaForCausalLM' if m['arch'] == 'llama' else 'GPT2LMHeadModel'} | {m['width']} x 12 | "
                        f"{m['parameters'] / 1e6:.2f} M | {m['weights_bytes'] / 2**20:.1f} MiB | {m['steps']} | "
                        f"{m['train_seconds'] / 60:.1f} min | **{m['perplexity']:.2f}** |")
    for k, v in results["baselines"].items():
        rows.append(f"| {k} | n-gram | | | | | | {v:.2f} |")
    samples = []
    for n in ORDER:
        m = results["models"].get(n)
        if m:
            samples.append(f"**{n}**\n")
            samples += [f"> {s.replace(chr(10), ' / ')}\n" for s in m["samples"]]
    section = ("<!-- results: written by models/scripts/evaluate.py -->\n"
               f"Held-out perplexity over {results['scored_tokens']:,} tokens (27 held-out chapters):\n\n"
               + "\n".join(rows) + "\n\n![training curves](curves.svg)\n\nTraining curves: cross-entropy on train.py's fixed held-out slice "
               "(16 windows of 128 tokens) every 50 steps; dashed: log of the best KN perplexity.\n\n"
               "Samples (top-k 50, temperature 0.8, 40 new tokens, seeds 0, 1, 2; ' / ' marks a newline):\n\n"
               + "\n".join(samples) + "<!-- /results -->")
    path = os.path.join(AUSTEN, "README.md")
    text = open(path).read() if os.path.isfile(path) else "<!-- results --><!-- /results -->"
    a, b = text.index("<!-- results"), text.index("<!-- /results -->") + len("<!-- /results -->")
    with open(path, "w") as f:
        f.write(text[:a] + section + text[b:])


if __name__ == "__main__":
    main()
