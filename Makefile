# The book's two commands are `make book` and `make test` (see README.md).
# Both create the environment they need on first use.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NB ?=

.PHONY: book test refresh data lint unit audit nbval blas site i18n bench clean browser lab lock screenshots export pdf pdf-check

## Environment: a virtualenv with the exact versions of requirements.txt,
## installed by uv, or by pip where uv cannot (scripts/make-venv.sh).
## Stops first on a Python the lock has no wheels for (scripts/check-python.sh).
UV_VERSION := 0.13.9
$(STAMP): requirements.txt pyproject.toml scripts/make-venv.sh scripts/get-uv.sh
	bash scripts/check-python.sh $(if $(wildcard $(PY)),$(PY),$(PYTHON))
	PYTHON=$(PYTHON) PY=$(PY) UV_VERSION=$(UV_VERSION) bash scripts/make-venv.sh
	touch $@

## Data: verify every file by sha256; fetch what is missing.
data: $(STAMP)
	$(PY) -m tfbook.data check 2>/dev/null || bash scripts/get-data.sh

## The site, from the stored outputs (nothing is executed), into _build/html:
## the English edition at its root, the Chinese one (中文版) under zh/, made
## from the same notebooks and the translations in locale/zh (src/tfbook/i18n.py).
book: $(STAMP)
	PY=$(PY) bash scripts/build-site.sh

## Every check, cheap stages first; stops at the first failing stage and
## prints each stage's time. The stages run one after the other: each keeps
## both cores busy, and two side by side cost more CPU in all than one after
## the other (1,011 against 823 CPU-seconds on a clean clone). The PDF must
## exist before the site build links it.
test: $(STAMP) lint audit i18n data
	+@$(call stages,unit pdf-check site browser nbval blas)
	@echo "make test: all stages passed."

# Run stages in order, each with its wall-clock time; a stage that ran is not
# remade as another's prerequisite (-o: browser needs site).
stages = done=""; for stage in $(1); do start=$$(date +%s); $(MAKE) --no-print-directory $$stage $$done; \
	echo "make test: $$stage passed in $$(( $$(date +%s) - start )) s"; done="$$done -o $$stage"; done

lint: $(STAMP)
	$(PY) -m ruff check src tests bench chapters book/_ext

## The unit tests, and the examples in the package's docstrings.
unit: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadfile --doctest-modules tests src/tfbook --ignore=tests/browser --ignore=tests/pdf

audit: $(STAMP)
	$(PY) -m tfbook.notebooks audit

## The Chinese edition is complete and current: every unit of every page has a
## translation made from the English text it has now (src/tfbook/i18n.py).
i18n: $(STAMP)
	$(PY) -m tfbook.i18n check

## A cell that hangs fails after NBVAL_CELL_TIMEOUT seconds instead of stalling CI.
## The notebooks longest first (measured with --durations=0): xdist hands a
## worker the next one when two or fewer cells of its own are left, so the
## short ones come last and the two workers finish together.
## tests/test_notebooks.py asks for every notebook of the toc here; one missing
## would still run, last (pytest drops the repeated paths).
NBVAL_CELL_TIMEOUT ?= 300
NBVAL_ORDER := chapters/overfitting.ipynb chapters/training.ipynb \
  chapters/saving-and-loading.ipynb chapters/distributed-training.ipynb \
  chapters/custom-layers-and-models.ipynb chapters/metrics.ipynb \
  chapters/backpropagation.ipynb chapters/migration-guide.ipynb \
  chapters/containers.ipynb chapters/layers.ipynb
nbval: $(STAMP) data
	$(PY) -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder --nbval --nbval-current-env \
	  --nbval-cell-timeout=$(NBVAL_CELL_TIMEOUT) --nbval-sanitize-with tests/nbval_sanitize.cfg \
	  $(NBVAL_ORDER) $$($(PY) -m tfbook.notebooks list)

## The notebooks that use NumPy's linear algebra again, under other OpenBLAS
## kernels and without NumPy's SIMD dispatch: stored outputs must not depend
## on the CPU (src/tfbook/blas_kernels.py).
blas: $(STAMP) data
	$(PY) -m tfbook.blas_kernels run

site: $(STAMP)
	rm -rf _build/html _build/.doctrees book/api/tfbook.*.rst
	PY=$(PY) bash scripts/build-site.sh

## The offline editions into _build/pdf (src/tfbook/pdf.py): the whole book
## as a PDF in English and in Chinese (Jupyter Book's LaTeX builder, then
## XeLaTeX through latexmk; the Chinese one from tfbook.i18n's project) and
## a zip of every chapter notebook with its outputs. TeX Live's parts and the
## fonts come from Debian's packages (scripts/get-pdf-tools.sh, ~600 MB).
pdf: $(STAMP)
	bash scripts/get-pdf-tools.sh
	$(PY) -m tfbook.pdf all

## The PDF checked as a reader would (tests/pdf): bookmarks, text, embedded
## fonts, figures, margins; a few pages rendered into _build/pdf/pages (and
## pages-zh: the Chinese edition's PDF is checked the same way).
## Before `site`: the site build serves the PDF it finds and links it.
## The two editions are checked side by side (5 s, one after the other 10 s);
## the Chinese one's report follows the English one's.
pdf-check: $(STAMP) pdf
	@log=_build/pdf/check-zh.log; \
	TFBOOK_PDF_REQUIRED=1 TFBOOK_PDF_EDITION=zh $(PY) -m pytest -q -p no:cacheprovider tests/pdf \
	  >$$log 2>&1 & zh=$$!; \
	echo "English edition:"; en_status=0; \
	TFBOOK_PDF_REQUIRED=1 $(PY) -m pytest -q -p no:cacheprovider tests/pdf || en_status=$$?; \
	zh_status=0; wait $$zh || zh_status=$$?; echo "Chinese edition:"; cat $$log; \
	[ $$en_status = 0 ] && [ $$zh_status = 0 ]

## The built site in headless Chromium: every page of the toc (tests/browser);
## a failing page is saved as a screenshot in _build/screenshots (every page
## with `make screenshots`). TFBOOK_SITE=path/to/html tests another build.
browser: $(STAMP) site
	bash scripts/get-browser.sh
	$(PY) -m pytest -q -n 2 --dist load tests/browser

screenshots: $(STAMP) site
	bash scripts/get-browser.sh
	TFBOOK_SCREENSHOTS=_build/screenshots $(PY) -m pytest -q -n 2 --dist load tests/browser/test_site.py

## The cells chapters mark `#| export`, written into src/tfbook/chapters
## (tests/test_export.py fails when the two disagree).
export: $(STAMP)
	$(PY) -m tfbook.export

## Re-execute notebooks in place: all of the toc, or NB=chapters/NAME.ipynb.
refresh: $(STAMP) data
	$(PY) -m tfbook.notebooks refresh $(NB)

## The chapters in JupyterLab with the book's kernel (.venv's python3), on
## loopback only; nothing is fetched from the internet (no news, no update
## check, no PyPI extension listing). LAB_ARGS=--no-browser: no browser opened.
LAB_PORT ?= 8888
LAB_ARGS ?=
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --port=$(LAB_PORT) --ServerApp.root_dir=chapters \
	  --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	  --LabApp.extension_manager=readonly $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

bench: $(STAMP) data
	$(PY) bench/run.py

## Maintainers: requirements.in -> requirements.txt, then check that every
## platform and Python of the README resolves it (needs the package index).
lock: $(STAMP)
	UV_VERSION=$(UV_VERSION) PY=$(PY) bash scripts/lock.sh

clean:
	rm -rf _build
