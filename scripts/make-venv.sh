#!/usr/bin/env bash
# The environment of PY (default .venv/bin/python): the exact versions of
# requirements.txt, and tfbook installed editable.
#
# uv (pinned, scripts/get-uv.sh) installs them: it fetches, unpacks and
# compiles the packages in parallel, in 19 s here where pip took 65 s. uv
# reads no pip configuration (pip.conf, PIP_INDEX_URL): where it cannot set up
# the environment, for instance because only an index configured for pip is
# reachable, pip does. Either way the environment holds the same packages
# (`pip freeze` compared).
#
# The bytecode is compiled now, once: where PYTHONDONTWRITEBYTECODE is set (as
# on the machine CI runs on), Python never writes what it compiles, and every
# process that imports TensorFlow compiled it again: 11.5 s instead of 4.3 s,
# in each of the dozens of processes `make test` starts.
set -euo pipefail
PYTHON=${PYTHON:-python3}
PY=${PY:-.venv/bin/python}
VENV=$(dirname "$(dirname "$PY")")
test -x "$PY" || "$PYTHON" -m venv "$VENV"
with_uv() {
  local UV
  UV=$(PY=$PY bash scripts/get-uv.sh) &&
    "$UV" pip install --quiet --python "$PY" --upgrade pip &&
    "$UV" pip install --quiet --python "$PY" --compile-bytecode -r requirements.txt &&
    "$UV" pip install --quiet --python "$PY" --no-deps -e .
}
if ! with_uv; then
  echo "make: uv could not set up $VENV; pip does it instead" >&2
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install --quiet -r requirements.txt
  "$PY" -m pip install --quiet --no-deps -e .
  # What uv installed before it stopped was not compiled.
  "$PY" -m compileall -q -j 0 "$("$PY" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" >/dev/null
fi
