#!/usr/bin/env bash
# uv at the pinned version UV_VERSION, in uv/ beside the environment of PY (a
# directory of its own: installed into the book's environment it would be one
# package more than the lock), fetched by that environment's pip. Prints the
# path of the uv program; fails if pip cannot fetch it.
set -euo pipefail
PY=${PY:-.venv/bin/python}
UV_VERSION=${UV_VERSION:?set by the Makefile}
UV_DIR=$(dirname "$(dirname "$PY")")/uv
if [ "$("$UV_DIR/bin/uv" --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  rm -rf "$UV_DIR"
  "$PY" -m pip install -qq --disable-pip-version-check --target "$UV_DIR" "uv==$UV_VERSION" >&2
fi
echo "$UV_DIR/bin/uv"
