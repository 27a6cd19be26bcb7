#!/usr/bin/env bash
# The main job on its built-in default input: `infoscale layers` on the hidden states and
# attentions of a real pretrained transformer (all-MiniLM-L6-v2, run offline on sentences of
# Pride and Prejudice; tests/fixtures/minilm). Prints CKA, attention drift, fused evidence and the
# layer boundaries with bootstrap CIs, and writes a plot to build/demo/minilm_layers.svg.
# Installs what it needs first. Arguments replace the defaults, e.g.
#   bash scripts/demo.sh layers MY_DUMP.safetensors --json
#   bash scripts/demo.sh thermo            (next-token thermodynamics of the shipped char-LM)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh >/dev/null
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B build/demo "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DINFOSCALE_BUILD_TESTS=OFF \
  -DINFOSCALE_BUILD_BENCHMARKS=OFF -DINFOSCALE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/demo --target infoscale_cli >/dev/null
if [ "$#" -eq 0 ]; then
  set -- layers --plot build/demo/minilm_layers.svg
fi
exec ./build/demo/tools/infoscale "$@"
