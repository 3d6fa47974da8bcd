#!/usr/bin/env bash
# .venv: the exact versions of requirements.txt, and tfbook installed editable.
#
# uv (pinned, scripts/get-uv.sh) installs them: it fetches and unpacks the
# wheels in parallel, in 4 to 8 s here where pip took 22 s (a third of the
# set-up of a clean clone). uv reads no pip configuration (pip.conf,
# PIP_INDEX_URL): where it cannot install the lock, for instance because only
# an index configured for pip is reachable, pip installs it instead. Either way
# the environment holds the same packages (`pip freeze` compared).
set -euo pipefail
PYTHON=${PYTHON:-python3}
PY=.venv/bin/python
UV=.venv/uv/bin/uv
test -x "$PY" || "$PYTHON" -m venv .venv
with_uv() {
  PY=$PY bash scripts/get-uv.sh &&
    "$UV" pip install --quiet --python "$PY" --upgrade pip &&
    "$UV" pip install --quiet --python "$PY" -r requirements.txt &&
    "$UV" pip install --quiet --python "$PY" --no-deps -e .
}
if ! with_uv; then
  echo "make: uv could not install requirements.txt; pip installs it instead" >&2
  # --no-compile: Python compiles the modules in use when they are first
  # imported; compiling all of TensorFlow took 29 s of a 61 s install.
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install --quiet --no-compile -r requirements.txt
  "$PY" -m pip install --quiet --no-deps -e .
fi
