#!/usr/bin/env bash
# The llama.cpp eval-callback adapter (include/infoscale/interop/llama_cpp.hpp) against a real
# llama.cpp: fetches the llama-cpp-python sdist from PyPI (it vendors llama.cpp), builds only libllama
# and ggml's CPU back end from it, builds the adapter's tests and examples against that, writes a
# tiny random LLaMA GGUF (tests/fixtures/gguf/make_tiny_gguf.py) and runs the tests. Idempotent:
# the sdist, the llama.cpp build and the model are reused on later runs.
#
#   bash scripts/llama-cpp.sh          # build + test (the CI stage)
#   bash scripts/llama-cpp.sh deps     # only the pip packages it needs (scripts/test.sh, before pytest)
#   bash scripts/llama-cpp.sh build    # only the builds (scripts/test.sh starts it beside pytest)
#   bash scripts/llama-cpp.sh bench    # also: Release llama.cpp, an 8 x 512 model, callback overhead
#
# The test build compiles llama.cpp and the adapter at -O0: on 2 cores llama.cpp takes 52 s at -O0,
# 65 s at -O1 and 95 s at -O3, and the tests only run a 4-layer, 64-wide model (0.3 s at -O0).
# INFOSCALE_LLAMA_CPP_OPT overrides (e.g. "-O3"); `bench` uses its own -O3 build for timings.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
mode=${1:-test}
version=0.3.36  # llama-cpp-python; its vendor/llama.cpp is ggml-org/llama.cpp@0c1e570 (ggml 0.25.3)
work=build/llama-cpp
jobs=${INFOSCALE_JOBS:-2}
opt=${INFOSCALE_LLAMA_CPP_OPT:--O0}
started=$SECONDS
step() { printf '\n=== [%d s] %s\n' $((SECONDS - started)) "$*"; }

bash scripts/install-deps.sh >/dev/null
venv="$root/.venv"
stamp="$venv/.llama-cpp-requirements-installed"
if [ ! -f "$stamp" ] || ! cmp -s "$stamp" tests/fixtures/gguf/requirements.txt; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r tests/fixtures/gguf/requirements.txt
  cp tests/fixtures/gguf/requirements.txt "$stamp"
fi
[ "$mode" = deps ] && exit 0

sdist="$work/llama_cpp_python-$version.tar.gz"
unpacked="$work/llama_cpp_python-$version"
source_dir="$unpacked/vendor/llama.cpp"
if [ ! -f "$source_dir/CMakeLists.txt" ]; then
  if [ ! -f "$sdist" ]; then
    step "Fetch llama-cpp-python $version (sdist, PyPI)"
    # scikit-build-core (pinned in requirements.txt) is already in the venv: without build isolation
    # pip prepares the sdist's metadata in seconds instead of building a fresh environment.
    "$venv/bin/python" -m pip download -q --disable-pip-version-check --no-deps --no-binary :all: \
      --no-build-isolation "llama-cpp-python==$version" -d "$work"
  fi
  # llama.cpp and its git directory (the sdist keeps the submodule's), so its build records the commit.
  rm -rf "$unpacked"
  tar -xzf "$sdist" -C "$work" "llama_cpp_python-$version/vendor/llama.cpp" \
    "llama_cpp_python-$version/.git/modules/vendor/llama.cpp"
fi

# libllama + ggml-base + ggml-cpu, static; no tools, examples, tests, server, common or HTTPS.
build_llama() {  # build_dir prefix optimisation
  if [ ! -f "$1/CMakeCache.txt" ]; then
    cmake -S "$source_dir" -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_FLAGS_RELEASE="$3 -DNDEBUG" -DCMAKE_CXX_FLAGS_RELEASE="$3 -DNDEBUG" \
      -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF -DGGML_CCACHE=OFF -DLLAMA_BUILD_COMMON=OFF \
      -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
      -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF -DCMAKE_INSTALL_PREFIX="$root/$2" >/dev/null
  fi
  local t=$SECONDS
  cmake --build "$1" -j"$jobs" --target llama
  cmake --install "$1" >/dev/null
  echo "llama.cpp ($3) built in $((SECONDS - t)) s"
}

