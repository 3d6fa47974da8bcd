#!/usr/bin/env bash
# Make sure `make pdf` (python -m tfbook.pdf) and its check (tests/pdf) have
# what they need, all from Debian's packages:
# * XeLaTeX and latexmk, with the LaTeX packages Sphinx's output loads
#   (texlive-latex-extra) and xeCJK for Chinese (texlive-lang-chinese brings
#   xeCJK's ctexhook.sty);
# * the fonts the PDF embeds (book/_ext/tfbook_pdf.py): TeX Gyre Pagella and
#   Heros (fonts-texgyre), DejaVu Sans Mono, Latin Modern Math and Noto CJK SC;
# * poppler's pdftotext, pdffonts, pdfimages and pdftoppm for the check.
# About 600 MB installed; the download took 77 s here.
# Installs with apt-get as root, or through `sudo -n` (never a password
# prompt); updates the package lists first only when apt does not know a
# package yet. Where it cannot install, it says what to install and stops.
set -euo pipefail

# Each needed thing: "package|how to tell it is there".
needs=(
  "texlive-xetex|command -v xelatex"
  "latexmk|command -v latexmk"
  "texlive-latex-extra|kpsewhich tabulary.sty"
  "texlive-lang-chinese|kpsewhich ctexhook.sty"
  "texlive-lang-chinese|kpsewhich xeCJK.sty"
  "texlive-fonts-recommended|kpsewhich pzdr.tfm"
  "poppler-utils|command -v pdftoppm"
  "fonts-texgyre|fc-list 'TeX Gyre Pagella' | grep -q ."
  "fonts-dejavu-core|fc-list 'DejaVu Sans Mono' | grep -q ."
  "fonts-lmodern|fc-list 'Latin Modern Math' | grep -q ."
  "fonts-noto-cjk|fc-list 'Noto Serif CJK SC' | grep -q ."
)
missing=()
check() {
  missing=()
  local need pkg test
  for need in "${needs[@]}"; do
    pkg=${need%%|*}
    test=${need#*|}
    if ! bash -c "$test" >/dev/null 2>&1; then
      case " ${missing[*]-} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
    fi
  done
}
check
[ ${#missing[@]} -eq 0 ] && exit 0

say() { echo "get-pdf-tools.sh: $*" >&2; }
stop() { say "$*; install Debian's ${missing[*]} as root (apt-get install --no-install-recommends ${missing[*]})."; exit 1; }

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
say "installing ${missing[*]} with apt-get"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null || stop "apt-get install ${missing[*]} failed"
check
[ ${#missing[@]} -eq 0 ] || stop "still missing after the install"
