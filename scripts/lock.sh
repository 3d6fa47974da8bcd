#!/usr/bin/env bash
# `make lock`: regenerate requirements.txt from requirements.in as one
# universal lock, then check that it installs, from wheels only, on every
# platform and Python the README names. Needs the package index (PyPI, or
# UV_DEFAULT_INDEX); a maintainer's command, not part of `make test`.
#
# The checks use uv, not `pip install --dry-run --platform ...`: pip evaluates
# environment markers for the machine it runs on whatever --platform says (so
# it asks for tensorflow-cpu on macOS), and it downloads every wheel whole.
set -euo pipefail
PY=${PY:-.venv/bin/python}
UV_VERSION=${UV_VERSION:?set by the Makefile}
# Supported Pythons: keep in step with scripts/check-python.sh, pyproject.toml, README.md.
MINORS="3.11 3.12 3.13"
PLATFORMS=(  # uv's name for the platform | the name printed
  "x86_64-manylinux_2_28|Linux x86-64"
  "aarch64-manylinux_2_28|Linux aarch64"
  "aarch64-apple-darwin|macOS 12+ arm64"
  "x86_64-pc-windows-msvc|Windows x86-64"
)
# macOS 12, the oldest TensorFlow 2.21 has wheels for: a wheel that installs on
# it installs on every later macOS (14 included).
export MACOSX_DEPLOYMENT_TARGET=12.0

UV=$(PY=$PY UV_VERSION=$UV_VERSION bash scripts/get-uv.sh)

# setuptools is left out: Python 3.11's venv brings its own, and pinning
# another would change the environment the stored outputs were made in.
"$UV" pip compile --quiet --universal --python-version "${MINORS%% *}" \
  --no-emit-package setuptools --annotation-style line \
  --custom-compile-command "make lock" requirements.in -o requirements.txt
echo "lock: requirements.txt regenerated from requirements.in (uv $UV_VERSION)"

# name==version, names normalized (PEP 503).
normalize() { awk -F'==' '{ n = tolower($1); gsub(/[-_.]+/, "-", n); print n "==" $2 }'; }
# Lines of stdin not in file $1; grep's status 1 only means "none".
not_in() { grep -vxF -f "$1" || [ $? = 1 ]; }

# Each supported minor at its first release, and each release of theirs at
# which the lock forks (e.g. `python_full_version >= '3.11.5'`).
forks=$(grep -oE "python_full_version [<>=!]+ '[0-9.]+'" requirements.txt | grep -oE "[0-9][0-9.]+" \
        | sed -E 's/^[0-9]+\.[0-9]+$/&.0/' || [ $? = 1 ])
pythons=$(for v in $(printf '%s.0 ' $MINORS) $forks; do
            for m in $MINORS; do if [[ $v == "$m".* ]]; then echo "$v"; fi; done
          done | sort -uV)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -oE '^[A-Za-z0-9][A-Za-z0-9._-]*==[^ ;]+' requirements.txt | normalize >"$tmp/pins"
# jieba (the Chinese edition's search, at site build time only) is pure Python
# and published as a source archive only: pip builds it anywhere; the wheel
# check below leaves it out.
SDIST_ONLY='^jieba=='
grep -vE "$SDIST_ONLY" requirements.txt >"$tmp/wheels.txt"
failed=0
for platform in "${PLATFORMS[@]}"; do
  target=${platform%%|*} name=${platform#*|}
  for python in $pythons; do
    label=$(printf '%-15s Python %-7s' "$name" "$python")
    if ! "$UV" pip install --dry-run --only-binary :all: --python "$PY" --target "$tmp/target" \
         --python-platform "$target" --python-version "$python" \
         -r "$tmp/wheels.txt" >"$tmp/out" 2>&1; then
      echo "lock: $label DOES NOT RESOLVE:"; sed 's/^/    /' "$tmp/out"; failed=1; continue
    fi
    sed -nE 's/^ \+ //p' "$tmp/out" | normalize >"$tmp/installs"
    # Everything it would install must be pinned by the lock (setuptools aside).
    unpinned=$(not_in "$tmp/pins" <"$tmp/installs" | grep -v '^setuptools==' || [ $? = 1 ])
    if [ -n "$unpinned" ]; then
      echo "lock: $label needs packages the lock does not pin:" $unpinned; failed=1; continue
    fi
    echo "lock: $label resolves: $(wc -l <"$tmp/installs") packages, all wheels (and jieba, pure Python)"
  done
done
[ "$failed" = 0 ] || { echo "lock: FAILED, see above" >&2; exit 1; }

# The stored outputs were made in .venv: say whether the lock still matches it.
"$UV" pip install --dry-run --python "$PY" -r requirements.txt >"$tmp/out" 2>&1 \
  || { cat "$tmp/out" >&2; exit 1; }
if grep -q '^Would make no changes' "$tmp/out"; then
  echo "lock: .venv (Python $("$PY" -c 'import platform; print(platform.python_version())')) has exactly the locked versions"
else
  echo "lock: the lock differs from .venv, where the stored outputs were made:"
  grep -E '^ [-+] ' "$tmp/out"
  echo "lock: the next make reinstalls .venv; then re-run the notebooks (make refresh)"
fi
echo "lock: every platform resolves."