build_adapter() {  # build_dir llama_prefix model optimisation
  if [ ! -f "$1/CMakeCache.txt" ]; then
    cmake -S tests/llama_cpp -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_FLAGS_RELEASE="$4 -DNDEBUG" -DCMAKE_PREFIX_PATH="$root/$2" \
      -DLLAMA_CPP_SOURCE_DIR="$root/$source_dir" -DINFOSCALE_TINY_GGUF="$root/$3" >/dev/null
  fi
  local t=$SECONDS
  cmake --build "$1" -j"$jobs"
  echo "adapter tests and examples ($4) built in $((SECONDS - t)) s"
}

model="$work/models/tiny.gguf"
generator=tests/fixtures/gguf/make_tiny_gguf.py
if [ ! -f "$model" ] || [ "$generator" -nt "$model" ]; then
  mkdir -p "$work/models"
  "$venv/bin/python" "$generator" "$model"
fi

commit=$(git -C "$source_dir" rev-parse --short HEAD)
step "llama.cpp $commit (llama-cpp-python $version): libllama + ggml CPU back end ($opt, -j$jobs)"
build_llama "$work/build$opt" "$work/prefix$opt" "$opt"
step "Adapter tests and examples"
build_adapter "$work/adapter$opt" "$work/prefix$opt" "$model" "$opt"
if [ "$mode" = build ]; then
  echo "llama-cpp.sh: built in $((SECONDS - started)) s (mode build: no tests)"
  exit 0
fi
ctest --test-dir "$work/adapter$opt" --output-on-failure
"$work/adapter$opt/examples/llama_cpp_report" "$model" "the cat sat on the mat" \
  "in the beginning was the word" "then there were three" >/dev/null
cli="$work/adapter$opt/infoscale/tools/infoscale"  # the `infoscale` program linked with llama.cpp
step "Entropy function S_L of austen-llama-a by Monte Carlo: infoscale entropy-function (KV caches reused)"
# Three Austen phrases, BOS (0) first: "It is a truth universally acknowledged", "Mr. Darcy was",
# "She could not help" (ids from models/austen/tokenizer).
"$cli" entropy-function models/austen/gguf/austen-llama-a-f16.gguf \
  --tokens tests/fixtures/gguf/thermo_prompts.txt --samples 64 --max-length 16 --seed 0
"$cli" entropy-function models/austen/gguf/austen-llama-a-f16.gguf \
  --tokens tests/fixtures/gguf/thermo_prompts.txt --samples 64 --max-length 16 --seed 0 --json > "$work/thermo_llama_a.json"
# The default is the batched PLM (interop/llama_cpp_batched_lm.hpp): 16 KV sequences, a round of 16
# samples per decode. --batch 1 is the one-sequence PLM: the same uniforms, but a draw can flip where
# float rounding moves a CDF boundary, so per prompt the two estimates must agree within 4 combined SE.
"$cli" entropy-function models/austen/gguf/austen-llama-a-f16.gguf \
  --tokens tests/fixtures/gguf/thermo_prompts.txt --samples 64 --max-length 16 --seed 0 --batch 1 --json \
  > "$work/thermo_llama_a_batch1.json"
python3 - "$work/thermo_llama_a_batch1.json" "$work/thermo_llama_a.json" <<'PY'
import json, math, sys
one, many = (json.load(open(p)) for p in sys.argv[1:3])
assert (one["batch"], many["batch"], many["kv"]) == (1, 16, "per-sequence"), (one["batch"], many["batch"])
for p, q in zip(one["prompts"], many["prompts"]):
    z = (p["entropy"] - q["entropy"]) / math.hypot(p["standard_error"], q["standard_error"])
    print(f"prompt {p['stream']}: S_L {p['entropy']:.4f} +- {p['standard_error']:.4f} (batch 1, {p['seconds']:.2f} s)"
          f" vs {q['entropy']:.4f} +- {q['standard_error']:.4f} (batch 16, {q['seconds']:.2f} s), z = {z:+.2f}")
    assert abs(z) <= 4, z
