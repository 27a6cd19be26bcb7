#!/usr/bin/env bash
# The main job on its built-in default input: the thermodynamics (entropy, free energy, heat
# capacity over temperature) of a real character-level language model's next-token distributions
# (tests/fixtures/lm). Installs what it needs first. Extra arguments go to the program.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh >/dev/null
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B build/demo "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DINFOSCALE_BUILD_TESTS=OFF \
  -DINFOSCALE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build/demo --target thermo_demo >/dev/null
exec ./build/demo/examples/thermo_demo "$@"
