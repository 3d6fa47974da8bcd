#!/usr/bin/env bash
# Put MathJax 3 where the site build serves it from, so that pages typeset
# math offline (no CDN). Usage: scripts/get-mathjax.sh DEST
# DEST receives mathjax/ (the package's es5/ folder: tex-mml-chtml.js, fonts,
# extensions). The package comes from the npm registry, pinned and checked by
# sha256; npm is installed from Debian's packages if it is missing.
# The site build runs this by itself (book/_ext/tfbook_site.py) when DEST
# has no MathJax yet.
set -euo pipefail
VERSION=3.2.2
SHA256=1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09
DEST=${1:?usage: scripts/get-mathjax.sh DEST}

if [ -f "$DEST/mathjax/tex-mml-chtml.js" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "mathjax@$VERSION" >/dev/null)
tarball="$work/mathjax-$VERSION.tgz"
echo "$SHA256  $tarball" | sha256sum --check --quiet
tar -xzf "$tarball" -C "$work"
mkdir -p "$DEST"
# Move into place atomically: several builds may run this at once.
stage=$(mktemp -d "$DEST/.mathjax.XXXXXX")
mv "$work/package/es5" "$stage/mathjax"
cp "$work/package/LICENSE" "$stage/mathjax/LICENSE"
if mv -T "$stage/mathjax" "$DEST/mathjax" 2>/dev/null; then :; fi
rm -rf "$stage"
test -f "$DEST/mathjax/tex-mml-chtml.js"
echo "MathJax $VERSION installed in $DEST/mathjax"
