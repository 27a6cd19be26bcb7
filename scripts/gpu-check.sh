#!/usr/bin/env bash
# One command for a machine with an NVIDIA GPU: builds the CUDA policy's tests and the GPU
# benchmark with nvcc for this GPU, runs both, prints one table (under 5 minutes: ~2 of nvcc, the
# runs take seconds). Needs nvcc and the Debian headers scripts/install-deps.sh installs; it runs
# that script only when a header is missing (a GPU machine without a network keeps what it has).
# Usage: bash scripts/gpu-check.sh   (INFOSCALE_CUDA_ARCH=90 to pick the architecture; default: native)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -d /usr/include/eigen3 ] || [ ! -f /usr/include/doctest/doctest.h ]; then bash scripts/install-deps.sh; fi
nvcc=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
[ -x "$nvcc" ] || { echo "gpu-check: no nvcc (CUDA toolkit) found" >&2; exit 1; }
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
start=$(date +%s)
cmake -S . -B build/gpu "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DINFOSCALE_ENABLE_CUDA=ON \
  -DCMAKE_CUDA_COMPILER="$nvcc" -DCMAKE_CUDA_ARCHITECTURES="${INFOSCALE_CUDA_ARCH:-native}" \
  -DINFOSCALE_BUILD_EXAMPLES=OFF -DINFOSCALE_BUILD_BENCHMARKS=OFF -DINFOSCALE_BUILD_TOOLS=OFF >/dev/null
cmake --build build/gpu -j"$(nproc)" --target infoscale_cuda_tests infoscale_gpu_bench >/dev/null
echo "built in $(( $(date +%s) - start )) s"
echo
./build/gpu/tests/infoscale_cuda_tests
echo
./build/gpu/tests/infoscale_gpu_bench