PY
# The same estimates through Hugging Face (same seed and streams): agreement within 4 SE. Needs the
# Python module and torch (scripts/test.sh installs them in its Python stage, before this one).
hf=0
"$venv/bin/python" -P -c "import infoscale.hf.plm, infoscale.hf.collector, transformers" 2>/dev/null && hf=1
if [ "$hf" = 1 ]; then
  step "S_L through Hugging Face against llama.cpp"
  OMP_WAIT_POLICY=passive HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    "$venv/bin/python" -P tests/llama_cpp/check_hf_agreement.py "$work/thermo_llama_a.json" 2>&1 | grep -v "^Loading"
fi
step "Experiment 1's layer report of austen-llama-a: llama.cpp against Hugging Face"
# 16 label segments of models/austen/labels, each after <|endoftext|> (tests/fixtures/gguf/
# layer_segments.txt), through the adapter into the library's layer_analysis. Minimum prominence
# 0.02: on 16 segments E's peaks lie below the paper's 0.3, and the test compares peaks and
# boundaries too. Passive OpenMP waiting: spinning ggml workers on a shared machine took 3x longer.
OMP_WAIT_POLICY=passive "$work/adapter$opt/examples/llama_cpp_report" models/austen/gguf/austen-llama-a-f16.gguf \
  --tokens tests/fixtures/gguf/layer_segments.txt --min-prominence 0.02 --json "$work/layers_llama_a.json"
# With labels (POS and NER BIO of the same segments; the leading <|endoftext|> is class 9999 in
# both) and ridge probes: S2 through llama.cpp, for the same comparison.
OMP_WAIT_POLICY=passive "$work/adapter$opt/examples/llama_cpp_report" models/austen/gguf/austen-llama-a-f16.gguf \
  --tokens tests/fixtures/gguf/layer_segments.txt --min-prominence 0.02 --probe ridge \
  --labels tests/fixtures/gguf/layer_pos_labels.txt --labels tests/fixtures/gguf/layer_ner_labels.txt \
  --json "$work/layers_llama_a_labelled.json"
step "The multi-scale study over GGUF models: infoscale study on austen-llama-a and -b, one family's two runs"
# `infoscale study` runs each .gguf model as `infoscale layers MODEL.gguf` does (the library's
# interop/llama_cpp_layers.hpp), then run_study. Its per-model report must be llama_cpp_report's,
# key for key, and `infoscale layers MODEL.gguf`'s too.
rm -rf "$work/study_gguf"
OMP_WAIT_POLICY=passive "$cli" study \
  llama-a:llama:models/austen/gguf/austen-llama-a-f16.gguf llama-b:llama:models/austen/gguf/austen-llama-b-f16.gguf \
  --tokens tests/fixtures/gguf/layer_segments.txt --min-prominence 0.02 --probe ridge \
  --labels tests/fixtures/gguf/layer_pos_labels.txt --labels tests/fixtures/gguf/layer_ner_labels.txt \
  --out "$work/study_gguf" --json > "$work/study_gguf.json"
OMP_WAIT_POLICY=passive "$cli" layers models/austen/gguf/austen-llama-a-f16.gguf --no-progress \
  --tokens tests/fixtures/gguf/layer_segments.txt --min-prominence 0.02 --probe ridge \
  --labels tests/fixtures/gguf/layer_pos_labels.txt --labels tests/fixtures/gguf/layer_ner_labels.txt \
  --json > "$work/layers_cli_llama_a.json"
