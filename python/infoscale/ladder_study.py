"""The entropic-scaling paper's real-model measurements on the shipped decoders, as one JSON::

    python -m infoscale.ladder_study --out docs/claims/ladder.json [--tokens N] [--model NAME ...]

entropic-scaling-kowalczyk claims that the behavioural distance between models grows as
d0 sqrt(dI) with their capacity gap (eq. 9, Proposition 6.2) and that distillation retains
exp(-alpha (I_T - I_S) / I_T) of the teacher (eq. 4). This module only measures; the claims
ledger (``infoscale claims``) reads the JSON and gives the verdicts.

Text: the held-out stream of ``models/scripts/evaluate.py`` (``models/austen/corpus/heldout.txt``,
one ``<|endoftext|>`` (id 0) in front as the first context, chapters ending in it), its first
``tokens`` targets (default: all 702 complete windows, 89,856 of the 89,870 targets) scored in
back-to-back windows of 128 as evaluate.py scores its regression slice:
window k reads stream[128 k : 128 k + 128] and predicts stream[128 k + 1 : 128 k + 129], so every
target is scored once, with 0 to 127 tokens of context from its own window.

Per model: parameter count (tied embeddings once), vocabulary, mean held-out cross-entropy
(nats) and its perplexity. Per unordered pair, on the same positions: mean Jensen-Shannon
divergence (nats) with its standard error over windows (the windows are the independent units),
mean total variation, KL(a||b) and KL(b||a). Log-probabilities are float64 log_softmax of the
float32 logits. One thread, deterministic algorithms: reruns write the same JSON except "timings".
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ._core import Error

WINDOW = 128  # the models' training length
DEFAULT_TOKENS = None  # every complete window of the held-out stream (89,856 of its 89,870 targets)
MODELS = ("llama-w32", "llama-w64", "llama-student", "llama-a", "llama-b", "gpt2-a", "gpt2-b")
HELDOUT = "models/austen/corpus/heldout.txt"
READING = ("held-out stream as models/scripts/evaluate.py builds it (one <|endoftext|> id 0 in front, chapters "
           "ending in it); its first `tokens` targets in back-to-back windows of `window` tokens, window k reading "
           "stream[k w : (k + 1) w] and predicting stream[k w + 1 : (k + 1) w + 1] (evaluate.py's regression-slice "
           "scoring); statistics are means over all positions, standard errors over windows")
DIGITS = 12


def _raise(argument: str, problem: str) -> None:
    raise Error(f"infoscale.ladder_study: {argument} {problem}")


def divergences(log_p, log_q):
    """Jensen-Shannon divergence, total variation and both KL divergences between two laws, row-wise.

    Parameters
    ----------
    log_p, log_q : array_like or torch.Tensor, shape (..., V)
        Natural-log probabilities over the last axis (``-inf`` for a zero probability); computed in
        float64.

    Returns
    -------
    js, tv, kl_pq, kl_qp : torch.Tensor, shape (...)
        JS(p, q) = (KL(p||m) + KL(q||m)) / 2 with m = (p + q) / 2, in nats (scipy's
        ``jensenshannon(p, q) ** 2`` with the natural base); TV = sum |p - q| / 2; KL(p||q) =
        sum p log(p / q), ``+inf`` where q = 0 < p. Terms with p = 0 count 0 (0 log 0 = 0).
    """
    import torch

    lp = torch.as_tensor(log_p, dtype=torch.float64)
    lq = torch.as_tensor(log_q, dtype=torch.float64)
    if lp.shape != lq.shape or lp.ndim == 0:
        _raise("log_p, log_q", f"have shapes {tuple(lp.shape)} and {tuple(lq.shape)}; expected equal, at least 1-D")
    p, q = lp.exp(), lq.exp()
    if bool((p > 0).all()) and bool((q > 0).all()):
        return _positive_divergences(lp, p, lq, q)
    zero = lp.new_zeros(())
    lm = torch.log(0.5 * (p + q))
    # where(), not p * (...): 0 * (-inf) would be nan where p = 0
    js = 0.5 * (torch.where(p > 0, p * (lp - lm), zero) + torch.where(q > 0, q * (lq - lm), zero)).sum(-1)
    tv = 0.5 * (p - q).abs().sum(-1)
    kl_pq = torch.where(p > 0, p * (lp - lq), zero).sum(-1)
    kl_qp = torch.where(q > 0, q * (lq - lp), zero).sum(-1)
    return js, tv, kl_pq, kl_qp


def _positive_divergences(lp, p, lq, q, work=None):
    """:func:`divergences` for laws with no zero probability (every softmax of finite logits), given
    both the log-probabilities and the probabilities; ``work``: two scratch tensors of their shape.

    The general path's terms (JS summed per law, not per element), without its where() masks and in
    place in two scratch buffers: the study calls this for 21 pairs of 128 x 4096 laws per window, and
    the masks and fresh 4 MiB temporaries (page faults) took 19 ms a pair here against 8.
    """
    import torch

    a, b = work if work is not None else (torch.empty_like(p), torch.empty_like(p))
    torch.add(p, q, out=a).mul_(0.5).log_()  # log m
    js = torch.sub(lp, a, out=b).mul_(p).sum(-1)
    js = 0.5 * (js + torch.sub(lq, a, out=b).mul_(q).sum(-1))
    tv = 0.5 * torch.sub(p, q, out=b).abs_().sum(-1)
    torch.sub(lp, lq, out=a)
    kl_pq = torch.mul(a, p, out=b).sum(-1)
    kl_qp = -torch.mul(a, q, out=b).sum(-1)
    return js, tv, kl_pq, kl_qp


def heldout_stream(tok, root: Optional[os.PathLike] = None) -> np.ndarray:
    """The held-out token stream of ``models/scripts/evaluate.py``: end-of-text, then the chapters."""
    from .models import models_root

    text = (models_root(root) / "corpus" / "heldout.txt").read_text(encoding="utf-8")
    # verbose=False: the stream is longer than the models' 256 positions on purpose (it is cut in windows)
    return np.asarray([tok.eos_token_id] + tok(text, verbose=False)["input_ids"], np.int64)


def windows(stream: np.ndarray, tokens: Optional[int], window: int = WINDOW) -> np.ndarray:
    """Back-to-back windows over the first ``tokens`` targets (None: every complete window):
    (tokens / window, window + 1) ids, inputs ``[:, :-1]``, targets ``[:, 1:]``."""
    if window < 1:
        _raise("window", f"is {window}; expected at least 1")
    if tokens is None:
        tokens = (len(stream) - 1) // window * window
    if tokens < window or tokens % window:
        _raise("tokens", f"is {tokens}; expected a positive multiple of the window ({window})")
    if tokens + 1 > len(stream):
        _raise("tokens", f"is {tokens}; the held-out stream has only {len(stream) - 1} targets")
    n = tokens // window
    return np.stack([stream[k * window:k * window + window + 1] for k in range(n)])


def describe(name: str, model, folder: pathlib.Path) -> Dict:
    """The model's static description: architecture, size and training, from config and training_log.json."""
    cfg = model.config
    log_path = folder / "training_log.json"
    log = json.loads(log_path.read_text()) if log_path.is_file() else {}
    teacher = log.get("teacher")
    return {
        "name": name,
        "architecture": (cfg.architectures or [type(model).__name__])[0],
        "width": int(cfg.hidden_size),
        "layers": int(cfg.num_hidden_layers),
        "train_steps": int(log["steps"]) if "steps" in log else None,
        # parameters() yields a tied embedding once
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "vocabulary": int(cfg.vocab_size),
        "teacher": pathlib.Path(teacher).name if teacher else None,
    }


