"""Experiment 2 of the multi-scale paper (MS §4.2): noise in one scale's layers while the model
generates, and what it does to behaviour.

Noise (MS eq. (7)): h' = h + eps, eps ~ N(0, (sigma * std)^2 I), added in place to the output of
every decoder block of the chosen layers, at every position the block processes (the prompt's
prefill and each generated token; with the KV cache on, later tokens see the perturbed keys and
values, as they would see a perturbed layer). The draws come from the library's counter-based
Philox streams (``infoscale.layers.add_gaussian_noise``): element i of the block output of sample
b at forward call t of layer l is draw i of stream ``((b * 4096 + l) << 20) + t`` under the run's
seed, so reruns, batch sizes and thread counts give the same noise.

``std`` is the activation standard deviation the paper scales by. Two readings, named:

- ``"baseline"`` (default): per layer, measured once on the unperturbed run over the same prompts
  (the population std of every element the block produced), so every perturbed forward pass gets
  noise of one fixed size per layer: sigma is then a fraction of that layer's typical activation.
- ``"pass"``: the std of the block output of that sample in that forward call (a one-token step
  has few elements, so the scale fluctuates from step to step).

Behaviour per prompt (k samples each): Self-BLEU of the k samples against each other (sacrebleu,
higher = less diverse), variance of sentence lengths in words, type-token ratio, and, given a
sentence embedder (e.g. all-MiniLM-L6-v2 as SBERT), coherence as the mean cosine similarity of
consecutive sentences of a sample. Conditions are paired by prompt and sampling seed, and compared
with paired t-tests over prompts; brittleness gamma = (perturbed - baseline) / sigma (MS §3.3.2).
Grammaticality is not measured: no offline grammar checker is installable here (LanguageTool needs
a server and a download).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np
import torch

from .. import _core
from .. import layers as _L  # the guarded functions: in-place writes refuse tensors torch protects
from .modules import find_taps

Error = _core.Error

METRICS = ("self_bleu", "length_variance", "type_token_ratio", "coherence")
SCALES = ("L", "I", "G")


def _raise(argument: str, problem: str) -> None:
    raise Error(f"infoscale::noise_injection: argument '{argument}' {problem}")


def _block_output(output: Any) -> torch.Tensor:
    return output[0] if isinstance(output, tuple) else output


class NoiseInjection:
    """Forward hooks that add seeded noise to the outputs of chosen decoder blocks.

    Parameters
    ----------
    blocks : sequence of torch.nn.Module
        Every decoder block of the model in order (``infoscale.hf.find_taps(model).blocks``).
    layers : sequence of int
        Block indices (0-based: block l outputs hidden state l + 1) to perturb.
    sigma : float
        Noise scale relative to the activation std (the paper's 0.1); 0 adds exact zeros.
    seed : int
    scale : {'baseline', 'pass'}
        Which activation std sigma multiplies (see the module notes).
    baseline_std : sequence of float, optional
        Per perturbed layer, the std measured on the unperturbed run; needed for 'baseline'.
    """

    def __init__(self, blocks: Sequence[torch.nn.Module], layers: Sequence[int], sigma: float, seed: int = 0,
                 scale: str = "baseline", baseline_std: Optional[Sequence[float]] = None) -> None:
        if not math.isfinite(sigma) or sigma < 0:
            _raise("sigma", f"must be finite and >= 0, got {sigma}")
        if not layers:
            _raise("layers", "is empty: a scale with no layers")
        for l in layers:
            if not 0 <= int(l) < len(blocks):
                _raise("layers", f"has layer {l}, outside 0..{len(blocks) - 1}")
        if scale not in ("baseline", "pass"):
            _raise("scale", f"must be 'baseline' or 'pass', got {scale!r}")
        if scale == "baseline":
            if baseline_std is None or len(baseline_std) != len(layers):
                _raise("baseline_std", "must give one std per perturbed layer for scale='baseline'")
            if not all(math.isfinite(s) and s > 0 for s in baseline_std):
                _raise("baseline_std", "must be finite and > 0")
        self.blocks, self.layers = list(blocks), [int(l) for l in layers]
        self.sigma, self.seed, self.scale = float(sigma), int(seed), scale
        self.baseline_std = None if baseline_std is None else [float(s) for s in baseline_std]
        self.sample_ids: Optional[Sequence[int]] = None
        self._calls = {l: 0 for l in self.layers}
        self._handles: list = []
        self.noise_std: dict = {l: [] for l in self.layers}  #: per layer, the noise std of each call

    def start_batch(self, sample_ids: Sequence[int]) -> None:
        """The samples of the next generate() call, in batch order; forward calls count from 0."""
        self.sample_ids = list(sample_ids)
        self._calls = {l: 0 for l in self.layers}

    def __enter__(self) -> "NoiseInjection":
        for k, l in enumerate(self.layers):
            self._handles.append(self.blocks[l].register_forward_hook(self._hook(k, l)))
        return self

    def __exit__(self, *exc: Any) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()

    def _hook(self, k: int, l: int) -> Callable:
        def hook(module: torch.nn.Module, inputs: Any, output: Any) -> None:
            h = _block_output(output)
            t = self._calls[l]
            self._calls[l] += 1
            if h.device.type != "cpu":
                _raise("blocks", "produced a tensor on a device this injection cannot write (CPU only)")
            ids = self.sample_ids if self.sample_ids is not None else range(h.shape[0])
            reference = self.baseline_std[k] if self.scale == "baseline" else None
            streams = [((int(sample) * 4096 + l) << 20) + t for sample in ids]
            # One call for the batch: slice b ([positions, width], in place) gets stream streams[b].
            used = _L.add_gaussian_noise_per_sample(h, self.sigma, self.seed, streams, reference_std=reference)
            self.noise_std[l].extend(used)
        return hook


def _layer_sums(model: torch.nn.Module, blocks: Sequence[torch.nn.Module], layers: Sequence[int],
                batches: Sequence[dict]) -> list:
    """Per batch, per layer: (sum, sum of squares, count) of every element the block outputs
    (unperturbed). Kept per batch so that shards' sums add in the one-process order."""
    out: list = []

    def hook_for(l: int) -> Callable:
        def hook(module: torch.nn.Module, inputs: Any, output: Any) -> None:
            h = _block_output(output).double()
            out[-1][l] = (float(h.sum()), float((h * h).sum()), h.numel())
        return hook

    handles = [blocks[l].register_forward_hook(hook_for(l)) for l in layers]
    try:
        with torch.no_grad():
            for batch in batches:
                out.append({})
                model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
    finally:
        for h in handles:
            h.remove()
    return [[b[l] for l in layers] for b in out]


def _std_of(per_batch: Sequence[Sequence[tuple]]) -> list:
    """Population std per layer from :func:`_layer_sums`'s per-batch sums, added in batch order."""
    out = []
    for k in range(len(per_batch[0])):
        total, squares, n = 0.0, 0.0, 0
        for b in per_batch:
            total += b[k][0]
            squares += b[k][1]
            n += b[k][2]
        mean = total / n
        out.append(math.sqrt(max(squares / n - mean * mean, 0.0)))
    return out


def _measure_std(model: torch.nn.Module, blocks: Sequence[torch.nn.Module], layers: Sequence[int],
                 batches: Sequence[dict]) -> list:
    """Population std of every element each block outputs, over the prompts (unperturbed)."""
    return _std_of(_layer_sums(model, blocks, layers, batches))


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list:
    """Sentences of a generated text: split after . ! ? followed by white space."""
    return [s for s in (p.strip() for p in _SENTENCE.split(text)) if s]


def behaviour(samples: Sequence[str], embed: Optional[Callable[[list], np.ndarray]] = None) -> dict:
    """The metrics of one prompt's k samples (see the module notes); coherence is NaN without an
    embedder or with no sample of two sentences."""
    words = [" ".join(s.split()) for s in samples]
    out = {"self_bleu": _L.self_bleu(words) if len(words) >= 2 else math.nan,
           "length_variance": _L.length_variance([s for w in words for s in sentences(w)] or [""]),
           "type_token_ratio": _L.type_token_ratio(words) if any(w for w in words) else math.nan,
           "coherence": math.nan}
    if embed is not None:
        per_sample = [sentences(w) for w in words]
        flat = [x for sents in per_sample if len(sents) >= 2 for x in sents]
        values = []
        if flat:
            e = np.asarray(embed(flat), dtype=np.float64)  # one call per prompt: every sample's sentences
            start = 0
            for sents in per_sample:
                if len(sents) < 2:
                    continue
                values += [_L.coherence(e[start + i:start + i + 2]) for i in range(len(sents) - 1)]
                start += len(sents)
        out["coherence"] = float(np.mean(values)) if values else math.nan
    return out


@dataclass
class InterventionResult:
    """Per condition ('baseline', 'L', 'I', 'G') the generations and per-prompt metrics; per scale
    the percentage change, paired t-test and brittleness of each metric."""
    sigma: float
    scale: str
    layers: dict
    generations: dict
    metrics: dict
    comparisons: dict = field(default_factory=dict)
    baseline_std: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    summary: Any = None  #: infoscale.layers.InterventionSummary (Table 2), None when sigma == 0

    def table(self) -> str:
        """The paper's Table 2 layout (the library's): a row per scale, a column per metric, each cell
        the % change with its paired t-test p; then gamma_s."""
        return "" if self.summary is None else str(self.summary)

    def to_dict(self) -> dict:
        """Every number of the run, JSON-ready (non-finite as None: NaN is "not measured"): the conditions'
        layers, baseline stds, generations and per-prompt metrics, the comparisons, the notes and
        Table 2 (``summary.to_dict()``)."""
        return {"sigma": self.sigma, "scale": self.scale, "layers": self.layers, "baseline_std": self.baseline_std,
                "generations": self.generations, "metrics": _finite(self.metrics),
                "comparisons": _finite(self.comparisons), "notes": list(self.notes),
                "summary": None if self.summary is None else self.summary.to_dict()}

    def write(self, folder: Any) -> dict:
        """Writes interventions.json (:meth:`to_dict`), table2.md (:meth:`table`) and
        interventions.svg (Table 2 as a figure; not when sigma == 0) into `folder`; returns the paths."""
        import json
        import pathlib

        out = pathlib.Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"json": out / "interventions.json", "table": out / "table2.md"}
        paths["json"].write_text(json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n", encoding="utf-8")
        paths["table"].write_text(self.table() + "\n", encoding="utf-8")
        if self.summary is not None:
            paths["svg"] = out / "interventions.svg"
            paths["svg"].write_text(self.summary.svg(), encoding="utf-8")
        return {k: str(v) for k, v in paths.items()}


def _finite(x: Any) -> Any:
    """`x` with every non-finite float replaced by None (JSON has no NaN; an infinite t, all
    differences one constant, has its p = 0 beside it)."""
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _batches(tokenizer: Any, prompts: Sequence[str], batch_size: int) -> list:
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"  # decoders generate after the prompt's last real token
    try:
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        return [dict(tokenizer(list(prompts[i:i + batch_size]), return_tensors="pt", padding=True))
                for i in range(0, len(prompts), batch_size)]
    finally:
        tokenizer.padding_side = side


def generate(model: torch.nn.Module, tokenizer: Any, prompts: Sequence[str], *, samples_per_prompt: int = 4,
             max_new_tokens: int = 48, seed: int = 0, batch_size: int = 8, do_sample: bool = True,
             injection: Optional[NoiseInjection] = None, **generate_kwargs: Any) -> list:
    """Continuations of every prompt, samples_per_prompt each: list (per prompt) of lists of str.
    Sampling is seeded per (prompt batch, sample), so two conditions draw the same random numbers."""
    return _generate(model, tokenizer, _batches(tokenizer, prompts, batch_size), samples_per_prompt=samples_per_prompt,
                     max_new_tokens=max_new_tokens, seed=seed, do_sample=do_sample, injection=injection,
                     **generate_kwargs)


def _generate(model: torch.nn.Module, tokenizer: Any, batches: Sequence[dict], *, first_batch: int = 0,
              first_prompt: int = 0, samples_per_prompt: int = 4, max_new_tokens: int = 48, seed: int = 0,
              do_sample: bool = True, injection: Optional[NoiseInjection] = None, **generate_kwargs: Any) -> list:
    """:func:`generate` over `batches`, the prompt batches from global batch `first_batch` (prompt
    `first_prompt`) on: the sampling seed and the noise streams use global indices, so a sample is
    the same whichever process generates it."""
    out: list = [[] for b in batches for _ in range(b["input_ids"].shape[0])]
    model.eval()
    for j in range(samples_per_prompt):
        start = 0
        for k, batch in enumerate(batches):
            bi = first_batch + k
            n = batch["input_ids"].shape[0]
            if injection is not None:
                injection.start_batch([(first_prompt + start + i) * samples_per_prompt + j for i in range(n)])
            torch.manual_seed(seed * 1_000_003 + bi * 1009 + j)
            with torch.no_grad():
                ids = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=do_sample,
                                     pad_token_id=tokenizer.pad_token_id, **generate_kwargs)
            texts = tokenizer.batch_decode(ids[:, batch["input_ids"].shape[1]:], skip_special_tokens=True)
            for i, t in enumerate(texts):
                out[start + i].append(t)
            start += n
    return out


