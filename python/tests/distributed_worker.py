"""Run by tests/test_distributed.py, under torchrun or alone: the data-parallel (or, with
--layer-parallel, the layer-parallel; with --probe-sums, also both with the ridge probes' normal-equation
sums) layer report of a shipped decoder over the first held-out segments, written as JSON by rank 0. --fail-rank makes that
rank raise (or --fail-mode kill: SIGKILL itself) at its first forward pass; --pipeline also writes
the single-process pipeline's report (infoscale.hf.layer_analysis) for comparison."""

import argparse
import os
import pathlib
import signal

import torch

from infoscale import distributed as D
from infoscale import models
from infoscale.hf import layer_analysis
from infoscale.study import TASKS, shipped_corpus

ap = argparse.ArgumentParser()
ap.add_argument("--model", default="llama-w32")
ap.add_argument("--texts", type=int, default=16)
ap.add_argument("--batch-size", type=int, default=4)
ap.add_argument("--resamples", type=int, default=200)
ap.add_argument("--out", required=True)
ap.add_argument("--fail-rank", type=int)
ap.add_argument("--fail-mode", choices=("raise", "kill"), default="raise")
ap.add_argument("--pipeline", action="store_true")
ap.add_argument("--probe-sums", action="store_true", help="also the reports with probe_sums=True, into OUT/sums")
ap.add_argument("--layer-parallel", action="store_true",
                help="also the layer-parallel report (ranks are pipeline stages), into OUT/layer")
a = ap.parse_args()

if "RANK" in os.environ:
    D.init_process_group("gloo", timeout_s=60)
rank = int(os.environ.get("RANK", "0"))
model, tok = models.load_shipped(a.model)
texts, labels, _ = shipped_corpus()
texts = texts[:a.texts]
labels = {k: labels[k][:a.texts] for k in TASKS}
if a.fail_rank == rank:
    def fail(module, args):
        if a.fail_mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError(f"injected failure on rank {rank}")
    getattr(model, "base_model", model).register_forward_pre_hook(fail)
options = dict(resamples=a.resamples, seed=3, probe="ridge", folds=5)
out = pathlib.Path(a.out)


def write(reports, folder):
    if reports is not None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, r in zip(("max", "minmax"), reports):
            (folder / f"report_{name}.json").write_text(r.to_json())
        (folder / "report.txt").write_text(str(reports[0]))


run = dict(labels=labels, batch_size=a.batch_size, normalizations=("max", "minmax"), source=a.model, **options)
reports = D.layer_reports(model, tok, texts, **run)
write(reports, out)
if a.layer_parallel:
    write(D.layer_parallel_reports(model, tok, texts, **run), out / "layer")
if a.probe_sums:  # the same with the ridge probes fitted from normal-equation sums
    write(D.layer_reports(model, tok, texts, probe_sums=True, **run), out / "sums")
    if a.layer_parallel:
        write(D.layer_parallel_reports(model, tok, texts, probe_sums=True, **run), out / "sums" / "layer")
if reports is not None:
    if a.pipeline:
        ref = layer_analysis(model, tok, texts, labels=labels, batch_size=a.batch_size, source=a.model, **options)
        (out / "pipeline.json").write_text(ref.report().to_json())
if torch.distributed.is_initialized():
    torch.distributed.destroy_process_group()
