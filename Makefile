# de06-analytics — the two commands of the README, and a few more.
#   make run    install what is needed, run the whole pipeline on data_samples/ (or DE06_LANDING_DIR)
#   make test   install what is needed, run the linters (make lint), then the tests
#   make dev    the Dagster UI on the same definitions (http://127.0.0.1:3000)
#   make print-check  print each published workbook to PDF (LibreOffice) and count its pages
# Nothing needs to be installed by hand: uv is fetched into .tools/ if it is not on PATH, and it
# installs the locked environment (uv.lock) into .venv/.

SHELL := /bin/bash
PYTHON ?= python3
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/uv/bin/uv)
export UV_LINK_MODE ?= copy
export GX_ANALYTICS_ENABLED ?= False
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
RUN := $(UV) run --frozen --no-progress

.PHONY: install run lint test test-fast dev notebooks sample bench clean print-check

$(CURDIR)/.tools/uv/bin/uv:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(CURDIR)/.tools/uv uv

# uv installs packages without their bytecode, and where PYTHONDONTWRITEBYTECODE is set (CI
# images, this development machine) Python then compiled every imported module on every start:
# 9 s of a run's start-up. They are compiled once here instead (about 12 s).
.venv/.installed: uv.lock pyproject.toml Makefile | $(UV)
	$(UV) sync --frozen --no-progress --compile-bytecode
	@touch $@

install: .venv/.installed

$(DAGSTER_HOME)/dagster.yaml: dagster_project/dagster.yaml
	@mkdir -p $(DAGSTER_HOME) && chmod 700 $(DAGSTER_HOME) && cp $< $@

run: install $(DAGSTER_HOME)/dagster.yaml
	$(RUN) python -m dagster_project.run

# ruff (lint and format check, pyproject.toml [tool.ruff]) for Python, sqlfluff (.sqlfluff) for
# the SQL files, import-linter (pyproject.toml [tool.importlinter]) for the layers. To fix:
# `uv run ruff check --fix . && uv run ruff format . && uv run sqlfluff fix marts quality`, then
# review the diff.
lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) sqlfluff lint marts quality
	$(RUN) lint-imports

# The tests run on every core, at most 4 (pytest-xdist): a module's tests, and the modules that
# read the second landing, stay on one worker each (tests/conftest.py), so no module's pipeline
# runs are made twice. `uv run pytest` on its own runs them one after the other.
PYTEST_WORKERS ?= -n auto --maxprocesses 4 --dist loadgroup

test: lint
	$(RUN) pytest $(PYTEST_WORKERS)

# The tests that need no pipeline run (tests/unit, tests/assets; not `e2e`, not `slow`): the
# newcomer's first check, under two minutes on 2 cores.
test-fast: install
	$(RUN) pytest $(PYTEST_WORKERS) -m "not e2e and not slow" -q

# `dagster dev` through dagster_project/dev.py: it runs in a session of its own, and Ctrl-C or
# SIGTERM stop it and every process it started (SIGINT, then SIGTERM and SIGKILL to its whole
# process group if anything is left after a few seconds). DEV_ARGS is passed on, e.g.
# `make dev DEV_ARGS="-p 3001"`.
DEV_ARGS ?=
dev: install $(DAGSTER_HOME)/dagster.yaml
	$(RUN) python -m dagster_project.dev $(DEV_ARGS)

# The analyst notebooks (notebooks/*.ipynb, written by notebooks/make_notebooks.py) in JupyterLab,
# on the published marts of DE06_DATA_DIR (default data/: run `make run` first).
notebooks: install
	$(RUN) jupyter lab notebooks/

# Print every workbook of $(DE06_DATA_DIR)/published/excel (default data/: run `make run` first)
# to PDF with LibreOffice headless and count the pages with pdfinfo; fails when a workbook
# prints in more than 200 pages. Installs LibreOffice Calc and poppler-utils (Debian/Ubuntu
# packages, about 400 MB) when they are missing. Not part of `make test`.
PRINT_DIR ?= $(or $(DE06_DATA_DIR),data)/published/excel
print-check: install
	@command -v soffice >/dev/null && command -v pdfinfo >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libreoffice-calc poppler-utils; }
	$(RUN) python -m reporting.print_check $(PRINT_DIR)

# Regenerate the committed sample (small; deterministic for the seed).
sample: install
	rm -rf data_samples/landing data_samples/ground_truth
	$(RUN) python -m synthetic.generate --scale 0.02 --seed 6 --out data_samples

# Full province scale (1.5 million residents); writes bench/RESULTS.md. Not part of the tests.
bench: install
	$(RUN) python -m bench.run --scale 1.0

clean:
	rm -rf data .dagster_home .pytest_cache bench/out
