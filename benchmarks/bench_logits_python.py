"""The logits kernels as a user gets them: the installed Python module (default build, baseline
x86-64 plus run-time dispatch), one thread, against torch's log_softmax entropy and numpy/scipy in
the same run. Each ISA level is measured in a child process (INFOSCALE_ISA, read once per process).

Usage: .venv/bin/python benchmarks/bench_logits_python.py [--quick]
Prints a Markdown table: GB/s of logits read, G logits/s, and the ratio to torch.
"""
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from thermo_reference import best_seconds  # noqa: E402  (the benchmarks' one timing rule)

ROWS, VOCAB = 64, 128256


def logits(dtype):
    import torch

    z = torch.from_numpy(np.random.default_rng(0).normal(0.0, 3.0, size=(ROWS, VOCAB)).astype(np.float32))
    return z.to(dtype)


def child(level):
    """Runs in a process started with INFOSCALE_ISA=level: infoscale's rows."""
    import torch

    import infoscale

    out = []
    for dtype_name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        z = logits(dtype)
        for precision in ("exact", "fast"):
            s = best_seconds(lambda: infoscale.entropy_from_logits(z, policy="seq", precision=precision))
            out.append({"who": f"infoscale {precision} ({level})", "dtype": dtype_name, "seconds": s,
                        "bytes": z.element_size() * z.numel()})
    print(json.dumps(out))


def references():
    import scipy.special
    import scipy.stats
    import torch

    torch.set_num_threads(1)
    out = []
    for dtype_name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        z = logits(dtype)

        def torch_entropy():
            logp = torch.log_softmax(z.float() if dtype != torch.float32 else z, dim=-1)
            return -(logp.exp() * logp).sum(-1)

        out.append({"who": "torch log_softmax entropy (1 thread)", "dtype": dtype_name,
                    "seconds": best_seconds(torch_entropy), "bytes": z.element_size() * z.numel()})
        if dtype == torch.float32:
            zn = z.numpy()
            out.append({"who": "scipy softmax + entropy", "dtype": dtype_name,
                        "seconds": best_seconds(lambda: scipy.stats.entropy(scipy.special.softmax(zn, axis=1), axis=1)),
                        "bytes": zn.nbytes})
    return out


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    import infoscale  # noqa: F401  (fails early when the module is not installed)

    rows = references()
    for level in ("baseline", "avx2", "avx512"):
        env = dict(os.environ, INFOSCALE_ISA=level, OMP_NUM_THREADS="1")
        text = subprocess.run([sys.executable, "-P", __file__, "--child", level], env=env, check=True,
                              capture_output=True, text=True).stdout
        rows.extend(json.loads(text.strip().splitlines()[-1]))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"{ROWS} x {VOCAB} logits, one thread, {cpu}; best of repeated runs\n")
    print("| kernel | dtype | GB/s | G logits/s | vs torch |")
    print("|---|---|---:|---:|---:|")
    torch_s = {r["dtype"]: r["seconds"] for r in rows if r["who"].startswith("torch")}
    for r in rows:
        gbs = r["bytes"] / r["seconds"] / 1e9
        glogits = ROWS * VOCAB / r["seconds"] / 1e9
        print(f"| {r['who']} | {r['dtype']} | {gbs:.2f} | {glogits:.2f} | {torch_s[r['dtype']] / r['seconds']:.2f}x |")
    print("\n(a level the CPU lacks runs the widest one it has: INFOSCALE_ISA only lowers the level)")


if __name__ == "__main__":
    main()
