"""Yang's thermodynamics and geometry of language models (arXiv 2407.21092) on real decoders, as one
report::

    python -m infoscale.thermo_study                       # the shipped Austen decoders
    python -m infoscale.thermo_study --model NAME:FOLDER ... [--texts FILE]

For every model and both readings of the end of a continuation (``infoscale.hf.plm``:
'end_token', the paper's, and 'sentence'), over prompts made of the first tokens of held-out
sentences:

1. the entropy function S_L(s) (§4) by the library's Monte Carlo over full continuations
   (``infoscale.lm.entropy_function_monte_carlo``: the chain-rule estimator with its standard error,
   a stopping rule on that error, and the direct -log P estimator from the same samples, which must
   agree within their paired error), its near-zero points (S_L(s) + 1.96 SE < eps) and its
   distribution over prompts, beside the next-token entropy at every position of the texts;
2. sentence-level thermodynamics (§5) of each prompt's continuations at temperatures T: Z, U, F,
   S, C of the canonical ensemble on the distinct sampled continuations with energies
   E = -log P(s'|s) (``infoscale.lm.ensemble_thermodynamics``), and the identities F = U - T S,
   S = -dF/dT, C = dU/dT checked on the model's numbers;
3. moduli-space geometry (§3): distances between P_L(.|s) for different prompts and between models
   at the same prompts, exactly for next-token laws and by importance sampling for continuation
   laws (stated estimators, standard errors), and a map of the prompts by classical MDS;
4. Conjecture 6.4 in a real phase space: the next-token entropy as a function of the prompt's input
   embeddings, a point of (R^N)^n, through the library's convexity checker
   (``infoscale.manifold.check_convexity``) around each prompt, and the midpoint test between real
   prompts.

It writes ``thermo.md``, ``thermo.json`` (every number) and figures (SVG) to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from . import _core
from ._core import Error

READINGS = ("end_token", "sentence")
METRICS = ("total_variation", "hellinger", "js_distance", "fisher_rao")


def _raise(argument: str, problem: str) -> None:
    raise Error(f"infoscale.thermo_study: {argument} {problem}")


@dataclass
class ThermoOptions:
    """What the study computes, with the defaults of the shipped-model run (printed in the report).

    The stopping rule: rounds of ``batch`` samples until the chain-rule standard error is at most
    ``target_standard_error`` nats (after at least ``min_samples``) or ``samples`` are drawn.
    """

    prompt_tokens: int = 8  # a prompt is the first 8 tokens of a held-out sentence
    prompts: int = 24
    readings: Sequence[str] = READINGS
    samples: int = 256
    min_samples: int = 64
    batch: int = 64
    target_standard_error: float = 0.5
    max_length: int = 48  # continuation tokens; a sample cut there contributes its first 48 steps
    eps: float = 1.0  # nats: near-zero threshold (1 nat: about e equally likely continuations)
    temperatures: Sequence[float] = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 4.0)
    distance_prompts: int = 8
    distance_samples: int = 64
    convexity_prompts: int = 3
    convexity_tests: int = 100  # midpoint and Hessian tests per prompt
    convexity_scale: float = 1.0  # sampled offsets: N(0, (scale * RMS of the token embeddings)^2)
    seed: int = 0

    def check(self) -> None:
        for name in ("prompt_tokens", "prompts", "samples", "batch", "max_length", "distance_samples"):
            if int(getattr(self, name)) < 1:
                _raise(name, f"must be >= 1; got {getattr(self, name)}")
        for name in ("samples", "distance_samples"):
            if int(getattr(self, name)) < 2:
                _raise(name, f"must be >= 2 (a standard error needs two samples); got {getattr(self, name)}")
        for r in self.readings:
            if r not in READINGS:
                _raise("readings", f"has {r!r}; each must be one of {', '.join(READINGS)}")
        if not self.temperatures or any(not (t > 0 and np.isfinite(t)) for t in self.temperatures):
            _raise("temperatures", f"must be non-empty, each > 0 and finite; got {list(self.temperatures)}")
        if not (self.eps > 0):
            _raise("eps", f"must be > 0; got {self.eps}")


def prompts_from_texts(tokenizer: Any, texts: Sequence[str], tokens: int, count: int) -> List[np.ndarray]:
    """The first `tokens` token ids of each text that has more than that many, up to `count`."""
    out = []
    for t in texts:
        ids = tokenizer(t)["input_ids"]
        if len(ids) > tokens:
            out.append(np.asarray(ids[:tokens], dtype=np.int64))
        if len(out) == count:
            break
    if not out:
        _raise("texts", f"has no text longer than {tokens} tokens")
    return out


# --- 1. the entropy function -------------------------------------------------------------------------------
def entropy_function_of_prompts(plm: Any, prompts: Sequence[np.ndarray], o: ThermoOptions,
                                reading_stream: int) -> Dict[str, Any]:
    """S_L(s) by Monte Carlo for each prompt (stream = reading * 2^20 + prompt index), with the
    recorded samples for the thermodynamics and distances."""
    from . import lm

    rows = []
    for i, p in enumerate(prompts):
        if len(p) == 0:
            _raise("prompts", f"has an empty prompt at index {i}")
        plm.check_length(len(p) + o.max_length + 1, "max_length")
        t0 = time.perf_counter()
        r = lm.entropy_function_monte_carlo(plm.lm(), [int(x) for x in p], samples=o.samples, max_length=o.max_length,
                                            seed=o.seed, stream=reading_stream * (1 << 20) + i, batch=o.batch,
                                            target_standard_error=o.target_standard_error,
                                            min_samples=min(o.min_samples, o.samples), record_samples=True)
        seconds = time.perf_counter() - t0
        s = r.samples
        chain = np.asarray(s.chain_rule, dtype=np.float64)
        energy = np.asarray(s.energies, dtype=np.float64)
        d = chain - energy
        n = len(chain)
        paired_se = float(np.std(d, ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
        rows.append({
            "prompt": [int(x) for x in p],
            "entropy": float(r.chain_rule.entropy), "standard_error": float(r.chain_rule.standard_error),
            "direct_entropy": float(r.direct.entropy), "direct_standard_error": float(r.direct.standard_error),
            "paired_difference": float(np.mean(d)), "paired_standard_error": paired_se,
            "samples": n, "cut_fraction": float(r.chain_rule.truncated_mass),
            "mean_length": float(np.mean(np.asarray(s.lengths))), "seconds": seconds,
            "_continuations": [list(map(int, c)) for c in s.continuations], "_energies": energy,
            "_cut": np.asarray(s.cut, dtype=bool),
        })
    return {"prompts": rows}


def next_token_entropies(model: Any, tokenizer: Any, texts: Sequence[str]) -> np.ndarray:
    """The next-token entropy at every position of the texts (nats), through infoscale's thermo."""
    from .hf import next_token_thermodynamics

    return np.concatenate([t.entropy[:-1] for t in next_token_thermodynamics(model, tokenizer, texts) if len(t.entropy) > 1])


