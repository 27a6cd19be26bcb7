#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang++-14 (ASan + UBSan) and runs each for N seconds.
# Usage: bash fuzz/run.sh [SECONDS=30] [JOBS=1]; bash fuzz/run.sh build (only the harnesses)
# Findings (crashing inputs) land in build/fuzz/findings/; the corpus grows in build/fuzz/corpus/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-30}
jobs=${2:-1}
cxx=${CXX_FUZZ:-clang++-14}
out=build/fuzz
mkdir -p "$out" build/fuzz/findings
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -fno-omit-frame-pointer -Iinclude -isystem /usr/include/eigen3)
# The parsers build and fuzz side by side: the stage takes one run's time, not three.
pids=()
# A harness is rebuilt when it is older than its source or any library header (a no-op after
# `run.sh build`, which scripts/test.sh starts while other tests run).
for name in npy safetensors token_lines layer_state; do
  binary="$out/fuzz_${name}"
  if [ -x "$binary" ] && [ -z "$(find "fuzz/fuzz_${name}.cpp" include -newer "$binary" -print -quit)" ]; then
    continue
  fi
  "$cxx" "${flags[@]}" "fuzz/fuzz_${name}.cpp" -o "$binary" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
[ "$seconds" = build ] && exit 0
status=0
pids=()
for name in npy safetensors token_lines layer_state; do
  mkdir -p "$out/corpus/$name"
  # The seed corpus is read-only input; new inputs go to the build tree's corpus.
  parallel=()  # -jobs writes fuzz-N.log files into the current directory, so only when asked for
  [ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")
  "$out/fuzz_${name}" -max_total_time="$seconds" "${parallel[@]}" -print_final_stats=1 \
    -artifact_prefix="build/fuzz/findings/${name}-" "$out/corpus/$name" "fuzz/corpus/$name" \
    >"$out/fuzz_${name}.log" 2>&1 &
  pids+=($!)
done
names=(npy safetensors token_lines layer_state)
for i in 0 1 2 3; do
  name=${names[$i]}
  wait "${pids[$i]}" || status=$?
  echo "=== fuzz_${name}: ${seconds}s"
  grep -E "^#[0-9]+.*DONE|stat::|ERROR|SUMMARY|Done" "$out/fuzz_${name}.log" || true
done
ls build/fuzz/findings | grep -q . && { echo "findings in build/fuzz/findings/"; exit 1; }
exit "$status"