def run_intervention(model: torch.nn.Module, tokenizer: Any, prompts: Sequence[str], scales: dict, *,
                     sigma: float = 0.1, scale: str = "baseline", samples_per_prompt: int = 4,
                     max_new_tokens: int = 48, seed: int = 0, batch_size: int = 8,
                     embed: Optional[Callable[[list], np.ndarray]] = None, blocks: Any = None,
                     model_name: str = "model", family: str = "", scales_source: str = "",
                     **generate_kwargs: Any) -> InterventionResult:
    """Experiment 2: a baseline run and one perturbed run per scale, paired by prompt and seed.

    Parameters
    ----------
    scales : dict
        Scale name ('L', 'I', 'G') -> block indices of that scale (from Experiment 1's boundaries:
        with boundaries after layers a and b of L, L = 0..a-1, I = a..b-1, G = b..L-1).
    sigma, scale
        Noise relative to the activation std, and which std ('baseline' or 'pass').
    embed : callable, optional
        Sentences -> embeddings (e.g. ``infoscale.models.sentence_embedder()``) for coherence.
    model_name, family
        How the summary (and the study's predictions 2.1 and 3.1) name the model.
    scales_source : str, optional
        How `scales` were chosen, for the notes (e.g. ``infoscale.layers.scales_of``'s second value).
    """
    batches, taps = _prepare(model, tokenizer, prompts, scales, max_new_tokens, batch_size, blocks)
    kw = dict(samples_per_prompt=samples_per_prompt, max_new_tokens=max_new_tokens, seed=seed, **generate_kwargs)
    baseline_std = {name: _measure_std(model, taps.blocks, layers, batches) for name, layers in scales.items()} \
        if scale == "baseline" else {}
    generations = _conditions(model, tokenizer, batches, taps, scales, sigma, scale, baseline_std, **kw)
    metrics = {c: [behaviour(s, embed) for s in per_prompt] for c, per_prompt in generations.items()}
    return _result(scales, generations, metrics, baseline_std, sigma=sigma, scale=scale,
                   samples_per_prompt=samples_per_prompt, max_new_tokens=max_new_tokens, prompts=len(prompts),
                   embed=embed is not None, model_name=model_name, family=family, scales_source=scales_source)


