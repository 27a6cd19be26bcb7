#!/usr/bin/env bash
# Trains the shipped Austen family one model at a time, one thread each (run two of these at once
# on two cores, e.g. the LLaMA and the GPT-2 runs; the student needs llama-a first):
# the two runs of each architecture (weights seed and data-order seed both differ), the LLaMA size
# ladder and the student (see below for their recipe). Writes OUT/<name> (default models/austen) and logs
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
  # The shipped ladder and student are from the earlier, shorter recipe (200 steps, 20 warm-up
  # steps, a curve point every 25), seeds of run a; the student's teacher was that recipe's
  # 400-step llama-a, kept here as llama-a-400 (not shipped). Retraining them with the 1000-step
  # recipe is open: drop the overrides below and point the student at $out/llama-a.
  [llama-a-400]="--arch llama --width 128 --heads 4 --seed 1 --order-seed 11 --steps 400 --warmup 20 --eval-every 25"
  [llama-w64]="--arch llama --width 64 --heads 2 --seed 1 --order-seed 11 --steps 200 --warmup 20 --eval-every 25"
  [llama-w32]="--arch llama --width 32 --heads 1 --seed 1 --order-seed 11 --steps 200 --warmup 20 --eval-every 25"
  [llama-student]="--arch llama --width 64 --heads 2 --seed 1 --order-seed 11 --steps 200 --warmup 20 --eval-every 25 --teacher $out/llama-a-400"
)
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(llama-a llama-b gpt2-a gpt2-b llama-a-400 llama-w64 llama-w32 llama-student)
mkdir -p models/austen/logs
for name in "${names[@]}"; do
  # 1000 optimiser steps unless the recipe says otherwise (the last --steps, --warmup, --eval-every win)
  # shellcheck disable=SC2086
  nice -n 10 "$py" models/scripts/train.py --steps 1000 --warmup 50 --eval-every 50 ${recipe[$name]} --out "$out/$name" \
    >"models/austen/logs/$name.log" 2>&1
done
