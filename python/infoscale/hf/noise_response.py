"""The multi-scale paper's eq. (30) on a real decoder (MS A.5): isotropic noise of std s_l on the
activations of the layers of one scale raises the expected loss at the rate

    d E[J] / d(sigma^2) at 0 = 1/2 sum_{l in T_s} std_l^2 tr F^(l),     s_l = sigma * std_l,

with F^(l) the MODEL Fisher of the block output h_l (all positions): F = E_{y ~ p} [g g^T],
g = grad_{h_l} log p(y | context). This module measures both sides on a Hugging Face causal LM:

- predicted: tr F^(l) by Hutchinson's estimator over tokens. J = (1/T) sum_t l_t, so
  tr F^(l) = (1/T) sum_t E_y ||grad_{h_l} l_t(y)||^2; with Rademacher signs r_t and labels y_t drawn
  from the clean model, one backward pass of sum_t r_t l_t(y_t) gives a vector whose squared norm
  has expectation sum_t ||grad l_t||^2 (the cross terms vanish), so a probe costs one backward pass.
  Each probe draws its own labels, so the average is also the expectation over y.
- measured: the loss increase under the noise of infoscale.hf.interventions (std_l = the layer's
  std over the clean texts, the 'baseline' reading), antithetic (h + eps and h - eps, which cancels
  the first-order term exactly, leaving the sigma^2 term), on labels drawn from the clean model
  (where eq. (30) holds: E_{y ~ p} H = F) and on the texts' own next tokens (the slope on data,
  1/2 tr H, which eq. (30) approximates only as far as the model matches the data).

Both are Monte Carlo estimates; their standard errors are reported, and the ratio measured /
predicted should be 1 within them for small sigma (the O(sigma^4) term is the rest).
"""

from __future__ import annotations

import math
from typing import Any, Dict, Optional, Sequence

import numpy as np
import torch

from .. import _core
from .. import layers as _L
from .interventions import _block_output, _measure_std
from .modules import find_taps

Error = _core.Error


def _raise(argument: str, problem: str) -> None:
    raise Error(f"infoscale::noise_response: argument '{argument}' {problem}")


