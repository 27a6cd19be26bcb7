#!/usr/bin/env bash
# The main job on its built-in default: the multi-scale study (Zhang & Dong Experiments 1, 2 and 3
# and the §3.3.2 prediction scorecard) on the four shipped decoders (models/austen: two LLaMA and
# two GPT-2 training runs) over 256 held-out Austen sentences with silver POS / dependency / NER
# labels. Prints the Markdown report and writes it, the JSON and the figures to build/demo/study/.
# Installs what it needs first (the Python module and torch/transformers into .venv, once).
#   bash scripts/demo.sh                    the study (python -m infoscale.study; options pass through
#                                           after "study", e.g. bash scripts/demo.sh study --probe mlp)
#   bash scripts/demo.sh thermo             Yang's thermodynamics on the same decoders (entropy function,
#                                           sentence thermodynamics, moduli distances, Conjecture 6.4;
#                                           python -m infoscale.thermo_study) into build/demo/thermo/
#   bash scripts/demo.sh minilm             the earlier default: `infoscale layers` on MiniLM-L6
#   bash scripts/demo.sh layers DUMP --json any `infoscale` command (thermo, compare, level, layers, study)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh >/dev/null
if [ "$#" -eq 0 ] || [ "$1" = study ]; then
  [ "$#" -eq 0 ] || shift
  INFOSCALE_INSTALL_ONLY=1 bash python/test.sh >/dev/null
  # torch's and infoscale's OpenMP runtimes share two cores: idle threads must sleep, not spin.
  export OMP_WAIT_POLICY=passive HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
  # ridge: the closed-form linear probe, so four models fit in minutes on 2 cores (--probe logistic
  # or mlp, the paper's, take about 7 and 60 minutes a model here). Experiment 2 on 64 prompts x 4
  # samples = 256 samples per condition (the paper's 1,000 is the default 200 x 5: ~5 minutes a model).
  exec .venv/bin/python -P -m infoscale.study --out build/demo/study --probe ridge --interventions --prompts 64 --samples-per-prompt 4 "$@"
fi
if [ "$1" = thermo ]; then
  shift
  INFOSCALE_INSTALL_ONLY=1 bash python/test.sh >/dev/null
  export OMP_WAIT_POLICY=passive HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
  exec .venv/bin/python -P -m infoscale.thermo_study --out build/demo/thermo "$@"
fi
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B build/demo "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DINFOSCALE_BUILD_TESTS=OFF \
  -DINFOSCALE_BUILD_BENCHMARKS=OFF -DINFOSCALE_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build/demo --target infoscale_cli >/dev/null
if [ "$1" = minilm ]; then
  set -- layers --plot build/demo/minilm_layers.svg
fi
exec ./build/demo/tools/infoscale "$@"
