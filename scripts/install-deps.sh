#!/usr/bin/env bash
# Installs everything infoscale's build, tests and benchmarks need, from Debian's packages and PyPI
# only. Idempotent: packages already present are skipped, the venv is reused.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

debian_packages=(
  cmake g++ clang-14 libclang-rt-14-dev libomp-dev ninja-build
  libeigen3-dev libopenblas-dev libxtensor-dev xtl-dev libxsimd-dev libboost-math-dev
  doctest-dev librandom123-dev nlohmann-json3-dev libcli11-dev libdlpack-dev
  python3-venv python3-dev
)

missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Python tools for fixtures and benchmarks live in a project-local venv built on Debian's python3.
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv "$venv"
fi
# Pinned: requirements.txt for benchmarks and tests' tools, requirements-fixtures.txt to regenerate
# the committed fixtures. The stamp skips pip when nothing changed.
stamp="$venv/.requirements-installed"
wanted=$(cat "$here/scripts/requirements.txt" "$here/scripts/requirements-fixtures.txt")
if [ ! -f "$stamp" ] || [ "$wanted" != "$(cat "$stamp")" ]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    -r "$here/scripts/requirements.txt" -r "$here/scripts/requirements-fixtures.txt"
  printf '%s' "$wanted" >"$stamp"
fi

if [ ! -d /usr/local/cuda/include/cccl/thrust ]; then
  echo "install-deps: note: no CCCL at /usr/local/cuda/include/cccl; the Thrust back ends will be off." >&2
fi
