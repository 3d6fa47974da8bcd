#!/usr/bin/env bash
# Stop before .venv is built on a Python that cannot install the lock:
# numpy 2.4 has no wheel for 3.10, TensorFlow 2.21 none for 3.14.
# Keep in step with scripts/lock.sh, pyproject.toml and README.md.
set -euo pipefail
python=${1:?usage: check-python.sh PYTHON}
supported="3.11 3.12 3.13"
needs="the book needs Python 3.11, 3.12 or 3.13"
if ! version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])'); then
  echo "make: cannot run '$python': $needs; install one and run e.g. 'make PYTHON=python3.12'." >&2
  exit 1
fi
case " $supported " in *" $version "*) exit 0 ;; esac
if [ "$python" = .venv/bin/python ]; then
  echo "make: .venv has Python $version, but $needs; delete .venv and run make again" \
       "with one (e.g. 'make PYTHON=python3.12')." >&2
else
  echo "make: $python is Python $version, but $needs; install one and run e.g." \
       "'make PYTHON=python3.12'." >&2
fi
exit 1
