#!/usr/bin/env bash
# Make sure the browser test (tests/browser) has what it needs:
# * Debian's Chromium at /usr/bin/chromium (or $CHROMIUM), which Playwright
#   drives: Playwright never downloads a browser of its own here;
# * a font with Chinese glyphs, so that the screenshots show the glossary's
#   Chinese terms rather than empty boxes.
# Installs with apt-get (sudo when not root), updating the package lists
# first only when apt does not know a package yet.
set -euo pipefail
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  missing+=(fonts-wqy-microhei)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "get-browser.sh: need ${missing[*]} but apt-get is not available; install Chromium" \
       "and set CHROMIUM=/path/to/chromium." >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
for pkg in "${missing[@]}"; do
  if ! apt-cache show "$pkg" >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    break
  fi
done
echo "get-browser.sh: installing ${missing[*]} with apt-get"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
[ -x "$CHROMIUM" ] || { echo "get-browser.sh: $CHROMIUM still missing" >&2; exit 1; }
