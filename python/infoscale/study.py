"""The multi-scale study end to end on causal LMs: Zhang & Dong's Experiment 1 (boundaries from
CKA change, probe jumps and attention drift, per model), Experiment 2 when asked (noise in each
scale's layers while the model generates: Table 2, predictions 2.1 and 3.1), Experiment 3 (Tables 1
and 3 across two architecture families) and the §3.3.2 prediction scorecard, as one call or one
command::

    python -m infoscale.study                    # the shipped Austen decoders, held-out labelled text
    python -m infoscale.study --interventions    # ... and Experiment 2 on each of them
    python -m infoscale.study --model NAME:FAMILY:HF_FOLDER ... --texts FILE [--labels DIR]

Per model the library's single pipeline runs (``infoscale.hf.layer_analysis``: the model's layers
are reduced as they are produced); the tables, the scorecard, the Markdown and JSON and the
figures are the library's too (``infoscale.layers.run_study``, ``include/infoscale/layers/study*.hpp``).
This module only runs the models, checks the labels against the tokens, times the phases and
writes the files.

Both readings of eq. (6) come from one collection: the main report uses ``normalization``
(default 'max', the equation as printed) and the other reading is reported beside it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from . import _core
from . import layers as _L

Error = _core.Error
DEFAULT_WEIGHTS = (1.0, 0.8, 0.6)
NORMALIZATIONS = ("max", "minmax")
TASKS = ("pos", "dep", "ner")  # the shipped silver labels (models/austen/labels)


def _raise(argument: str, problem: str) -> None:
    raise Error(f"infoscale::study: argument '{argument}' {problem}")


@dataclass
class StudyModel:
    """A model of the study: its name, architecture family (models of one family are its training
    runs), and a Hugging Face causal LM (or a TransformerLens HookedTransformer, for Experiments 1 and
    3) with its tokenizer."""

    name: str
    family: str
    model: Any
    tokenizer: Any


@dataclass
class Study:
    """What :func:`run_study` found.

    Attributes
    ----------
    main : infoscale.layers.StudyReport
        Under the chosen normalisation: ``str(study.main)`` is the Markdown report.
    alternative : infoscale.layers.StudyReport
        The same collections fused under the other normalisation of eq. (6).
    reports : dict
        ``reports[name][normalization]`` is each model's :class:`infoscale.LayerReport`.
    options : dict
    """

    main: Any
    alternative: Any
    reports: Dict[str, Dict[str, Any]]
    options: Dict[str, Any]
    timings: Dict[str, Dict[str, float]] = field(default_factory=dict)
    #: Experiment 2 per model (infoscale.hf.interventions.InterventionResult), when it was run
    interventions: Dict[str, Any] = field(default_factory=dict)

    def markdown(self) -> str:
        """The main report, then the other normalisation's tables (its per-model sections are in
        the JSON)."""
        other = str(self.alternative).split("\n## Per model")[0]
        other = other.replace("# Multi-scale study", "# The same study under normalisation '"
                              + self.options["alternative_normalization"] + "'", 1)
        return str(self.main) + _noise_response_markdown(self.interventions) + "\n---\n\n" + other

    def write(self, folder: os.PathLike) -> Dict[str, str]:
        """Writes report.md, study.json (both normalisations, every number) and the figures
        (figures/<model>.svg: the three signals and E(l) with boundaries and CIs, MS Figures 3-6;
        figures/positions.svg: MS Figure 10). Returns the paths."""
        out = pathlib.Path(folder)
        (out / "figures").mkdir(parents=True, exist_ok=True)
        paths = {"markdown": out / "report.md", "json": out / "study.json",
                 "positions": out / "figures" / "positions.svg"}
        paths["markdown"].write_text(self.markdown(), encoding="utf-8")
        data = {"options": self.options, "main": self.main.to_dict(), "alternative": self.alternative.to_dict()}
        paths["json"].write_text(json.dumps(data, indent=1, allow_nan=False), encoding="utf-8")
        paths["positions"].write_text(self.main.positions_svg(), encoding="utf-8")
        norm = self.options["normalization"]
        for name, by_norm in self.reports.items():
            p = out / "figures" / f"{name}.svg"
            p.write_text(by_norm[norm].svg(f"{name}: signals and E(l), normalisation '{norm}'"), encoding="utf-8")
            paths[name] = p
        if self.interventions:
            runs = {}
            for name, r in self.interventions.items():
                p = out / "figures" / f"{name}-interventions.svg"
                p.write_text(r.summary.svg(), encoding="utf-8")
                paths[f"{name}-interventions"] = p
                runs[name] = {"layers": r.layers, "baseline_std": r.baseline_std, "generations": r.generations,
                              "noise_response": getattr(r, "noise_response", None)}
            paths["generations"] = out / "generations.json"
            paths["generations"].write_text(json.dumps(runs, indent=1), encoding="utf-8")
        paths["claims"] = out / "claims.json"
        responses = {name: getattr(r, "noise_response", None) for name, r in (self.interventions or {}).items()}
        paths["claims"].write_text(json.dumps(claims_summary(data, responses), indent=1), encoding="utf-8")
        return {k: str(v) for k, v in paths.items()}


def claims_summary(data: Dict[str, Any], noise_responses: Dict[str, Any]) -> Dict[str, Any]:
    """The figures of a study that the claims ledger reads (docs/claims/study.json).

    ``data`` is study.json ({"options", "main", "alternative"}); ``noise_responses`` maps each model to
    its eq. (30) check per scale (generations.json's "noise_response"), or is empty. Returns the
    §3.3.2 scorecard (prediction, scope, verdict), the peak count per model under both readings of
    eq. (6), and the eq. (30) agreement: cells whose measured rise (model labels) lies within two
    joint standard errors of the prediction.
    """
    main, alternative = data["main"], data["alternative"]
    names = [m["name"] for m in main["models"]]
    out: Dict[str, Any] = {
        "source": "python -m infoscale.study",
        "models": ", ".join(names),
        "probe": data["options"].get("probe"),
        "texts": data["options"].get("texts"),
        "scorecard": [{"prediction": p["id"], "scope": p["scope"], "verdict": p["verdict"]}
                      for p in main["predictions"]],
        "boundaries": {m["name"]: {"max": len(m["report"]["peaks"]), "minmax": len(a["report"]["peaks"])}
                       for m, a in zip(main["models"], alternative["models"])},
    }
    cells = [v for name in names for v in (noise_responses.get(name) or {}).values()]
    if cells:
        within = sum(abs(v["measured_model"] - v["predicted"]) <= 2 * math.hypot(v["measured_model_se"], v["predicted_se"])
                     for v in cells)
        ratios = [v["ratio"] for v in cells]
        out["fisher"] = {"cells": len(cells), "within_2se": int(within), "ratio_min": min(ratios),
                         "ratio_max": max(ratios)}
    return out


def shipped_corpus(root: Optional[os.PathLike] = None):
    """The labelled held-out text of the shipped models: (segments, {task: per-segment labels},
    token ids per segment), from models/austen/labels (256 sentences of held-out chapters)."""
    from .models import models_root

    folder = models_root(root) / "labels"
    texts = (folder / "segments.txt").read_text(encoding="utf-8").splitlines()
    offsets = np.load(folder / "offsets.npy")
    if len(offsets) != len(texts) + 1:
        _raise("root", f"{folder}: offsets.npy has {len(offsets)} entries for {len(texts)} segments")
    tokens = np.load(folder / "tokens.npy").astype(np.int64)
    labels = {}
    for task in TASKS:
        y = np.load(folder / f"{task}.npy").astype(np.int64)
        labels[task] = [y[offsets[i]:offsets[i + 1]] for i in range(len(texts))]
    ids = [tokens[offsets[i]:offsets[i + 1]] for i in range(len(texts))]
    return texts, labels, ids


def shipped_models(names: Sequence[str] = ("llama-a", "llama-b", "gpt2-a", "gpt2-b"),
                   root: Optional[os.PathLike] = None) -> List[StudyModel]:
    """The shipped decoders as study models, family = architecture ('llama', 'gpt2')."""
    from .models import load_shipped

    out = []
    for n in names:
        model, tok = load_shipped(n, root)
        out.append(StudyModel(n, n.split("-")[0], model, tok))
    return out


def _check_labels(tokenizer: Any, texts: Sequence[str], labels: Optional[dict], name: str) -> None:
    """Every label set must give one label per token of every text, as this tokenizer cuts it."""
    if not labels:
        return
    from .hf.batches import tokenize

    lengths = [len(s) for s in tokenize(tokenizer, texts, None)]
    for task, per_text in labels.items():
        if len(per_text) != len(texts):
            _raise("labels", f"task '{task}' has {len(per_text)} label arrays for {len(texts)} texts")
        for i, (y, n) in enumerate(zip(per_text, lengths)):
            if len(y) != n:
                _raise("labels", f"task '{task}', text {i}: {len(y)} labels, but {name}'s tokenizer gives "
                                 f"{n} tokens (labels must be aligned with this tokenizer's tokens)")


def _progress(enabled: bool, text: str) -> None:
    if enabled:
        print(f"[study] {text}", file=sys.stderr, flush=True)


def run_study(models: Sequence[StudyModel], texts: Sequence[str], labels: Optional[Dict[str, Any]] = None, *,
              resamples: int = 1000, seed: int = 0, weights: Sequence[float] = DEFAULT_WEIGHTS,
              min_prominence: float = 0.3, probe: str = "logistic", folds: int = 5, normalization: str = "max",
              batch_size: int = 32, cv_threshold: float = 0.2, drift_threshold: float = 0.3,
              progress: bool = True, policy: str = "par", interventions: Optional[Dict[str, Any]] = None,
              probe_projection: int = 0) -> Study:
    """Experiments 1 and 3 and the prediction scorecard over `models` on `texts`.

    Parameters
    ----------
    models : sequence of StudyModel
        Names unique; at least two per family for the family statistics (a family of one is
        reported, its CV rows 'not testable').
    texts : sequence of str
        One sequence each (the bootstrap resamples texts).
    labels : dict {task: per-text int arrays}, optional
        Per-token classes aligned with each model's tokenizer (checked); S2 is the mean probe
        macro-F1 over tasks, and the information profile of prediction 1.2 needs them.
    resamples, seed, weights, min_prominence, folds
        The paper's defaults (1000, 0, (1.0, 0.8, 0.6), 0.3, 5).
    probe : {'logistic', 'mlp', 'ridge', 'mlp_minibatch'}, default 'logistic'
        'mlp' is the paper's 128-unit probe (about 8x slower than 'logistic'); 'ridge' is sklearn's
        RidgeClassifier in closed form, what scripts/demo.sh uses to stay within minutes;
        'mlp_minibatch' is the paper's probe fitted by mini-batches, for wide layers and many tokens.
    probe_projection : int, default 0
        Probes on the top k principal components of each layer (0: every feature).
    normalization : {'max', 'minmax'}, default 'max'
        The main reading of eq. (6); the other is reported beside it.
    interventions : dict, optional
        Run Experiment 2 on each model after its Experiment 1, with the scales between the
        boundaries it found (``infoscale.layers.scales_of``: equal thirds when it found fewer than
        two, stated). Keys (defaults): ``prompts`` (200: with 5 samples each, the paper's 1,000
        samples per condition), ``samples_per_prompt`` (5), ``prompt_words`` (8: each prompt is the
        first words of a text), ``max_new_tokens`` (48), ``sigma`` (0.1), ``scale`` ('baseline'),
        ``coherence`` (True: the shipped all-MiniLM-L6-v2 as SBERT), ``seed`` (the study's),
        ``batch_size`` (32), ``structure_magnitude`` (True), ``alpha`` (0.05),
        ``brittleness_ratio`` (5), ``fisher_texts`` (8: the eq. (30) check on the first 8 texts, 8 Hutchinson
        probes and 8 antithetic noise pairs each; 0 skips it), ``fisher_sigma`` (0.05).
    """
    if normalization not in NORMALIZATIONS:
        _raise("normalization", f"must be 'max' or 'minmax', got {normalization!r}")
    if not models:
        _raise("models", "is empty")
    if len(texts) < 2:
        _raise("texts", f"has {len(texts)} text(s): the bootstrap over texts needs at least 2")
    from .hf.collector import layer_analysis
    from .hf.hooked_transformer import is_hooked_transformer

    lens = [m.name for m in models if is_hooked_transformer(m.model)]
    if interventions is not None and lens:
        _raise("interventions", f"need Hugging Face models (generate and its hooks): {lens[0]} is a TransformerLens "
                                "HookedTransformer")
    exp2 = _intervention_options(interventions, seed, texts)
    other = NORMALIZATIONS[1 - NORMALIZATIONS.index(normalization)]
    reports: Dict[str, Dict[str, Any]] = {}
    timings: Dict[str, Dict[str, float]] = {}
    entries = {n: [] for n in NORMALIZATIONS}
    done: Dict[str, Any] = {}
    for m in models:
        _check_labels(m.tokenizer, texts, labels, m.name)
        # A HookedTransformer has no config: its attention patterns are always hook points.
        attn = getattr(getattr(m.model, "config", None), "_attn_implementation", "eager")
        eager = attn == "eager"
        notes = [] if eager else [
            f"attention maps unavailable with attn_implementation={attn!r}: S3 omitted "
            "(load the model with attn_implementation='eager' to include attention drift)"]
        _progress(progress, f"{m.name} ({m.family}): forward pass, CKA and {probe} probes layer by layer over "
                            f"{len(texts)} texts")
        t0 = time.perf_counter()
        analysis = layer_analysis(m.model, m.tokenizer, texts, batch_size=batch_size, attentions=eager,
                                  labels=labels or None, source=m.name, resamples=resamples, seed=seed,
                                  weights=weights, min_prominence=min_prominence, probe=probe, folds=folds,
                                  probe_projection=probe_projection, normalization=normalization, causal=False, policy=policy)
        t1 = time.perf_counter()
        _progress(progress, f"{m.name}: collected in {t1 - t0:.1f} s; fusion, peaks and {resamples} bootstrap "
                            "resamples under both normalisations")
        by_norm = {}
        phase = {}
        for k, norm in enumerate((normalization, other)):
            s = time.perf_counter()
            by_norm[norm] = analysis.report(notes=notes if k == 0 else (), normalization=norm)
            phase[norm] = time.perf_counter() - s
        reports[m.name] = by_norm
        timings[m.name] = {"forward, CKA and probes": t1 - t0,
                           f"fusion and bootstrap ({normalization})": phase[normalization],
                           f"fusion and bootstrap ({other})": phase[other]}
        if exp2 is not None:
            s2 = time.perf_counter()
            done[m.name] = _run_interventions(m, by_norm[normalization], exp2, progress)
            timings[m.name]["Experiment 2 (generation and metrics)"] = time.perf_counter() - s2
        _progress(progress, f"{m.name}: done in {time.perf_counter() - t0:.1f} s")
        for norm in NORMALIZATIONS:
            entries[norm].append((m.name, m.family, by_norm[norm], list(timings[m.name].items())))
    thresholds = dict(cv_threshold=cv_threshold, drift_threshold=drift_threshold)
    if exp2 is not None:
        thresholds.update(interventions=[r.summary for r in done.values()],
                          structure_magnitude=exp2["structure_magnitude"], alpha=exp2["alpha"],
                          brittleness_ratio=exp2["brittleness_ratio"])
    main = _L.run_study(entries[normalization], **thresholds)
    alternative = _L.run_study(entries[other], **thresholds)
    options = dict(resamples=resamples, seed=seed, weights=list(weights), min_prominence=min_prominence,
                   probe=probe, folds=folds, probe_projection=probe_projection, normalization=normalization,
                   alternative_normalization=other,
                   texts=len(texts), tasks=list(labels) if labels else [], models=[(m.name, m.family) for m in models],
                   cv_threshold=cv_threshold, drift_threshold=drift_threshold)
    if exp2 is not None:
        options["interventions"] = {k: v for k, v in exp2.items() if k not in ("prompt_texts", "fisher_corpus")}
    return Study(main, alternative, reports, options, timings, done)


_EXP2_DEFAULTS = dict(prompts=200, samples_per_prompt=5, prompt_words=8, max_new_tokens=48, sigma=0.1,
                      scale="baseline", coherence=True, batch_size=32, structure_magnitude=True, alpha=0.05,
                      brittleness_ratio=5.0, fisher_texts=8, fisher_sigma=0.05)


def _intervention_options(given: Optional[Dict[str, Any]], seed: int, texts: Sequence[str]):
    """Experiment 2's options with the defaults filled in, and its prompts: the first words of the
    first texts that have more words than that (None when Experiment 2 is not asked for)."""
    if given is None:
        return None
    unknown = set(given) - set(_EXP2_DEFAULTS) - {"seed"}
    if unknown:
        _raise("interventions", f"has unknown keys {sorted(unknown)}; known: {sorted(_EXP2_DEFAULTS)} and 'seed'")
    o = dict(_EXP2_DEFAULTS, seed=seed)
    o.update(given)
    if int(o["prompts"]) < 2:
        _raise("interventions", f"needs at least 2 prompts for the paired t-tests, got {o['prompts']}")
    if int(o["samples_per_prompt"]) < 2:
        _raise("interventions", "needs samples_per_prompt >= 2 (Self-BLEU compares a prompt's samples)")
    words = int(o["prompt_words"])
    prompts = [" ".join(t.split()[:words]) for t in texts if len(t.split()) > words][:int(o["prompts"])]
    if len(prompts) < int(o["prompts"]):
        _raise("interventions", f"asks for {o['prompts']} prompts but only {len(prompts)} texts have more than "
                                f"{words} words")
    o["prompt_texts"] = prompts
    o["fisher_corpus"] = list(texts[:int(o["fisher_texts"])])
    return o


def _run_interventions(m: StudyModel, report: Any, o: Dict[str, Any], progress: bool):
    """Experiment 2 on one model, with the scales its Experiment 1 report gives."""
    from .hf import interventions as iv

    scales, source = _L.scales_of(report)
    embed = None
    if o["coherence"]:
        from .models import sentence_embedder

        embed = sentence_embedder()
    n = len(o["prompt_texts"]) * int(o["samples_per_prompt"])
    _progress(progress, f"{m.name}: Experiment 2, {n} samples x 4 conditions (scales: {source}; "
                        f"L {scales['L']}, I {scales['I']}, G {scales['G']})")
    result = iv.run_intervention(m.model, m.tokenizer, o["prompt_texts"], scales, sigma=o["sigma"], scale=o["scale"],
                                 samples_per_prompt=int(o["samples_per_prompt"]),
                                 max_new_tokens=int(o["max_new_tokens"]), seed=int(o["seed"]),
                                 batch_size=int(o["batch_size"]), embed=embed, model_name=m.name, family=m.family,
                                 scales_source=source)
    result.noise_response = None
    if o["fisher_corpus"]:
        from .hf.noise_response import noise_response

        _progress(progress, f"{m.name}: eq. (30) check on {len(o['fisher_corpus'])} texts")
        result.noise_response = noise_response(m.model, m.tokenizer, o["fisher_corpus"], scales,
                                               sigma=float(o["fisher_sigma"]), probes=8, draws=8, seed=int(o["seed"]))
    return result


def _noise_response_markdown(runs: Dict[str, Any]) -> str:
    """Eq. (30) per model and scale: predicted 1/2 sum std_l^2 tr F^(l) against the measured rise."""
    rows = [(name, scale, v) for name, r in runs.items() if getattr(r, "noise_response", None)
            for scale, v in r.noise_response.items()]
    if not rows:
        return ""
    out = ["## Eq. (30): loss rise per sigma^2 against 1/2 sum tr F (model Fisher) per scale", "",
           f"Noise sigma = {rows[0][2]['sigma']:g} x each layer's std, antithetic pairs; tr F by Hutchinson over "
           "tokens with labels drawn from the model (infoscale.hf.noise_response). Eq. (30) predicts measured = "
           "predicted on model-drawn labels; on the texts' own tokens the slope is 1/2 tr H instead.", "",
           "| model | scale | layers | predicted | measured (model labels) | ratio | measured (data) |",
           "|---|---|---|---|---|---|---|"]
    for name, scale, v in rows:
        out.append(f"| {name} | {scale} | {v['layers'][0]}..{v['layers'][-1]} | {v['predicted']:.3f} +- "
                   f"{v['predicted_se']:.3f} | {v['measured_model']:.3f} +- {v['measured_model_se']:.3f} | "
                   f"{v['ratio']:.2f} | {v['measured_data']:.3f} +- {v['measured_data_se']:.3f} |")
    return "\n".join(out) + "\n"


def _read_labels(folder: pathlib.Path, texts: Sequence[str]) -> Dict[str, Any]:
    """A labels folder as models/austen/labels lays it out: offsets.npy (texts + 1) and one
    <task>.npy of per-token classes per task."""
    offsets = np.load(folder / "offsets.npy")
    if len(offsets) != len(texts) + 1:
        _raise("labels", f"{folder}/offsets.npy has {len(offsets)} entries for {len(texts)} texts")
    out = {}
    for path in sorted(folder.glob("*.npy")):
        if path.stem in ("offsets", "tokens"):
            continue
        y = np.load(path).astype(np.int64)
        if len(y) != offsets[-1]:
            _raise("labels", f"{path} has {len(y)} labels, offsets.npy covers {offsets[-1]} tokens")
        out[path.stem] = [y[offsets[i]:offsets[i + 1]] for i in range(len(texts))]
    return out


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m infoscale.study", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", default=[], metavar="NAME:FAMILY:FOLDER",
                    help="a Hugging Face causal LM folder (repeat; default: the four shipped decoders)")
    ap.add_argument("--tokenizer", help="tokenizer folder for --model (default: each model's folder)")
    ap.add_argument("--texts", help="one text per line (default: the shipped labelled held-out segments)")
    ap.add_argument("--labels", help="labels folder: offsets.npy + <task>.npy (default with the shipped text: POS, "
                                     "dependency, NER)")
    ap.add_argument("--no-labels", action="store_true", help="no probes: S1 and S3 only")
    ap.add_argument("--texts-limit", type=int, help="use only the first N texts")
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--probe", choices=("logistic", "mlp", "ridge", "mlp_minibatch"), default="logistic",
                    help="logistic (default), mlp (the paper's 128-unit MLP), ridge (closed form, fastest) or "
                         "mlp_minibatch (the MLP by mini-batches, for wide layers)")
    ap.add_argument("--probe-projection", type=int, default=0,
                    help="probes on the top K principal components of each layer (default 0: every feature)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--normalization", choices=NORMALIZATIONS, default="max")
    ap.add_argument("--interventions", action="store_true",
                    help="also run Experiment 2 (noise in each scale while generating: Table 2, predictions 2.1, 3.1)")
    ap.add_argument("--prompts", type=int, default=200,
                    help="Experiment 2: prompts (x samples = samples per condition; 200 x 5 = the paper's 1,000; the "
                         "shipped corpus has 215 texts longer than the 8 prompt words)")
    ap.add_argument("--samples-per-prompt", type=int, default=5)
    ap.add_argument("--max-new-tokens", type=int, default=48)
    ap.add_argument("--sigma", type=float, default=0.1, help="Experiment 2: noise / activation std (eq. 7)")
    ap.add_argument("--no-coherence", action="store_true", help="Experiment 2 without the SBERT coherence metric")
    ap.add_argument("--out", default="build/study", help="folder for report.md, study.json and figures/")
    ap.add_argument("--quiet", action="store_true", help="no progress on stderr")
    ap.add_argument("--summarise", metavar="FOLDER",
                    help="write only the claims ledger's summary (claims.json) of an earlier run's study.json and "
                         "generations.json in FOLDER to --out")
    args = ap.parse_args(argv)
    if args.summarise:
        folder = pathlib.Path(args.summarise)
        data = json.loads((folder / "study.json").read_text(encoding="utf-8"))
        runs = folder / "generations.json"
        responses = ({n: r.get("noise_response") for n, r in json.loads(runs.read_text(encoding="utf-8")).items()}
                     if runs.exists() else {})
        out = pathlib.Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "claims.json").write_text(json.dumps(claims_summary(data, responses), indent=1), encoding="utf-8")
        return 0

    import torch

    torch.set_num_threads(min(2, os.cpu_count() or 1))
    if args.model:
        import transformers

        from .models import load_causal_lm

        models = []
        for spec in args.model:
            parts = spec.split(":", 2)
            if len(parts) != 3 or not all(parts):
                _raise("--model", f"is {spec!r}; expected NAME:FAMILY:FOLDER")
            name, family, folder = parts
            if (pathlib.Path(folder) / "model.safetensors").is_file():
                model, tok = load_causal_lm(folder, args.tokenizer or folder, "study")
            else:  # sharded or other layouts: transformers' own loader
                model = transformers.AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager").eval()
                tok = transformers.AutoTokenizer.from_pretrained(args.tokenizer or folder)
            models.append(StudyModel(name, family, model, tok))
    else:
        models = shipped_models()
    if args.texts:
        texts = pathlib.Path(args.texts).read_text(encoding="utf-8").splitlines()
        labels = _read_labels(pathlib.Path(args.labels), texts) if args.labels else None
    else:
        texts, labels, _ = shipped_corpus()
        if args.labels:
            labels = _read_labels(pathlib.Path(args.labels), texts)
    if args.no_labels:
        labels = None
    if args.texts_limit:
        texts = texts[:args.texts_limit]
        if labels:
            labels = {k: v[:args.texts_limit] for k, v in labels.items()}
    study = run_study(models, texts, labels, resamples=args.resamples, seed=args.seed, probe=args.probe,
                      probe_projection=args.probe_projection, folds=args.folds, normalization=args.normalization, progress=not args.quiet,
                      interventions=dict(prompts=args.prompts, samples_per_prompt=args.samples_per_prompt,
                                         max_new_tokens=args.max_new_tokens, sigma=args.sigma,
                                         coherence=not args.no_coherence) if args.interventions else None)
    paths = study.write(args.out)
    print(study.markdown())
    print(f"\nwritten: {paths['markdown']}, {paths['json']}, figures in {pathlib.Path(paths['positions']).parent}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Error as e:
        print(f"infoscale.study: {e}", file=sys.stderr)
        sys.exit(2)
