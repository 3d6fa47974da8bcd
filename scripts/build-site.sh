#!/usr/bin/env bash
# `make book` / `make site`: both editions of the site into _build/html, the
# English one at its root, the Chinese one under zh/ (src/tfbook/i18n.py).
# Sphinx builds in one process, so the two builds run side by side (one per
# core); each one's log is printed when both are done. Warnings are errors.
set -euo pipefail
PY=${PY:-.venv/bin/python}
JB=$(dirname "$PY")/jupyter-book
FLAGS=(--warningiserror --nitpick --keep-going)
ZH_SRC=_build/zh-src
mkdir -p _build
# MathJax once, before the two builds would both fetch it.
"$PY" -c "import sys; sys.path.insert(0, 'book/_ext'); import tfbook_site as s; from pathlib import Path; s.install_mathjax(Path(s.VENDOR_DIR))"
rm -rf "$ZH_SRC" _build/zh
"$PY" -m tfbook.i18n build "$ZH_SRC"

"$JB" build . "${FLAGS[@]}" >_build/site-en.log 2>&1 & en=$!
"$JB" build "$ZH_SRC" --path-output _build/zh "${FLAGS[@]}" >_build/site-zh.log 2>&1 & zh=$!
status=0
wait "$en" || status=$?
echo "=== English edition (_build/site-en.log)"; tail -n 25 _build/site-en.log
wait "$zh" || status=$?
echo "=== Chinese edition (_build/site-zh.log)"; tail -n 25 _build/site-zh.log
[ "$status" = 0 ] || { echo "site: a build failed; full logs in _build/site-*.log" >&2; exit "$status"; }
rm -rf _build/html/zh
cp -r _build/zh/_build/html _build/html/zh
echo "site: _build/html (English) and _build/html/zh (中文)"