def measure(models: Sequence[Tuple[str, object]], batches: np.ndarray) -> Tuple[List[Dict], List[Dict]]:
    """Cross-entropy per model and divergences per pair over ``batches`` (from :func:`windows`).

    Parameters
    ----------
    models : sequence of (name, model)
        Causal LMs in eval mode sharing one vocabulary.
    batches : ndarray, shape (windows, window + 1)

    Returns
    -------
    per_model : list of dict
        ``cross_entropy_nats`` and ``perplexity`` for each model, in order.
    per_pair : list of dict
        ``a``, ``b``, ``js_nats``, ``js_se``, ``tv``, ``kl_ab``, ``kl_ba`` for each unordered pair
        (i < j in the models' order).
    """
    import torch

    n_windows, n_models = len(batches), len(models)
    if n_windows < 2:
        _raise("batches", f"has {n_windows} window; the standard error over windows needs two")
    pairs = [(i, j) for i in range(n_models) for j in range(i + 1, n_models)]
    nll = np.zeros((n_models, n_windows))
    # per window sums over its positions (the unit of the standard error), per statistic and pair
    stats = np.zeros((len(pairs), 4, n_windows))
    work = None
    with torch.no_grad():
        for k, w in enumerate(batches):
            ids = torch.from_numpy(w[None, :-1])
            target = torch.from_numpy(w[1:])
            lps, ps, positive = [], [], []
            for m, (_, model) in enumerate(models):
                logits = model(input_ids=ids).logits[0]
                if logits.dtype != torch.float32:
                    _raise("models", f"give {logits.dtype} logits; expected float32")
                lp = torch.log_softmax(logits.double(), -1)
                nll[m, k] = -lp[torch.arange(len(target)), target].sum().item()
                lps.append(lp)
                ps.append(lp.exp())
                positive.append(bool((ps[-1] > 0).all()))
            if work is None:
                work = (torch.empty_like(lps[0]), torch.empty_like(lps[0]))
            for r, (i, j) in enumerate(pairs):
                if positive[i] and positive[j]:
                    values = _positive_divergences(lps[i], ps[i], lps[j], ps[j], work)
                else:  # a probability underflowed to 0: the masked path
                    values = divergences(lps[i], lps[j])
                for s, v in enumerate(values):
                    stats[r, s, k] = v.sum().item()
    positions = batches.shape[1] - 1
    per_model = []
    for m in range(n_models):
        ce = nll[m].sum() / (n_windows * positions)
        per_model.append({"cross_entropy_nats": float(ce), "perplexity": float(math.exp(ce))})
    per_pair = []
    for r, (i, j) in enumerate(pairs):
        means = stats[r] / positions  # per-window means; equal-sized windows, so their mean is the overall mean
        js_w = means[0]
        per_pair.append({"a": models[i][0], "b": models[j][0], "js_nats": float(js_w.mean()),
                         "js_se": float(js_w.std(ddof=1) / math.sqrt(n_windows)), "tv": float(means[1].mean()),
                         "kl_ab": float(means[2].mean()), "kl_ba": float(means[3].mean())})
    return per_model, per_pair


