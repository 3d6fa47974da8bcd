#!/usr/bin/env bash
# Make sure the browser test (tests/browser) has what it needs:
# * Debian's Chromium at /usr/bin/chromium (or $CHROMIUM), which Playwright
#   drives: Playwright never downloads a browser of its own here;
# * a font with Chinese glyphs, so that the screenshots show the glossary's
#   Chinese terms rather than empty boxes.
# Installs with apt-get as root, or through `sudo -n` (never a password
# prompt); updates the package lists first only when apt does not know a
# package yet. Where it cannot install, it says what to install and stops.
set -euo pipefail
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
zh_font() { [ -n "$(fc-list :lang=zh)" ]; }
if command -v fc-list >/dev/null 2>&1 && ! zh_font; then
  missing+=(fonts-wqy-microhei)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

say() { echo "get-browser.sh: $*" >&2; }
# What to do instead, for the message of every way this can fail.
instead="install Debian's ${missing[*]} as root (apt-get install ${missing[*]})"
case " ${missing[*]} " in
  *" chromium "*) instead+=", or set CHROMIUM=/path/to/chromium to a Chromium of your own" ;;
esac
stop() { say "$*; $instead."; exit 1; }

command -v apt-get >/dev/null 2>&1 || stop "need ${missing[*]} but apt-get is not available"
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || stop "need ${missing[*]}, but this user is not root and has no sudo"
  sudo -n true 2>/dev/null || stop "need ${missing[*]}, but sudo needs a password (or is not allowed)"
  SUDO="sudo -n"
fi
for pkg in "${missing[@]}"; do
  if ! apt-cache show "$pkg" >/dev/null 2>&1; then
    $SUDO apt-get update -qq || stop "apt-get update failed"
    break
  fi
done
echo "get-browser.sh: installing ${missing[*]} with apt-get"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
  || stop "apt-get install ${missing[*]} failed"
[ -x "$CHROMIUM" ] || stop "$CHROMIUM is still missing"
if command -v fc-list >/dev/null 2>&1 && ! zh_font; then
  stop "still no font with Chinese glyphs (fc-list :lang=zh)"
fi
