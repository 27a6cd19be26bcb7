#!/usr/bin/env bash
# Trains the shipped Austen family one model at a time, one thread each (the machine is shared):
# the two runs of each architecture (weights seed and data-order seed both differ), the LLaMA size
# ladder and the student distilled from llama-a. Writes OUT/<name> (default models/austen) and logs
# to models/austen/logs/<name>.log.
#   PY=/work/main/.venv/bin/python OUT=/tmp/models bash models/scripts/train_all.sh [name ...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
py=${PY:-.venv/bin/python}
out=${OUT:-models/austen}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
declare -A recipe=(
  # 1000 steps of 16 x 128 tokens: 2.05M tokens, 2.3 epochs of the training split
  [llama-a]="--arch llama --width 128 --heads 4 --seed 1 --order-seed 11"
  [llama-b]="--arch llama --width 128 --heads 4 --seed 2 --order-seed 22"
  [gpt2-a]="--arch gpt2 --width 128 --heads 4 --seed 1 --order-seed 11"
  [gpt2-b]="--arch gpt2 --width 128 --heads 4 --seed 2 --order-seed 22"
  # the ladder and the student: 1500 steps (half the tokens; the time one session left), seeds of run a
  [llama-w64]="--arch llama --width 64 --heads 2 --seed 1 --order-seed 11 --steps 1500"
  [llama-w32]="--arch llama --width 32 --heads 1 --seed 1 --order-seed 11 --steps 1500"
  [llama-student]="--arch llama --width 64 --heads 2 --seed 1 --order-seed 11 --steps 1500 --teacher $out/llama-a"
)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(llama-a llama-b gpt2-a gpt2-b llama-w64 llama-w32 llama-student)
mkdir -p models/austen/logs
for name in "${names[@]}"; do
  # 1000 optimiser steps unless the recipe says otherwise (the last --steps wins)
  # shellcheck disable=SC2086
  nice -n 10 "$py" models/scripts/train.py --steps 1000 --warmup 50 --eval-every 50 ${recipe[$name]} --out "$out/$name" \
    >"models/austen/logs/$name.log" 2>&1
done