def _token_losses(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """-log p(label_t | context) for t = 0..T-2 (the last position has no next token)."""
    return torch.nn.functional.cross_entropy(logits[0, :-1].double(), labels, reduction="none")


def noise_response(model: torch.nn.Module, tokenizer: Any, texts: Sequence[str], scales: Dict[str, Sequence[int]], *,
                   sigma: float = 0.05, probes: int = 16, draws: int = 16, seed: int = 0,
                   blocks: Any = None) -> Dict[str, Dict[str, float]]:
    """Eq. (30) per scale: predicted slope 1/2 sum std_l^2 tr F^(l) against the measured loss
    increase per sigma^2, on model-sampled labels and on the texts' tokens.

    Parameters
    ----------
    texts : sequence of str
        Each run as one sequence (no padding); at least 2 tokens each.
    scales : dict
        Scale name -> block indices (``infoscale.layers.scales_of``).
    sigma : float
        Noise relative to each layer's std; small, so the O(sigma^4) term is negligible.
    probes, draws : int
        Hutchinson probes per text; antithetic noise pairs per text.

    Returns
    -------
    dict
        Per scale: ``predicted``, ``predicted_se``, ``measured_model``, ``measured_model_se``,
        ``measured_data``, ``measured_data_se``, ``ratio`` (measured_model / predicted), and per layer
        ``trace_fisher`` (list, in the scale's order) and ``std`` (list).
    """
    if not math.isfinite(sigma) or sigma <= 0:
        _raise("sigma", f"must be finite and > 0, got {sigma}")
    if probes < 2 or draws < 2:
        _raise("probes", "and 'draws' must be >= 2 (standard errors need two)")
    base = getattr(model, "base_model", model)
    taps = find_taps(base, blocks)
    for name, layers in scales.items():
        if not layers:
            _raise("scales", f"scale {name} has no layers")
        for l in layers:
            if not 0 <= int(l) < len(taps.blocks):
                _raise("scales", f"scale {name} has layer {l}, outside 0..{len(taps.blocks) - 1}")
    ids = [torch.tensor([tokenizer(t)["input_ids"]]) for t in texts]
    if not ids or any(x.shape[1] < 2 for x in ids):
        _raise("texts", "must be non-empty, each with at least 2 tokens")
    model.eval()
    wanted = sorted({int(l) for v in scales.values() for l in v})
    generator = torch.Generator().manual_seed(seed)

    # The clean pass: each layer's std over all texts (population, every element: the measurement
    # Experiment 2 itself uses) and the logits the labels are drawn from.
    batches = [{"input_ids": x, "attention_mask": torch.ones_like(x)} for x in ids]
    std = dict(zip(wanted, _measure_std(model, taps.blocks, wanted, batches)))
    with torch.no_grad():
        clean_logits = [model(input_ids=x).logits.detach() for x in ids]

    def sampled(logits: torch.Tensor, count: int) -> list:
        p = torch.softmax(logits[0, :-1].double(), dim=-1)
        return [torch.multinomial(p, 1, generator=generator)[:, 0] for _ in range(count)]

    # Predicted: Hutchinson over tokens, one backward pass per probe.
    squares = {l: [] for l in wanted}  # per (text, probe): ||g_l||^2 / T
    for x, logits in zip(ids, clean_logits):
        labels = sampled(logits, probes)
        tokens = x.shape[1] - 1
        for k in range(probes):
            kept = {}

            def keep(l: int):
                def hook(module, inputs, output):
                    h = _block_output(output)
                    h.retain_grad()
                    kept[l] = h
                return hook

            handles = [taps.blocks[l].register_forward_hook(keep(l)) for l in wanted]
            try:
                out = model(input_ids=x).logits
            finally:
                for h in handles:
                    h.remove()
            signs = torch.randint(0, 2, (tokens,), generator=generator).double() * 2 - 1
            (signs * _token_losses(out, labels[k])).sum().backward()
            for l in wanted:
                squares[l].append(float(kept[l].grad.double().pow(2).sum()) / tokens)
            model.zero_grad(set_to_none=True)

    # Measured: antithetic noise pairs, the loss on model-sampled labels and on the data.
    def noisy_losses(x: torch.Tensor, layers: Sequence[int], sign: float, stream: int) -> torch.Tensor:
        def noise(l: int):
            def hook(module, inputs, output):
                h = _block_output(output)
                eps = torch.zeros_like(h)
                _L.add_gaussian_noise_per_sample(eps, sigma, seed + 1, [((stream * 4096 + l) << 20)],
                                                 reference_std=std[l], policy="seq")
                h.add_(sign * eps)
            return hook

        handles = [taps.blocks[l].register_forward_hook(noise(l)) for l in layers]
        try:
            with torch.no_grad():
                return model(input_ids=x).logits
        finally:
            for h in handles:
                h.remove()

    out: Dict[str, Dict[str, float]] = {}
    for name, layers in scales.items():
        layers = [int(l) for l in layers]
        per_text = [[squares[l][i * probes:(i + 1) * probes] for l in layers] for i in range(len(ids))]
        # Predicted slope per (text, probe) sample: 1/2 sum_l std_l^2 ||g_l||^2 / T.
        pred = np.array([0.5 * sum(std[l] ** 2 * per_text[i][j][k] for j, l in enumerate(layers))
                         for i in range(len(ids)) for k in range(probes)])
        model_rise, data_rise = [], []
        for i, (x, logits) in enumerate(zip(ids, clean_logits)):
            labels = sampled(logits, draws)
            data = x[0, 1:]
            clean_model = [float(_token_losses(logits, y).mean()) for y in labels]
            clean_data = float(_token_losses(logits, data).mean())
            for d in range(draws):
                stream = i * draws + d
                plus = noisy_losses(x, layers, 1.0, stream)
                minus = noisy_losses(x, layers, -1.0, stream)
                model_rise.append((float(_token_losses(plus, labels[d]).mean()) +
                                   float(_token_losses(minus, labels[d]).mean())) / 2 - clean_model[d])
                data_rise.append((float(_token_losses(plus, data).mean()) +
                                  float(_token_losses(minus, data).mean())) / 2 - clean_data)
        s2 = sigma * sigma
        mm, md = np.array(model_rise) / s2, np.array(data_rise) / s2
        se = lambda v: float(v.std(ddof=1) / math.sqrt(len(v)))  # noqa: E731
        out[name] = {"layers": layers, "predicted": float(pred.mean()), "predicted_se": se(pred),
                     "measured_model": float(mm.mean()), "measured_model_se": se(mm),
                     "measured_data": float(md.mean()), "measured_data_se": se(md),
                     "ratio": float(mm.mean() / pred.mean()) if pred.mean() > 0 else math.nan,
                     "trace_fisher": [float(np.mean(squares[l])) for l in layers],
                     "std": [std[l] for l in layers], "sigma": sigma}
    return out