# --- 2. sentence-level thermodynamics ----------------------------------------------------------------------
def sentence_thermodynamics(row: Dict[str, Any], temperatures: Sequence[float]) -> Dict[str, Any]:
    """Z, U, F, S, C of the ensemble of a prompt's distinct sampled continuations, and the identity
    residuals (F - (U - T S), S + dF/dT, C - dU/dT by central differences, h = 1e-4 T)."""
    from . import lm

    distinct: Dict[tuple, float] = {}
    for c, e, cut in zip(row["_continuations"], row["_energies"], row["_cut"]):
        distinct[(tuple(c), bool(cut))] = float(e)
    energies = np.asarray(list(distinct.values()))

    def state(t: float) -> Any:
        return lm.ensemble_thermodynamics(energies, t)

    out: Dict[str, Any] = {"microstates": len(energies), "covered_mass": float(np.sum(np.exp(-energies))),
                           "T": [], "log_partition": [], "U": [], "F": [], "S": [], "C": []}
    residual = {"F_minus_U_minus_TS": 0.0, "S_plus_dF_dT": 0.0, "C_minus_dU_dT": 0.0}
    for t in temperatures:
        s = state(t)
        h = 1e-4 * t
        up, down = state(t + h), state(t - h)
        d_f = (up.free_energy - down.free_energy) / (2 * h)
        d_u = (up.internal_energy - down.internal_energy) / (2 * h)
        scale = 1.0 + abs(s.internal_energy)
        residual["F_minus_U_minus_TS"] = max(residual["F_minus_U_minus_TS"],
                                             abs(s.free_energy - (s.internal_energy - t * s.entropy)) / scale)
        residual["S_plus_dF_dT"] = max(residual["S_plus_dF_dT"], abs(s.entropy + d_f) / (1.0 + abs(s.entropy)))
        residual["C_minus_dU_dT"] = max(residual["C_minus_dU_dT"], abs(s.heat_capacity - d_u) / (1.0 + abs(s.heat_capacity)))
        for k, v in (("T", t), ("log_partition", s.log_partition), ("U", s.internal_energy), ("F", s.free_energy),
                     ("S", s.entropy), ("C", s.heat_capacity)):
            out[k].append(float(v))
    out["identity_residuals"] = residual
    return out