python3 - "$work/study_gguf.json" "$work/layers_llama_a_labelled.json" "$work/study_gguf" "$work/layers_cli_llama_a.json" <<'PY'
import json, os, sys
study = json.load(open(sys.argv[1]))
single = json.load(open(sys.argv[2]))
names = [m["name"] for m in study["models"]]
assert names == ["llama-a", "llama-b"], names
assert study["models"][0]["report"] == single, "the study's llama-a report differs from llama_cpp_report's"
assert json.load(open(sys.argv[4])) == single, "infoscale layers MODEL.gguf differs from llama_cpp_report"
saved = json.load(open(os.path.join(sys.argv[3], "study.json")))
assert saved == study, "study.json differs from the printed JSON"
for f in ("report.md", "figures/positions.svg", "figures/llama-a.svg", "figures/llama-b.svg"):
    assert os.path.getsize(os.path.join(sys.argv[3], f)) > 0, f
print("infoscale study: 2 GGUF models; llama-a's report equals llama_cpp_report's and infoscale layers'; "
      "report.md, study.json, 3 figures")
PY
# Usage errors (exit 2) that name the problem.
expect_usage_error() {  # pattern command...
  local pattern=$1 rc=0
  shift
  "$@" > /dev/null 2> "$work/usage.err" || rc=$?
  [ "$rc" = 2 ] && grep -q -- "$pattern" "$work/usage.err" || {
    echo "expected exit 2 and '$pattern' from: $*"; cat "$work/usage.err"; exit 1; }
}
expect_usage_error "is not NAME:FAMILY:DUMP or NAME:FAMILY:MODEL.gguf" \
  "$cli" study llama-a:models/austen/gguf/austen-llama-a-f16.gguf --tokens tests/fixtures/gguf/layer_segments.txt
expect_usage_error "a GGUF model needs --tokens" "$cli" layers models/austen/gguf/austen-llama-a-f16.gguf
expect_usage_error "--tokens and --labels are for GGUF models" "$cli" layers tests/fixtures/minilm/minilm_pride.safetensors \
  --tokens tests/fixtures/gguf/layer_segments.txt
# --kv chooses between layouts of several KV sequences: with one sequence it is a usage error, not ignored.
expect_usage_error "needs several KV sequences" "$cli" entropy-function models/austen/gguf/austen-llama-a-f16.gguf \
  --tokens tests/fixtures/gguf/thermo_prompts.txt --batch 1 --kv unified
# A prompt file with a token outside the vocabulary: a named error (exit 1), not a crash.
printf '0 40 41\n0 99999999\n' > "$work/bad_prompts.txt"
rc=0
"$cli" entropy-function models/austen/gguf/austen-llama-a-f16.gguf --tokens "$work/bad_prompts.txt" \
  > /dev/null 2> "$work/bad_prompts.err" || rc=$?
[ "$rc" = 1 ] && grep -q "line 2' holds 99999999, not a token id" "$work/bad_prompts.err" || {
  echo "entropy-function on a bad token: rc $rc"; cat "$work/bad_prompts.err"; exit 1; }
# Labels that do not fit the sequences are a clear error, not a crash.
if "$work/adapter$opt/examples/llama_cpp_report" models/austen/gguf/austen-llama-a-f16.gguf \
  --tokens tests/fixtures/gguf/thermo_prompts.txt --resamples 0 --labels tests/fixtures/gguf/layer_pos_labels.txt \
  --json "$work/layers_bad_labels.json" 2> "$work/bad_labels.err"; then
  echo "llama_cpp_report accepted 16 lines of labels for 3 sequences"; exit 1
fi
grep -q "has 16 lines of labels for 3 sequences" "$work/bad_labels.err" || { cat "$work/bad_labels.err"; exit 1; }
# Flash attention on: no attention tensors, so the report must be S1 alone and say why.
OMP_WAIT_POLICY=passive "$work/adapter$opt/examples/llama_cpp_report" models/austen/gguf/austen-llama-a-f16.gguf \
  --tokens tests/fixtures/gguf/thermo_prompts.txt --resamples 0 --flash-attention \
  --json "$work/layers_llama_a_flash.json"
