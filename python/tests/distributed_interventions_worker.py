"""Run by tests/test_distributed_interventions.py under torchrun: Experiment 2 on a shipped decoder,
data-parallel (infoscale.distributed_interventions), written by rank 0 to OUT/two; with --reference
rank 0 then runs the 1-process infoscale.hf.interventions.run_intervention into OUT/one; with
--fail-rank R the job then runs again with rank R raising at its --fail-after-th forward pass (in
the middle of its first generation), into OUT/fail, which must never be written. One launch serves
every check (starting torch dominates the cost)."""

import argparse
import os
import pathlib

import torch

from infoscale import distributed as D
from infoscale import distributed_interventions as DI
from infoscale import models
from infoscale.hf import interventions as iv
from infoscale.study import _intervention_options, shipped_corpus

ap = argparse.ArgumentParser()
ap.add_argument("--model", default="llama-w32")
ap.add_argument("--prompts", type=int, default=4)
ap.add_argument("--samples-per-prompt", type=int, default=2)
ap.add_argument("--max-new-tokens", type=int, default=6)
ap.add_argument("--batch-size", type=int, default=2)
ap.add_argument("--sigma", type=float, default=0.5)
ap.add_argument("--out", required=True)
ap.add_argument("--reference", action="store_true")
ap.add_argument("--fail-rank", type=int)
ap.add_argument("--fail-after", type=int, default=6)
a = ap.parse_args()

if "RANK" in os.environ:
    D.init_process_group("gloo", timeout_s=60)
rank = int(os.environ.get("RANK", "0"))
model, tok = models.load_shipped(a.model)
texts, _, _ = shipped_corpus()
o = _intervention_options(dict(prompts=a.prompts, samples_per_prompt=a.samples_per_prompt,
                               max_new_tokens=a.max_new_tokens, fisher_texts=0), 0, texts)
blocks = len(getattr(model, "base_model", model).layers)
scales = {"L": list(range(0, blocks // 3)), "I": list(range(blocks // 3, 2 * blocks // 3)),
          "G": list(range(2 * blocks // 3, blocks))}
run = dict(sigma=a.sigma, samples_per_prompt=a.samples_per_prompt, max_new_tokens=a.max_new_tokens, seed=3,
           batch_size=a.batch_size, model_name=a.model, family="llama", scales_source="equal thirds (test)")
out = pathlib.Path(a.out)
result = DI.run_intervention(model, tok, o["prompt_texts"], scales, **run)
if result is not None:
    result.write(out / "two")
    if a.reference:
        iv.run_intervention(model, tok, o["prompt_texts"], scales, **run).write(out / "one")
if a.fail_rank == rank:
    calls = [0]

    def fail(module, args):
        calls[0] += 1
        if calls[0] == a.fail_after:
            raise RuntimeError(f"injected failure on rank {rank} at forward pass {calls[0]}")
    getattr(model, "base_model", model).register_forward_pre_hook(fail)
if a.fail_rank is not None:
    result = DI.run_intervention(model, tok, o["prompt_texts"], scales, **run)
    if result is not None:
        result.write(out / "fail")
if torch.distributed.is_initialized():
    torch.distributed.destroy_process_group()