# --- 3. moduli distances -----------------------------------------------------------------------------------
def importance_distances(log_ratio_p: np.ndarray, log_ratio_q: np.ndarray) -> Dict[str, Any]:
    """Distances between two laws P and Q from samples of each: log_ratio_p = log Q(y) - log P(y)
    for y ~ P, log_ratio_q = log P(y) - log Q(y) for y ~ Q. Unbiased estimators, averaged over the
    two sides [standard importance sampling]:
      BC = E_P[sqrt(Q/P)] = E_Q[sqrt(P/Q)];  TV = E_P[(1 - Q/P)+] = E_Q[(1 - P/Q)+];
      JS = 1/2 E_P[log(2 / (1 + Q/P))] + 1/2 E_Q[log(2 / (1 + P/Q))];
    Hellinger = sqrt(1 - BC), Fisher-Rao = 2 arccos(BC), JS distance = sqrt(JS); standard errors
    by the delta method (clamped where BC is estimated outside [0, 1])."""
    rp, rq = np.exp(np.minimum(log_ratio_p, 700.0)), np.exp(np.minimum(log_ratio_q, 700.0))

    def both(a: np.ndarray, b: np.ndarray) -> tuple:
        mean = 0.5 * (a.mean() + b.mean())
        se = 0.5 * np.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        return float(mean), float(se)

    bc, bc_se = both(np.sqrt(rp), np.sqrt(rq))
    tv, tv_se = both(np.maximum(0.0, 1.0 - rp), np.maximum(0.0, 1.0 - rq))
    js_p = np.log(2.0) - np.logaddexp(0.0, log_ratio_p)
    js_q = np.log(2.0) - np.logaddexp(0.0, log_ratio_q)
    js = float(0.5 * (js_p.mean() + js_q.mean()))
    js_se = float(0.5 * np.sqrt(js_p.var(ddof=1) / len(js_p) + js_q.var(ddof=1) / len(js_q)))
    bcc = min(1.0, max(0.0, bc))
    hell = np.sqrt(1.0 - bcc)
    hell_se = bc_se / (2 * hell) if hell > 0 else float("inf")
    fr = 2.0 * np.arccos(bcc)
    fr_se = 2.0 * bc_se / np.sqrt(max(1e-300, 1.0 - bcc * bcc))
    jsd = np.sqrt(max(0.0, js))
    return {"bhattacharyya": bc, "bhattacharyya_se": bc_se,
            "total_variation": tv, "total_variation_se": tv_se,
            "hellinger": float(hell), "hellinger_se": float(hell_se),
            "fisher_rao": float(fr), "fisher_rao_se": float(fr_se),
            "js_distance": float(jsd), "js_distance_se": float(js_se / (2 * jsd)) if jsd > 0 else float("inf")}


def _samples_for(row: Dict[str, Any], n: int) -> tuple:
    return row["_continuations"][:n], row["_energies"][:n], row["_cut"][:n]


def continuation_distance(plm_p: Any, prompt_p: np.ndarray, row_p: Dict[str, Any], plm_q: Any,
                          prompt_q: np.ndarray, row_q: Dict[str, Any], n: int) -> Dict[str, Any]:
    """Distances between P(.|s_p) under one model and Q(.|s_q) under another (or the same) from the
    first n recorded samples of each side, each re-scored by the other side's model. Cut samples
    stand for the event "the continuation starts with y", on both sides, so these are distances
    between the laws of the first max_length tokens: lower bounds on the full-continuation ones."""
    yp, ep, cp = _samples_for(row_p, n)
    yq, eq, cq = _samples_for(row_q, n)
    lq_of_p = plm_q.log_probabilities(prompt_q, yp, ended=~cp)
    lp_of_q = plm_p.log_probabilities(prompt_p, yq, ended=~cq)
    return importance_distances(lq_of_p + ep, lp_of_q + eq)


def next_token_distance_matrix(plm: Any, prompts: Sequence[np.ndarray], metric: str) -> np.ndarray:
    """Exact distances between the next-token laws p(.|s_i), p(.|s_j) under `metric`."""
    from . import lm

    z = np.stack([plm.logits_batch(np.array([0]), p[None, :])[0] for p in prompts])
    p = np.exp(z - np.logaddexp.reduce(z, axis=1, keepdims=True))
    k = len(prompts)
    d = np.zeros((k, k))
    for i in range(k):
        for j in range(i + 1, k):
            d[i, j] = d[j, i] = lm.distribution_distance(p[i], p[j], metric)
    return d


def classical_mds(d: np.ndarray) -> np.ndarray:
    """Classical (Torgerson) MDS in 2 dimensions (the library's manifold/classical_mds.hpp)."""
    return _core.manifold.classical_mds(np.asarray(d, dtype=np.float64), 2)


def _line_chart(series: Dict[str, Any], *, title: str, xlabel: str, ylabel: str, step: bool = False,
                vline=None) -> str:
    """The library's SVG line chart (io/svg_charts.hpp) of name -> (x, y)."""
    return _core.svg_line_chart(list(series), [np.asarray(x, float).tolist() for x, _ in series.values()],
                                [np.asarray(y, float).tolist() for _, y in series.values()], title=title,
                                xlabel=xlabel, ylabel=ylabel, step=step, threshold=vline[0] if vline else None,
                                threshold_label=vline[1] if vline else "")


def _scatter_panels(panels: Sequence[Any]) -> str:
    """The library's SVG scatter panels (io/svg_charts.hpp) of (title, points (n, 2), labels)."""
    return _core.svg_scatter_panels([t for t, _, _ in panels],
                                    [np.asarray(p, float).reshape(-1, 2).tolist() for _, p, _ in panels],
                                    [list(labels) for _, _, labels in panels])


