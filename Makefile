# Two commands for a fresh clone: `make run` and `make test` (README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# The agency named on the consent form and notices. `make run AGENCY_NAME="..."` names (or renames)
# yours; without it, `make run` saves this demo name only when the instance has none yet.
AGENCY_NAME ?= Demo Police Department
# Which database the second test pass uses, when set (CI sets it where PostgreSQL answers).
VETTING_TEST_DATABASE_URL ?=
# axe-core for the accessibility tests, from the npm registry into a git-ignored cache.
AXE_DIR := .cache/axe
AXE := $(AXE_DIR)/node_modules/axe-core/axe.min.js

.PHONY: help run test lint fmt chromium pdf-libs axe screenshots bench bench-load bench-scale detector-report clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

pdf-libs: ## Install the Pango and HarfBuzz libraries WeasyPrint renders PDFs with, when missing (root only)
	@if ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 && ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Pango, HarfBuzz and fonts for PDF rendering (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null; \
	else echo "Pango or HarfBuzz is missing: install libpango-1.0-0, libpangoft2-1.0-0 and libharfbuzz-subset0 for PDF rendering."; fi

run: $(VENV)/.installed pdf-libs ## Initialise instance/, load the demo data, serve on http://127.0.0.1:$(PORT) with a worker beside it
	$(BIN)/vetting init $(if $(filter command line environment,$(origin AGENCY_NAME)),--agency-name,--default-agency-name) "$(AGENCY_NAME)"
	$(BIN)/vetting demo
	@# The worker runs the jobs (report PDFs) from the instance's queue file, and stops with the server.
	$(BIN)/vetting worker & worker=$$!; trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/vetting serve --host 127.0.0.1 --port $(PORT)

chromium: ## Install Chromium (browser tests) and Poppler's pdftotext (PDF text checks) when missing (root only)
	@if command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium and poppler-utils for the tests (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	else echo "Chromium or pdftotext is missing and cannot be installed here: install chromium and poppler-utils."; fi

axe: ## Install axe-core (the browser tests' accessibility checks) from the npm registry into .cache/axe when missing
	@if [ -f $(AXE) ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		echo "Installing axe-core for the accessibility tests (npm)"; \
		npm install --no-save --no-audit --no-fund --silent --prefix $(AXE_DIR) axe-core@4; \
	else echo "npm is missing: install Node.js and npm, then run make axe (the accessibility tests need axe-core)."; fi

test: $(VENV)/.installed-test chromium pdf-libs axe ## Run the whole suite on SQLite, then on VETTING_TEST_DATABASE_URL if set
	env -u VETTING_TEST_DATABASE_URL $(BIN)/python -m pytest
	@if [ -n "$(VETTING_TEST_DATABASE_URL)" ]; then \
		echo "== again on $(VETTING_TEST_DATABASE_URL)"; \
		VETTING_TEST_DATABASE_URL="$(VETTING_TEST_DATABASE_URL)" $(BIN)/python -m pytest; \
	fi

lint: $(VENV)/.installed-test ## ruff (lint + format check) and mypy
	$(BIN)/ruff check vetting tests bench migrations scripts
	$(BIN)/ruff format --check vetting tests bench migrations scripts
	$(BIN)/mypy

fmt: $(VENV)/.installed-test ## Format and auto-fix
	$(BIN)/ruff format vetting tests bench migrations scripts
	$(BIN)/ruff check --fix vetting tests bench migrations scripts

screenshots: $(VENV)/.installed-test chromium pdf-libs ## Screenshots of each role's pages at 1366 and 390 px into screenshots/; fails when a page overflows sideways
	$(BIN)/python scripts/screenshots.py --out screenshots

bench: $(VENV)/.installed-test ## Benchmarks (ratios against same-run baselines)
	$(BIN)/python bench/audit_chain.py
	$(BIN)/python bench/audit_export.py
	$(BIN)/python bench/detector.py
	$(BIN)/python bench/pdf.py

# Extra options for both load runs, e.g. LOAD_ARGS="--duration 60".
LOAD_ARGS ?=
bench-load: $(VENV)/.installed ## 50 clients for 5 minutes on vetting serve with PostgreSQL at 127.0.0.1:5432, then 8 on SQLite
	$(BIN)/python bench/load.py $(LOAD_ARGS)
	$(BIN)/python bench/load.py --sqlite $(LOAD_ARGS)

bench-scale: $(VENV)/.installed-test pdf-libs ## The waited-for requests at 1,000 and 10,000 candidates beside /healthz (PostgreSQL at 127.0.0.1:5432)
	$(BIN)/python bench/scale.py $(SCALE_ARGS)

detector-report: $(VENV)/.installed ## Per-axis recall and false positives of the detector on the labelled development sets
	$(BIN)/python -m vetting.screening.evaluate tests/data/detector_devset*.jsonl

clean: ## Remove the virtual environment (instance/ is kept)
	rm -rf $(VENV)
