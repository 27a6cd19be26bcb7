#!/usr/bin/env bash
# Builds everything and runs every test: the suite in Release, the suite under AddressSanitizer +
# UndefinedBehaviorSanitizer, the Python module's tests, the llama.cpp adapter's, the CUDA policy
# through nvcc (compile and link; run too where a GPU exists), the fuzzers, every header compiled
# on its own, and an outside project against the installed package. Installs what it needs first,
# and prints each stage's time at the end. Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)

jobs=${INFOSCALE_JOBS:-$(nproc)}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
started=$SECONDS
timings=()
step() {
  [ ${#timings[@]} -gt 0 ] && timings[-1]+=" $((SECONDS - stage_started))"
  stage_started=$SECONDS
  timings+=("$*|")
  printf '\n=== [%d s] %s\n' $((SECONDS - started)) "$*"
}
summary() {
  step "done"
  printf '\nstage times (s):\n'
  for t in "${timings[@]::${#timings[@]}-1}"; do printf '  %5s  %s\n' "${t##*| }" "${t%%|*}"; done
}

# The next stage's build starts in the background at the lowest priority while a stage runs its
# tests, so it only takes the cores the tests leave idle (pytest and most test programs use one).
# Its output goes to build/prefetch/NAME.log and its status is not read: the stage that needs it
# waits for it, then runs its own build, a no-op when the prefetch succeeded and the place where
# a compile error is reported when it did not.
declare -A prefetched=()
prefetch() {  # name command... (a function of this script or a program)
  local name=$1
  shift
  mkdir -p build/prefetch
  (renice -n 19 -p "$BASHPID" >/dev/null && "$@") >"build/prefetch/$name.log" 2>&1 &
  prefetched[$name]=$!
}
await() {
  if [ -n "${prefetched[$1]:-}" ]; then wait "${prefetched[$1]}" || true; fi
  unset "prefetched[$1]"
}
kill_tree() {
  local child
  for child in $(pgrep -P "$1" || true); do kill_tree "$child"; done
  kill "$1" 2>/dev/null || true
}
trap 'for pid in "${prefetched[@]}"; do kill_tree "$pid"; done' EXIT

configure_sanitize() {
  # -O1 -g1 (line tables): the optimisation ASan's authors recommend, with file:line in every
  # report; it compiles in ~55% of -O2 -g's time (measured on tests/unit/entropic/calibration.cpp).
  cmake -S . -B build/sanitize "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINFOSCALE_SANITIZE=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DINFOSCALE_UNITY_TESTS=ON \
    -DINFOSCALE_BUILD_EXAMPLES=OFF -DINFOSCALE_BUILD_BENCHMARKS=OFF >/dev/null
}
# Every public header compiled on its own (CMAKE_VERIFY_INTERFACE_HEADER_SETS), by clang: a second
# compiler beside the suite's GCC, and twice as fast on these headers (claims/ledger.hpp: 17 s
# against 36 s), whose inline functions instantiate most of the library.
build_headers() {
  cmake -S . -B build/headers "${generator[@]}" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_VERIFY_INTERFACE_HEADER_SETS=ON -DINFOSCALE_BUILD_TESTS=OFF -DINFOSCALE_BUILD_EXAMPLES=OFF \
    -DINFOSCALE_BUILD_BENCHMARKS=OFF -DINFOSCALE_BUILD_TOOLS=OFF >/dev/null &&
    cmake --build build/headers -j"$jobs" --target all_verify_interface_header_sets
}
nvcc_bin=$(command -v nvcc || { [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc; } || true)
build_cuda() {
  cmake -S . -B build/cuda "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DINFOSCALE_ENABLE_CUDA=ON \
    -DCMAKE_CUDA_COMPILER="$nvcc_bin" \
    -DINFOSCALE_BUILD_EXAMPLES=OFF -DINFOSCALE_BUILD_BENCHMARKS=OFF -DINFOSCALE_BUILD_TOOLS=OFF >/dev/null &&
    cmake --build build/cuda -j"$jobs" --target infoscale_cuda_tests infoscale_gpu_bench
}

step "Dependencies (scripts/install-deps.sh)"
bash scripts/install-deps.sh

step "Release build and test suite"
# The suite in unity batches of 8 files (tests/CMakeLists.txt): a third less compile time.
cmake -S . -B build/release "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DINFOSCALE_UNITY_TESTS=ON \
  -DCMAKE_INSTALL_PREFIX="$root/build/prefix" >/dev/null
cmake --build build/release -j"$jobs"
prefetch headers build_headers  # checked at the end
ctest --test-dir build/release --output-on-failure -j"$jobs"

step "AddressSanitizer + UndefinedBehaviorSanitizer"
configure_sanitize
cmake --build build/sanitize -j"$jobs"  # the suite, and the CLI with its end-to-end tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/sanitizers/ubsan.supp" \
  ctest --test-dir build/sanitize --output-on-failure -j"$jobs"

step "Python module (nanobind): build, install into .venv, pytest against numpy/scipy"
bash scripts/llama-cpp.sh deps  # its pip packages, before anything imports from the venv
INFOSCALE_INSTALL_ONLY=1 bash python/test.sh
# pytest runs one process: the llama.cpp and nvcc builds take the other core meanwhile.
prefetch llama env INFOSCALE_JOBS="$jobs" bash scripts/llama-cpp.sh build
if [ -n "$nvcc_bin" ]; then prefetch cuda build_cuda; fi
bash python/test.sh  # the module is up to date: pip reinstalls it without compiling, then pytest

step "llama.cpp eval-callback adapter against llama.cpp 0c1e570 (llama-cpp-python 0.3.36 sdist)"
await llama
prefetch fuzz bash fuzz/run.sh build
INFOSCALE_JOBS="$jobs" bash scripts/llama-cpp.sh

if [ -n "$nvcc_bin" ]; then
  step "CUDA policy through nvcc"
  await cuda
  build_cuda
  ctest --test-dir build/cuda -R infoscale_cuda_tests --output-on-failure
else
  step "CUDA policy: no nvcc on this machine, skipped"
fi

step "Fuzz the npy, safetensors, token-line and layer-state readers (libFuzzer, ASan + UBSan, 20 s side by side)"
await fuzz
bash fuzz/run.sh 20

step "Every public header on its own (clang++-14)"
await headers
build_headers

step "Install, then an outside project finds the package"
rm -rf build/prefix build/consumer
cmake --install build/release >/dev/null
cmake -S tests/consumer -B build/consumer "${generator[@]}" -DCMAKE_PREFIX_PATH="$root/build/prefix" >/dev/null
cmake --build build/consumer -j"$jobs"
ctest --test-dir build/consumer --output-on-failure
summary