# --- 4. Conjecture 6.4 in the decoder's phase space ---------------------------------------------------------
def phase_space_entropy(model: Any, prefix_tokens: np.ndarray, prompt: np.ndarray):
    """(f, x0): f(x) = H(p(. | inputs_embeds = x)) of the model in float64, x a flattened (n, N)
    point of the prompt's phase space (R^N)^n; the prefix tokens' embeddings stay fixed; x0 the
    prompt's own embeddings."""
    import torch

    emb = model.get_input_embeddings()
    with torch.inference_mode():
        fixed = emb(torch.as_tensor(prefix_tokens)[None]).double()
        x0 = emb(torch.as_tensor(prompt)[None]).double()[0]
    shape = x0.shape

    def f(x: np.ndarray) -> float:
        with torch.inference_mode():
            e = torch.as_tensor(np.asarray(x, dtype=np.float64).reshape(shape))[None]
            logits = model(inputs_embeds=torch.cat([fixed, e], 1)).logits[0, -1]
            return float(_core.entropy_from_logits(logits.numpy()))

    return f, x0.numpy().reshape(-1)


def conjecture_in_phase_space(model: Any, prefix_tokens: np.ndarray, prompts: Sequence[np.ndarray],
                              o: ThermoOptions) -> Dict[str, Any]:
    """The checker's midpoint and Hessian tests around each prompt (points x0 + N(0, sigma^2 I),
    sigma = scale * the RMS entry of the token embedding matrix), and the midpoint test between
    every pair of real prompts."""
    import copy

    from . import manifold

    m64 = copy.deepcopy(model).double().eval()
    sigma = o.convexity_scale * float(np.sqrt(np.mean(m64.get_input_embeddings().weight.detach().numpy() ** 2)))
    per_prompt = []
    points = []
    for i, p in enumerate(prompts[:o.convexity_prompts]):
        f, x0 = phase_space_entropy(m64, prefix_tokens, p)
        points.append((f, x0))
        t0 = time.perf_counter()
        r = manifold.check_convexity(lambda x: f(x0 + x), len(x0), segments=o.convexity_tests,
                                     hessian_points=o.convexity_tests, scale=sigma, step=1e-3 * sigma,
                                     tolerance=1e-7, seed=o.seed, stream=i)
        per_prompt.append({"prompt": [int(x) for x in p], "dimension": len(x0), "entropy_at_prompt": f(x0),
                           "midpoint_tests": int(r.midpoint_tests), "midpoint_violations": int(r.midpoint_violations),
                           "hessian_tests": int(r.hessian_tests), "hessian_violations": int(r.hessian_violations),
                           "worst_midpoint_gap": float(r.worst_midpoint_gap),
                           "most_negative_curvature": float(r.most_negative_curvature),
                           "most_positive_curvature": float(r.most_positive_curvature),
                           "concavity_refuted": bool(r.midpoint_concavity_violations + r.hessian_concavity_violations > 0),
                           "seconds": time.perf_counter() - t0})
    # Real prompts: f(mid(E_i, E_j)) against the chord, on the straight segment of (R^N)^n.
    f_all = [phase_space_entropy(m64, prefix_tokens, p) for p in prompts]
    pairs, violations, worst = 0, 0, -np.inf
    for i in range(len(f_all)):
        for j in range(i + 1, len(f_all)):
            f, a = f_all[i]
            b = f_all[j][1]
            gap = f(0.5 * (a + b)) - 0.5 * (f(a) + f(b))
            pairs += 1
            violations += gap > 1e-7
            worst = max(worst, gap)
    return {"sigma": sigma, "around_prompts": per_prompt,
            "real_midpoints": {"pairs": pairs, "violations": int(violations), "worst_gap": float(worst)},
            "refuted": any(r["midpoint_violations"] + r["hessian_violations"] > 0 for r in per_prompt) or violations > 0}