def _rounded(x):
    """Floats to DIGITS significant digits, so that the file does not carry last-bit noise."""
    if isinstance(x, float):
        return float(f"{x:.{DIGITS}g}") if math.isfinite(x) else x
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return x


def run_ladder_study(names: Sequence[str] = MODELS, tokens: Optional[int] = DEFAULT_TOKENS, window: int = WINDOW,
                     threads: int = 1, root: Optional[os.PathLike] = None, progress=None) -> Dict:
    """Load the shipped models ``names``, score the held-out windows and return the JSON document.

    Parameters
    ----------
    names : sequence of str
        Shipped model names (``infoscale.models.SHIPPED``), at least two.
    tokens : int or None
        Scored targets, a multiple of ``window``: the first ``tokens`` of the held-out stream; None:
        every complete window.
    window : int
        Targets per window (the context resets at each window).
    threads : int
        ``torch.set_num_threads``; part of the recorded options.
    root : path-like, optional
        The models folder (default: ``infoscale.models.models_root()``).
    progress : callable, optional
        Called with one line of text per stage.

    Returns
    -------
    dict
        ``options``, ``models``, ``pairs``, ``versions``, ``timings`` (the schema of the module docstring).
    """
    import torch
    import transformers

    from .models import load_shipped, models_root

    t0 = time.perf_counter()
    names = list(names)
    if len(names) < 2 or len(set(names)) != len(names):
        _raise("names", f"are {names}; expected at least two distinct shipped models")
    torch.manual_seed(0)  # nothing here is random; fixed anyway so that no future sampling is unseeded
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(threads)
    r = models_root(root)
    loaded, described = [], []
    tok = None
    for name in names:
        model, tok_m = load_shipped(name, r)
        if tok is not None and len(tok_m) != len(tok):
            _raise("names", f"mix vocabularies ({name}: {len(tok_m)} tokens, others {len(tok)})")
        tok = tok_m
        loaded.append((name, model))
        described.append(describe(name, model, r / name))
    t_load = time.perf_counter()
    batches = windows(heldout_stream(tok, r), tokens, window)
    if progress:
        progress(f"{len(names)} models, {len(batches)} windows of {window} tokens")
    per_model, per_pair = measure(loaded, batches)
    t_measure = time.perf_counter()
    models_out = []
    for d, m in zip(described, per_model):
        models_out.append({k: d[k] for k in ("name", "architecture", "width", "layers", "train_steps", "parameters",
                                              "vocabulary")}
                          | {"cross_entropy_nats": m["cross_entropy_nats"], "perplexity": m["perplexity"],
                             "teacher": d["teacher"]})
    doc = {
        "options": {"tokens": len(batches) * int(window), "window": int(window), "heldout": HELDOUT,
                    "reading": READING, "threads": int(threads)},
        "models": models_out,
        "pairs": per_pair,
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "torch": torch.__version__,
                     "transformers": transformers.__version__},
        "timings": {"load_seconds": round(t_load - t0, 1), "measure_seconds": round(t_measure - t_load, 1),
                    "wall_seconds": round(t_measure - t0, 1)},
    }
    return _rounded(doc)


def write_json(doc: Dict, path: os.PathLike) -> None:
    """The document as indented JSON with a final newline (parent folders made)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n")


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m infoscale.ladder_study", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="docs/claims/ladder.json", help="the JSON to write")
    ap.add_argument("--model", action="append", default=[], metavar="NAME",
                    help=f"a shipped model (repeat; default: {', '.join(MODELS)})")
    ap.add_argument("--tokens", type=int, default=DEFAULT_TOKENS,
                    help="scored held-out targets, a multiple of 128 (default: every complete window, 89,856)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    say = None if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    doc = run_ladder_study(args.model or MODELS, args.tokens, WINDOW, args.threads, progress=say)
    write_json(doc, args.out)
    if say:
        for m in doc["models"]:
            say(f"{m['name']}: {m['parameters']} parameters, perplexity {m['perplexity']:.2f}")
        say(f"wrote {args.out} ({doc['timings']['wall_seconds']} s)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Error as e:
        print(f"infoscale.ladder_study: {e}", file=sys.stderr)
        sys.exit(2)
