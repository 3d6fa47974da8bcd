# The book's two commands are `make book` and `make test` (see README.md).
# Both create the environment they need on first use.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NB ?=
JB_BUILD := $(VENV)/bin/jupyter-book build . --warningiserror --nitpick --keep-going

.PHONY: book test refresh data lint unit audit nbval site bench clean browser

## Environment: a virtualenv with the exact versions of requirements.txt.
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

## Data: verify every file by sha256; fetch what is missing.
data: $(STAMP)
	$(PY) -m tfbook.data check 2>/dev/null || bash scripts/get-data.sh

## MathJax served by the site itself, so pages typeset math offline.
MATHJAX := _build/vendor/mathjax/tex-mml-chtml.js
$(MATHJAX):
	bash scripts/get-mathjax.sh _build/vendor

## The site, from the stored outputs (nothing is executed), into _build/html.
book: $(STAMP) $(MATHJAX)
	$(JB_BUILD)

## Every check, in order; stops at the first failing stage.
test: $(STAMP) data lint unit audit nbval site browser
	@echo "make test: all stages passed."

lint: $(STAMP)
	$(PY) -m ruff check src tests bench chapters book/_ext

unit: $(STAMP)
	$(PY) -m pytest -q tests --ignore=tests/browser

audit: $(STAMP)
	$(PY) -m tfbook.notebooks audit

nbval: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile --nbval --nbval-current-env \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg $$($(PY) -m tfbook.notebooks list)

site: $(STAMP) $(MATHJAX)
	rm -rf _build/html _build/.doctrees
	$(JB_BUILD)

## The built site in headless Chromium: every page of the toc (tests/browser);
## screenshots in _build/screenshots. TFBOOK_SITE=path/to/html tests another build.
browser: $(STAMP) site
	bash scripts/get-browser.sh
	$(PY) -m pytest -q -p no:xdist tests/browser

## Re-execute notebooks in place: all of the toc, or NB=chapters/NAME.ipynb.
refresh: $(STAMP) data
	$(PY) -m tfbook.notebooks refresh $(NB)

bench: $(STAMP) data
	$(PY) bench/run.py

clean:
	rm -rf _build