# --- the study ---------------------------------------------------------------------------------------------
@dataclass
class ThermoStudy:
    options: ThermoOptions
    models: List[str]
    results: Dict[str, Any] = field(default_factory=dict)
    between_models: List[Dict[str, Any]] = field(default_factory=list)
    prompt_texts: List[str] = field(default_factory=list)
    timings: Dict[str, float] = field(default_factory=dict)

    def to_json(self) -> Dict[str, Any]:
        def clean(x: Any) -> Any:
            if isinstance(x, dict):
                return {k: clean(v) for k, v in x.items() if not str(k).startswith("_")}
            if isinstance(x, (list, tuple)):
                return [clean(v) for v in x]
            if isinstance(x, np.ndarray):
                return clean(x.tolist())
            if isinstance(x, (np.floating, float)):
                return float(x) if np.isfinite(x) else None
            if isinstance(x, (np.integer,)):
                return int(x)
            return x

        o = {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self.options).items()}
        return clean({"options": o, "models": self.models, "prompt_texts": self.prompt_texts,
                      "results": self.results, "between_models": self.between_models, "timings": self.timings})

    def markdown(self) -> str:
        o = self.options
        out = ["# Thermodynamics and geometry of the decoders (Yang, arXiv 2407.21092)", "",
               f"Prompts: the first {o.prompt_tokens} tokens of {len(self.prompt_texts)} held-out sentences. "
               f"Monte Carlo: rounds of {o.batch} samples, at most {o.samples} (at least {o.min_samples}), stopping "
               f"once the standard error is <= {o.target_standard_error} nats; continuations cut at {o.max_length} "
               f"tokens (a cut sample contributes its first {o.max_length} steps: the estimate is then of the entropy "
               f"of the first {o.max_length} tokens' law, a lower bound on S_L(s)); seed {o.seed}. Near-zero point: "
               f"S_L(s) + 1.96 SE < eps = {o.eps} nats.", "",
               "Readings of the end of a continuation (∅): **end_token** (the paper's; the shipped models saw it "
               "only between chapters) and **sentence** (∅ also at the first sentence-final token, whose identity "
               "is lumped into ∅).", "", "## 1. The entropy function S_L(s) (§4)", "",
               "| model | reading | mean S_L (nats) | min S_L | max S_L | near-zero prompts | cut samples | mean length "
               "| chain vs direct (max |z|) | samples/prompt | next-token H (mean) | positions with H < eps |",
               "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for name in self.models:
            m = self.results[name]
            for r in o.readings:
                e = m["entropy_function"][r]["prompts"]
                s = np.array([p["entropy"] for p in e])
                z = max(abs(p["paired_difference"]) / p["paired_standard_error"] if p["paired_standard_error"] > 0 else 0.0
                        for p in e)
                out.append(f"| {name} | {r} | {s.mean():.2f} | {s.min():.2f} | {s.max():.2f} | "
                           f"{m['entropy_function'][r]['near_zero']} / {len(e)} | "
                           f"{np.mean([p['cut_fraction'] for p in e]):.0%} | {np.mean([p['mean_length'] for p in e]):.1f} | "
                           f"{z:.2f} | {np.mean([p['samples'] for p in e]):.0f} | {m['next_token']['mean']:.3f} | "
                           f"{m['next_token']['below_eps']:.1%} |")
        out += ["", "The chain-rule estimator (sum of next-token entropies along a sample) and the direct one "
                "(-log P of the sample) estimate the same S_L(s); |z| is their paired difference over its standard "
                "error (|z| < 4 expected).", "", "## 2. Sentence-level thermodynamics (§5)", "",
                "Canonical ensemble on each prompt's distinct sampled continuations, energies E = -log P(s'|s) "
                "(the model's law is T = 1 on the full sentence set; on the sampled set Z(1) = the mass the samples "
                "cover). Means over prompts; residuals are the largest relative ones over prompts and temperatures.", "",
                "| model | reading | T | log Z | U | F | S | C |", "|---|---|---|---|---|---|---|---|"]
        for name in self.models:
            for r in o.readings:
                th = self.results[name]["thermodynamics"][r]
                for k, t in enumerate(o.temperatures):
                    vals = [np.mean([p[q][k] for p in th["prompts"]]) for q in ("log_partition", "U", "F", "S", "C")]
                    out.append(f"| {name} | {r} | {t:g} | " + " | ".join(f"{v:.3f}" for v in vals) + " |")
        out += ["", "| model | reading | microstates/prompt | covered mass Z(1) (median) | max rel. F-(U-TS) | "
                "max rel. S+dF/dT | max rel. C-dU/dT |", "|---|---|---|---|---|---|---|"]
        for name in self.models:
            for r in o.readings:
                th = self.results[name]["thermodynamics"][r]
                res = th["identity_residuals"]
                out.append(f"| {name} | {r} | {np.mean([p['microstates'] for p in th['prompts']]):.0f} | "
                           f"{np.median([p['covered_mass'] for p in th['prompts']]):.3g} | "
                           f"{res['F_minus_U_minus_TS']:.1e} | {res['S_plus_dF_dT']:.1e} | {res['C_minus_dU_dT']:.1e} |")
        out += ["", "## 3. Moduli-space distances (§3)", "",
                f"Between prompts of one model (first {o.distance_prompts} prompts, {o.distance_samples} samples per "
                "side, importance sampling; mean over pairs) and, next to it, the exact next-token distances.", "",
                "| model | reading | continuation TV | Hellinger | JS distance | Fisher-Rao | next-token TV | next-token JS distance |",
                "|---|---|---|---|---|---|---|---|"]
        for name in self.models:
            for r in o.readings:
                g = self.results[name]["geometry"][r]
                out.append(f"| {name} | {r} | {g['mean']['total_variation']:.3f} | {g['mean']['hellinger']:.3f} | "
                           f"{g['mean']['js_distance']:.3f} | {g['mean']['fisher_rao']:.3f} | "
                           f"{g['next_token_mean']['total_variation']:.3f} | {g['next_token_mean']['js_distance']:.3f} |")
        if self.between_models:
            out += ["", "Between models at the same prompts (mean over prompts, ± the mean standard error):", "",
                    "| models | reading | continuation TV | Hellinger | JS distance | next-token TV |", "|---|---|---|---|---|---|"]
            for b in self.between_models:
                out.append(f"| {b['a']} vs {b['b']} | {b['reading']} | {b['total_variation']:.3f} ± {b['total_variation_se']:.3f} | "
                           f"{b['hellinger']:.3f} ± {b['hellinger_se']:.3f} | {b['js_distance']:.3f} ± {b['js_distance_se']:.3f} | "
                           f"{b['next_token_total_variation']:.3f} |")
        out += ["", "## 4. Conjecture 6.4 in a real phase space (§6)", "",
                "f(x) = next-token entropy of the model (float64) with the prompt's input embeddings replaced by x in "
                f"(R^N)^n; the checker's midpoint and Hessian tests around each prompt (offsets N(0, sigma^2 I), sigma = "
                f"{o.convexity_scale} x the RMS embedding entry; second-difference step 1e-3 sigma; tolerance 1e-7 nats), "
                "and the midpoint test between every pair of real prompts.", "",
                "| model | prompt | dimension | H at prompt | midpoint violations | Hessian violations | worst f(mid) - chord "
                "| most negative curvature | real-prompt midpoints violated | convexity |", "|---|---|---|---|---|---|---|---|---|---|"]
        for name in self.models:
            c = self.results[name].get("conjecture")
            if not c:
                continue
            for k, p in enumerate(c["around_prompts"]):
                real = c["real_midpoints"]
                out.append(f"| {name} | {k} | {p['dimension']} | {p['entropy_at_prompt']:.3f} | "
                           f"{p['midpoint_violations']} / {p['midpoint_tests']} | {p['hessian_violations']} / {p['hessian_tests']} | "
                           f"{p['worst_midpoint_gap']:.3g} | {p['most_negative_curvature']:.3g} | "
                           f"{real['violations']} / {real['pairs']} | {'**refuted**' if c['refuted'] else 'not refuted'} |")
        out += ["", "## Timings (s)", "", "| part | seconds |", "|---|---|"]
        out += [f"| {k} | {v:.1f} |" for k, v in self.timings.items()]
        return "\n".join(out) + "\n"

    def write(self, out: os.PathLike) -> Dict[str, str]:
        out = pathlib.Path(out)
        (out / "figures").mkdir(parents=True, exist_ok=True)
        paths = {"markdown": out / "thermo.md", "json": out / "thermo.json"}
        paths["markdown"].write_text(self.markdown(), encoding="utf-8")
        paths["json"].write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")
        paths["summary"] = out / "summary.json"
        paths["summary"].write_text(json.dumps(claims_summary(self.to_json()), indent=1), encoding="utf-8")
        for r in self.options.readings:
            series = {}
            for name in self.models:
                s = np.sort([p["entropy"] for p in self.results[name]["entropy_function"][r]["prompts"]])
                series[name] = (s, np.arange(1, len(s) + 1) / len(s))
            p = out / "figures" / f"entropy-function-{r}.svg"
            p.write_text(_line_chart(series, title=f"CDF of S_L(s) over prompts ({r})", xlabel="S_L(s), nats",
                                    ylabel="fraction of prompts", step=True, vline=(self.options.eps, "eps")), encoding="utf-8")
            paths[f"entropy-function-{r}"] = p
        series = {}
        for name in self.models:
            h = np.sort(self.results[name]["next_token"]["_values"])
            q = np.linspace(0, 1, 201)
            series[name] = (np.quantile(h, q), q)
        p = out / "figures" / "next-token-entropy.svg"
        p.write_text(_line_chart(series, title="CDF of the next-token entropy over positions", xlabel="H, nats",
                                ylabel="fraction of positions", vline=(self.options.eps, "eps")), encoding="utf-8")
        paths["next-token-entropy"] = p
        for name in self.models:
            g = self.results[name]["geometry"]
            panels = []
            for r in self.options.readings:
                d = np.asarray(g[r]["_hellinger"])
                panels.append((f"{name}: continuations, Hellinger ({r})", classical_mds(d),
                               [str(i) for i in range(len(d))]))
            r0 = self.options.readings[0]
            d = np.asarray(g[r0]["next_token_matrices"]["js_distance"])
            panels.append((f"{name}: next token, JS distance ({r0})", classical_mds(d), [str(i) for i in range(len(d))]))
            p = out / "figures" / f"moduli-{name}.svg"
            p.write_text(_scatter_panels(panels), encoding="utf-8")
            paths[f"moduli-{name}"] = p
        return {k: str(v) for k, v in paths.items()}


def claims_summary(data: Dict[str, Any]) -> Dict[str, Any]:
    """The figures of a thermo study's JSON that the claims ledger reads (docs/claims/thermo.json).

    Per model: per reading, the prompt count, near-zero points and the lowest and highest S_L(s);
    the identity residuals; the next-token statistics; the Conjecture 6.4 verdict on real midpoints.
    Small enough to commit, unlike the full report (per-prompt rows and distance matrices).
    """
    results = {}
    for name, r in data["results"].items():
        entropy = {}
        for reading, e in r["entropy_function"].items():
            values = [p["entropy"] for p in e["prompts"]]
            entropy[reading] = {"prompts": len(values), "near_zero": e["near_zero"],
                                "lowest": min(values), "highest": max(values)}
        c = r["conjecture"]
        results[name] = {
            "entropy_function": entropy,
            "thermodynamics": {reading: {"identity_residuals": t["identity_residuals"]}
                               for reading, t in r["thermodynamics"].items()},
            "next_token": r["next_token"],
            "conjecture": {"real_midpoints": c["real_midpoints"], "refuted": c["refuted"]},
        }
    return {"source": "python -m infoscale.thermo_study", "options": data["options"], "results": results}


def run_thermo_study(models: Sequence[tuple], texts: Sequence[str], options: Optional[ThermoOptions] = None, *,
                     compare: Sequence[tuple] = (), conjecture_models: Optional[Sequence[str]] = None,
                     progress: bool = True) -> ThermoStudy:
    """The study over `models` = [(name, model, tokenizer), ...] (all sharing one tokenizer, so
    prompts are the same token ids), prompts from `texts`; `compare` = pairs of names for
    between-model distances; `conjecture_models` = names for part 4 (default: every model)."""
    from .hf.plm import DecoderPLM

    o = options or ThermoOptions()
    o.check()
    if not models:
        _raise("models", "is empty")
    names = [m[0] for m in models]
    if len(set(names)) != len(names):
        _raise("models", f"has repeated names {names}")
    for a, b in compare:
        if a not in names or b not in names:
            _raise("compare", f"names a model that is not in the study ({a!r}, {b!r})")
    tok0 = models[0][2]
    prompts = prompts_from_texts(tok0, texts, o.prompt_tokens, o.prompts)
    study = ThermoStudy(o, names, prompt_texts=[tok0.decode(p) for p in prompts])
    plms: Dict[tuple, Any] = {}
    k = min(o.distance_prompts, len(prompts))

    def say(text: str) -> None:
        if progress:
            print(f"[thermo] {text}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    for name, model, tok in models:
        res: Dict[str, Any] = {"entropy_function": {}, "thermodynamics": {}, "geometry": {}}
        t0 = time.perf_counter()
        h = next_token_entropies(model, tok, texts)
        res["next_token"] = {"positions": int(h.size), "mean": float(h.mean()), "below_eps": float(np.mean(h < o.eps)),
                             "_values": h}
        study.timings[f"{name}: next-token entropy over the texts"] = time.perf_counter() - t0
        for ri, r in enumerate(o.readings):
            plm = DecoderPLM(model, tok, stop=r)
            plms[(name, r)] = plm
            t0 = time.perf_counter()
            say(f"{name}: entropy function ({r}), {len(prompts)} prompts")
            e = entropy_function_of_prompts(plm, prompts, o, ri)
            e["near_zero"] = sum(p["entropy"] + 1.96 * p["standard_error"] < o.eps for p in e["prompts"])
            res["entropy_function"][r] = e
            study.timings[f"{name}: entropy function ({r})"] = time.perf_counter() - t0
            th = [sentence_thermodynamics(p, o.temperatures) for p in e["prompts"]]
            res["thermodynamics"][r] = {
                "prompts": th,
                "identity_residuals": {q: max(p["identity_residuals"][q] for p in th) for q in th[0]["identity_residuals"]}}
            t0 = time.perf_counter()
            say(f"{name}: moduli distances ({r})")
            pair = {q: np.zeros((k, k)) for q in METRICS}
            for i in range(k):
                for j in range(i + 1, k):
                    d = continuation_distance(plm, prompts[i], e["prompts"][i], plm, prompts[j], e["prompts"][j],
                                              o.distance_samples)
                    for q in METRICS:
                        pair[q][i, j] = pair[q][j, i] = d[q]
            iu = np.triu_indices(k, 1)
            res["geometry"][r] = {"mean": {q: float(pair[q][iu].mean()) for q in METRICS},
                                  "matrices": {q: pair[q] for q in METRICS}, "_hellinger": pair["hellinger"]}
            study.timings[f"{name}: moduli distances ({r})"] = time.perf_counter() - t0
            nt = {q: next_token_distance_matrix(plm, prompts, q) for q in ("total_variation", "js_distance")}
            iu_all = np.triu_indices(len(prompts), 1)
            res["geometry"][r]["next_token_mean"] = {q: float(nt[q][iu_all].mean()) for q in nt}
            res["geometry"][r]["next_token_matrices"] = nt
        if conjecture_models is None or name in conjecture_models:
            t0 = time.perf_counter()
            say(f"{name}: Conjecture 6.4 in the phase space")
            res["conjecture"] = conjecture_in_phase_space(model, plms[(name, o.readings[0])].prefix_tokens, prompts, o)
            study.timings[f"{name}: Conjecture 6.4"] = time.perf_counter() - t0
        study.results[name] = res
    for a, b in compare:
        for r in o.readings:
            t0 = time.perf_counter()
            pa, pb = plms[(a, r)], plms[(b, r)]
            ea, eb = study.results[a]["entropy_function"][r]["prompts"], study.results[b]["entropy_function"][r]["prompts"]
            ds = [continuation_distance(pa, prompts[i], ea[i], pb, prompts[i], eb[i], o.distance_samples) for i in range(k)]
            from . import lm

            ntv = []
            for i in range(k):
                za = pa.logits_batch(np.array([0]), prompts[i][None, :])[0]
                zb = pb.logits_batch(np.array([0]), prompts[i][None, :])[0]
                ntv.append(lm.distribution_distance(np.exp(za - np.logaddexp.reduce(za)),
                                                    np.exp(zb - np.logaddexp.reduce(zb)), "total_variation"))
            row = {"a": a, "b": b, "reading": r, "prompts": k, "per_prompt": ds,
                   "next_token_total_variation": float(np.mean(ntv))}
            for q in ("total_variation", "hellinger", "js_distance", "fisher_rao"):
                row[q] = float(np.mean([d[q] for d in ds]))
                row[q + "_se"] = float(np.mean([d[q + "_se"] for d in ds]))
            study.between_models.append(row)
            study.timings[f"{a} vs {b} ({r})"] = time.perf_counter() - t0
    study.timings["total"] = time.perf_counter() - started
    return study


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m infoscale.thermo_study", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", default=[], metavar="NAME:FOLDER",
                    help="a Hugging Face causal LM folder (repeat; default: the four shipped decoders)")
    ap.add_argument("--tokenizer", help="tokenizer folder for --model (default: the first model's folder)")
    ap.add_argument("--texts", help="one text per line (default: the shipped held-out segments)")
    ap.add_argument("--compare", action="append", default=[], metavar="A:B",
                    help="between-model distances (default with the shipped models: llama-a:llama-b, gpt2-a:gpt2-b, "
                         "llama-a:gpt2-a)")
    d = ThermoOptions()
    for name in ("prompts", "prompt_tokens", "samples", "min_samples", "batch", "max_length", "distance_prompts",
                 "distance_samples", "convexity_prompts", "convexity_tests", "seed"):
        ap.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(d, name))
    for name in ("target_standard_error", "eps", "convexity_scale"):
        ap.add_argument("--" + name.replace("_", "-"), type=float, default=getattr(d, name))
    ap.add_argument("--readings", default=",".join(d.readings), help="comma-separated: end_token, sentence")
    ap.add_argument("--out", default="build/thermo", help="folder for thermo.md, thermo.json and figures/")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--summarise", metavar="THERMO_JSON",
                    help="write only the claims ledger's summary of an existing thermo.json to --out/summary.json")
    args = ap.parse_args(argv)
    if args.summarise:
        data = json.loads(pathlib.Path(args.summarise).read_text(encoding="utf-8"))
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.json").write_text(json.dumps(claims_summary(data), indent=1), encoding="utf-8")
        return 0

    import torch

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    from .models import load_causal_lm, load_shipped

    if args.model:
        models = []
        for spec in args.model:
            name, sep, folder = spec.partition(":")
            if not sep or not name or not folder:
                _raise("--model", f"is {spec!r}; expected NAME:FOLDER")
            model, tok = load_causal_lm(folder, args.tokenizer or folder, "thermo_study")
            models.append((name, model, tok))
        compare = [tuple(c.split(":", 1)) for c in args.compare]
    else:
        models = [(n,) + tuple(load_shipped(n)) for n in ("llama-a", "llama-b", "gpt2-a", "gpt2-b")]
        compare = [tuple(c.split(":", 1)) for c in args.compare] or [("llama-a", "llama-b"), ("gpt2-a", "gpt2-b"),
                                                                      ("llama-a", "gpt2-a")]
    if args.texts:
        texts = pathlib.Path(args.texts).read_text(encoding="utf-8").splitlines()
    else:
        from .study import shipped_corpus

        texts = shipped_corpus()[0]
    o = ThermoOptions(**{k: getattr(args, k) for k in ("prompts", "prompt_tokens", "samples", "min_samples", "batch",
                                                       "max_length", "distance_prompts", "distance_samples",
                                                       "convexity_prompts", "convexity_tests", "seed",
                                                       "target_standard_error", "eps", "convexity_scale")},
                      readings=tuple(r for r in args.readings.split(",") if r))
    study = run_thermo_study(models, texts, o, compare=compare, progress=not args.quiet)
    paths = study.write(args.out)
    print(study.markdown())
    print(f"\nwritten: {paths['markdown']}, {paths['json']}, figures in {pathlib.Path(args.out) / 'figures'}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Error as e:
        print(f"infoscale.thermo_study: {e}", file=sys.stderr)
        sys.exit(2)
