#!/usr/bin/env bash
# Builds the Python module infoscale (nanobind + scikit-build-core) into the project venv and runs
# its pytest suite. Idempotent: pinned tools are installed once (a stamp file skips pip), and the
# in-tree build folder python/build makes a second run recompile only what changed.
# Usage: bash python/test.sh     (scripts/install-deps.sh provides the venv, numpy and scipy)
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

# At most two compile jobs: the machines are shared.
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
echo "python/test.sh: building and installing the infoscale module"
"$py" -m pip install -q --disable-pip-version-check --no-build-isolation "$here"

echo "python/test.sh: pytest"
# -P: keep python/ off sys.path so the installed package, not the source folder, is imported.
cd "$here"
"$py" -P -m pytest -q -p no:cacheprovider tests