def _prepare(model: torch.nn.Module, tokenizer: Any, prompts: Sequence[str], scales: dict, max_new_tokens: int,
             batch_size: int, blocks: Any) -> tuple:
    """Checks Experiment 2's arguments; returns the prompt batches and the model's taps."""
    if len(prompts) < 2:
        _raise("prompts", "needs at least 2 prompts for a paired t-test")
    if not scales:
        _raise("scales", "is empty")
    base = getattr(model, "base_model", model)
    taps = find_taps(base, blocks)
    context = getattr(getattr(model, "config", None), "max_position_embeddings", None) or \
        getattr(getattr(model, "config", None), "n_positions", None)
    batches = _batches(tokenizer, prompts, batch_size)
    if context is not None:
        longest = max(int(b["input_ids"].shape[1]) for b in batches)
        if longest + max_new_tokens > context:
            _raise("prompts", f"need {longest} + {max_new_tokens} positions but the model's context is {context}")
    model.eval()  # the std pass must not run dropout
    return batches, taps


def _conditions(model: torch.nn.Module, tokenizer: Any, batches: Sequence[dict], taps: Any, scales: dict,
                sigma: float, scale: str, baseline_std: dict, *, seed: int, **kw: Any) -> dict:
    """Per condition ('baseline', then each scale) the generations of `batches` (see :func:`_generate`)."""
    generations = {"baseline": _generate(model, tokenizer, batches, seed=seed, **kw)}
    for name, layers in scales.items():
        injection = NoiseInjection(taps.blocks, layers, sigma, seed=seed + 1, scale=scale,
                                   baseline_std=baseline_std.get(name))
        with injection:
            generations[name] = _generate(model, tokenizer, batches, seed=seed, injection=injection, **kw)
    return generations