if [ "$hf" = 1 ]; then
  OMP_WAIT_POLICY=passive HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$venv/bin/python" -P \
    tests/llama_cpp/check_hf_layers.py "$work/layers_llama_a.json" tests/fixtures/gguf/layer_segments.txt \
    "$work/layers_llama_a_flash.json" --labelled "$work/layers_llama_a_labelled.json" \
    tests/fixtures/gguf/layer_pos_labels.txt tests/fixtures/gguf/layer_ner_labels.txt 2>&1 | grep -v "^Loading"
else
  echo "llama-cpp.sh: HF agreement checks skipped (no infoscale module with torch in .venv: bash python/test.sh)"
fi
echo "llama-cpp.sh: tests passed in $((SECONDS - started)) s"

if [ "$mode" = bench ]; then
  step "Overhead of the callback (Release llama.cpp)"
  build_llama "$work/build-O3" "$work/prefix-O3" -O3
  build_adapter "$work/adapter-O3" "$work/prefix-O3" "$model" -O3
  large="$work/models/random-8x512.gguf"
  [ -f "$large" ] || "$venv/bin/python" "$generator" "$large" --layers 8 --embd 512 --heads 8 --heads-kv 8 \
    --ff 1408 --vocab 32000 --ctx 2048 --dtype f16
  for threads in 1 2; do  # 1 thread is the steadier figure on a shared machine
    for m in "$model" "$large"; do
      OMP_NUM_THREADS=$threads "$work/adapter-O3/examples/llama_cpp_overhead" "$m" --prompt 128 \
        --generate 32 --reps 9 --threads "$threads"
    done
  done
  step "The entropy function's cost: one KV sequence against a batch of them (Release, 1 thread)"
  for length in 16 64; do
    for run in 1: 16:per-sequence 64:per-sequence 16:unified 64:unified; do  # --kv needs --batch > 1
      kv=${run#*:}
      OMP_WAIT_POLICY=passive "$work/adapter-O3/infoscale/tools/infoscale" entropy-function \
        models/austen/gguf/austen-llama-a-f16.gguf --tokens tests/fixtures/gguf/thermo_prompts.txt \
        --samples 64 --max-length "$length" --seed 0 --batch "${run%%:*}" ${kv:+--kv "$kv"} --json \
        > "$work/thermo_cost_${length}_${run%%:*}_${run#*:}.json"
    done
  done
  # The 8 x 512, 32,000-token random model: weights 16x larger, so batching pays more (one prompt).
  head -n 1 tests/fixtures/gguf/thermo_prompts.txt > "$work/thermo_one_prompt.txt"
  for run in 1: 16:per-sequence 16:unified; do
    kv=${run#*:}
    OMP_WAIT_POLICY=passive "$work/adapter-O3/infoscale/tools/infoscale" entropy-function "$large" \
      --tokens "$work/thermo_one_prompt.txt" --samples 32 --max-length 16 --seed 0 --batch "${run%%:*}" \
      ${kv:+--kv "$kv"} --json > "$work/thermo_cost_large_${run%%:*}_${run#*:}.json"
  done
  python3 - "$work"/thermo_cost_*.json <<'PY'
import json, sys
runs = [json.load(open(path)) for path in sys.argv[1:]]
for j in sorted(runs, key=lambda j: (j["model"], j["max_length"], j["kv"] == "unified", j["batch"])):
    p = j["prompts"]
    evals, seconds = sum(q["evaluations"] for q in p), sum(q["seconds"] for q in p)
    estimates = ", ".join("%.2f +- %.2f" % (q["entropy"], q["standard_error"]) for q in p)
    print("%s, L = %2d, batch %2d (%s): %5d next-token laws in %6.2f s, %.3f ms each; S_L = %s"
          % (j["model"].split("/")[-1], j["max_length"], j["batch"], j["kv"], evals, seconds, 1e3 * seconds / evals,
             estimates))
PY
fi
