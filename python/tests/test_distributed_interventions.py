"""Experiment 2 under torchrun (infoscale.distributed_interventions): 2 CPU ranks (gloo) give the
1-process run_intervention's generations, metrics, p-values and Table 2 exactly, and a rank that
raises mid-generation fails the job with the rank named and no result written."""

import json
import pathlib

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
from infoscale import models  # noqa: E402
from test_distributed import _env  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
WORKER = HERE / "distributed_interventions_worker.py"
pytestmark = pytest.mark.skipif("llama-w32" not in models.shipped_models(), reason="models/austen not present")


@pytest.fixture(scope="module")
def launch(tmp_path_factory):
    """One torchrun launch: the 2-rank run, rank 0's 1-process reference, then the run in which
    rank 1 raises (which is why the launch exits non-zero)."""
    import shutil
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("exp2")
    torchrun = shutil.which("torchrun", path=str(pathlib.Path(sys.executable).parent)) or "torchrun"
    run = subprocess.run([torchrun, "--nproc_per_node=2", "--standalone", str(WORKER), "--out", str(root),
                          "--reference", "--fail-rank", "1"], env=_env(), capture_output=True, text=True,
                         timeout=180)
    return root, run


def _without_world(text):
    return "\n".join(line for line in text.splitlines() if "data-parallel over" not in line)


def test_two_ranks_equal_the_one_process_run_exactly(launch):
    root, run = launch
    assert (root / "two" / "interventions.json").exists(), run.stderr[-3000:]
    one = json.loads((root / "one" / "interventions.json").read_text())
    two = json.loads((root / "two" / "interventions.json").read_text())
    assert two["notes"][-1] == "data-parallel over 2 rank(s): prompt batches of 2 dealt in contiguous blocks"
    for d in (one, two, one["summary"], two["summary"]):
        d["notes"] = [n for n in d["notes"] if "data-parallel over" not in n]
    # the same samples (texts), per-prompt metrics, baseline stds, t, p and brittleness, bit for bit
    assert one == two
    assert len(two["generations"]["baseline"]) == 4 and all(len(p) == 2 for p in two["generations"]["baseline"])
    assert any(two["generations"][s] != two["generations"]["baseline"] for s in ("L", "I", "G"))
    tables = [_without_world((root / d / "table2.md").read_text()) for d in ("one", "two")]
    assert tables[0] == tables[1] and "| L | 0..3 |" in tables[0]
    assert (root / "two" / "interventions.svg").read_text() != ""


def test_a_rank_that_raises_mid_generation_fails_the_job_and_writes_nothing(launch):
    root, run = launch
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "RankFailure" in output
    assert "rank 1: RuntimeError: injected failure on rank 1 at forward pass 6" in output
    assert not (root / "fail").exists()
