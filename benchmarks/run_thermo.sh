#!/usr/bin/env bash
# Builds bench_thermo, runs it and the numpy/scipy reference in the same run, prints one table.
# Usage: bash benchmarks/run_thermo.sh [--quick]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh >/dev/null
cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DINFOSCALE_BUILD_TESTS=OFF \
  -DINFOSCALE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/bench --target bench_thermo >/dev/null
out=$(mktemp -d)
./build/bench/benchmarks/bench_thermo --json "$@" >"$out/infoscale.jsonl"
# OPENBLAS_* only slow numpy's BLAS, which this benchmark does not use; unset as the env notes say.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/thermo_reference.py "$@" >"$out/reference.jsonl"
.venv/bin/python - "$out" <<'PY'
import json, sys, os
d = sys.argv[1]
rows = [json.loads(l) for l in open(os.path.join(d, "infoscale.jsonl"))]
ref = [json.loads(l) for l in open(os.path.join(d, "reference.jsonl"))]
bw = next(r["gbs"] for r in rows if r["kind"] == "bandwidth")
print(f"one-core read bandwidth: {bw:.2f} GB/s\n")
print(f"| V | rows | infoscale seq GB/s | % of 1-core bw | par GB/s | numpy GB/s | scipy GB/s | seq / scipy | seq / numpy |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    if r["kind"] != "infoscale" or r["policy"] != "seq":
        continue
    key = (r["V"], r["rows"])
    par = next((x["gbs"] for x in rows if x["kind"] == "infoscale" and x["policy"] == "par" and (x["V"], x["rows"]) == key), None)
    sp = next((x["gbs"] for x in ref if x["kind"] == "scipy" and (x["V"], x["rows"]) == key), None)
    npy = next((x["gbs"] for x in ref if x["kind"] == "numpy" and (x["V"], x["rows"]) == key), None)
    f = lambda x: "-" if x is None else f"{x:.2f}"
    ratio = lambda a, b: "-" if b is None else f"{a / b:.1f}x"
    print(f"| {key[0]} | {key[1]} | {r['gbs']:.2f} | {100 * r['gbs'] / bw:.0f}% | {f(par)} | {f(npy)} | {f(sp)} | {ratio(r['gbs'], sp)} | {ratio(r['gbs'], npy)} |")
print("\nCompute ceilings, one core, one 2048-element block resident in L1 (no memory traffic):\n")
print("| kernel | G elements/s | GB/s of fp32 it could consume | % of 1-core bw |")
print("|---|---:|---:|---:|")
for r in rows:
    if r["kind"] == "ceiling":
        print(f"| {r['name']} | {r['elements_per_s'] / 1e9:.2f} | {r['gbs']:.2f} | {100 * r['gbs'] / bw:.0f}% |")
PY
