#!/usr/bin/env bash
# Builds everything and runs every test: the suite in Release (with every header compiled on its
# own), the suite under AddressSanitizer + UndefinedBehaviorSanitizer, the CUDA policy through nvcc
# (compile and link; run too where a GPU exists), and an outside project against the installed
# package. Installs what it needs first. Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
bash scripts/install-deps.sh

jobs=${INFOSCALE_JOBS:-$(nproc)}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
step() { printf '\n=== %s\n' "$*"; }

step "Release build, every header on its own, test suite"
# The suite in unity batches of 8 files (tests/CMakeLists.txt): a third less compile time.
cmake -S . -B build/release "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_VERIFY_INTERFACE_HEADER_SETS=ON \
  -DINFOSCALE_UNITY_TESTS=ON \
  -DCMAKE_INSTALL_PREFIX="$root/build/prefix" >/dev/null
cmake --build build/release -j"$jobs"
cmake --build build/release -j"$jobs" --target all_verify_interface_header_sets
ctest --test-dir build/release --output-on-failure -j"$jobs"

step "AddressSanitizer + UndefinedBehaviorSanitizer"
# -O1 -g1 (line tables): the optimisation ASan's authors recommend, with file:line in every report;
# it compiles in ~55% of -O2 -g's time (measured on tests/unit/entropic/calibration.cpp).
cmake -S . -B build/sanitize "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DINFOSCALE_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DINFOSCALE_UNITY_TESTS=ON \
  -DINFOSCALE_BUILD_EXAMPLES=OFF -DINFOSCALE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/sanitize -j"$jobs"  # the suite, and the CLI with its end-to-end tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/sanitizers/ubsan.supp" \
  ctest --test-dir build/sanitize --output-on-failure -j"$jobs"

if command -v nvcc >/dev/null || [ -x /usr/local/cuda/bin/nvcc ]; then
  step "CUDA policy through nvcc"
  cmake -S . -B build/cuda "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DINFOSCALE_ENABLE_CUDA=ON \
    -DCMAKE_CUDA_COMPILER="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)" \
    -DINFOSCALE_BUILD_EXAMPLES=OFF -DINFOSCALE_BUILD_BENCHMARKS=OFF -DINFOSCALE_BUILD_TOOLS=OFF >/dev/null
  cmake --build build/cuda -j"$jobs" --target infoscale_cuda_tests infoscale_gpu_bench
  ctest --test-dir build/cuda -R infoscale_cuda_tests --output-on-failure
else
  step "CUDA policy: no nvcc on this machine, skipped"
fi

step "Python module (nanobind): build, install into .venv, pytest against numpy/scipy"
bash python/test.sh

step "llama.cpp eval-callback adapter against llama.cpp 0c1e570 (llama-cpp-python 0.3.36 sdist)"
INFOSCALE_JOBS="$jobs" bash scripts/llama-cpp.sh

step "Fuzz the npy, safetensors and token-line readers (libFuzzer, ASan + UBSan, 20 s side by side)"
bash fuzz/run.sh 20

step "Install, then an outside project finds the package"
rm -rf build/prefix build/consumer
cmake --install build/release >/dev/null
cmake -S tests/consumer -B build/consumer "${generator[@]}" -DCMAKE_PREFIX_PATH="$root/build/prefix" >/dev/null
cmake --build build/consumer -j"$jobs"
ctest --test-dir build/consumer --output-on-failure