def _result(scales: dict, generations: dict, metrics: dict, baseline_std: dict, *, sigma: float, scale: str,
            samples_per_prompt: int, max_new_tokens: int, prompts: int, embed: bool, model_name: str, family: str,
            scales_source: str, extra_notes: Sequence[str] = ()) -> InterventionResult:
    """The InterventionResult of every prompt's generations and metrics: notes, Table 2 (the
    library's paired t-tests and brittleness) and the comparisons."""
    result = InterventionResult(sigma=sigma, scale=scale, layers={k: list(v) for k, v in scales.items()},
                                generations=generations, metrics=metrics, baseline_std=dict(baseline_std))
    notes = [f"scales: {scales_source}"] if scales_source else []
    std = "the layer std over the unperturbed prompts" if scale == "baseline" else "the std of each forward pass"
    notes.append(f"noise std: sigma x {std}; {samples_per_prompt} samples per prompt, {max_new_tokens} new tokens, "
                 f"{prompts} prompts")
    if not embed:
        notes.append("no sentence embedder given: coherence not measured")
    notes.append("grammaticality not measured: no offline grammar checker is installable here")
    notes.extend(extra_notes)
    if sigma > 0:
        values = {c: [[p[m] for p in metrics[c]] for m in METRICS] for c in generations}
        result.summary = _L.compare_interventions(
            model_name, family, sigma, list(METRICS), values["baseline"],
            [(name, list(scales[name]), values[name]) for name in scales], notes=notes)
        for row in result.summary.to_dict()["scales"]:
            result.comparisons[row["scale"]] = {
                c["metric"]: {k: (math.nan if c[k] is None else c[k]) for k in c if k != "metric"}
                for c in row["changes"] if c["prompts"] >= 2}
    result.notes.extend(notes)
    return result
