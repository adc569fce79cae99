# Two commands for a fresh machine with Python 3.11+: `make run` and `make test`.
# Each creates .venv when missing; re-installs only when pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	@echo "Installing the app and its dependencies into $(VENV) (again only when pyproject.toml changes)..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e . \
	  || { echo "Installing failed: see pip's messages above." >&2; exit 1; }
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-app

# Links in e-mails (invitations, reminders) point at where `make run` serves, unless
# BASE_URL (or ASSESSMENT_BASE_URL) is set in the environment or on the command line.
RUN_BASE_URL = $(or $(ASSESSMENT_BASE_URL),$(BASE_URL),http://$(HOST):$(PORT))

run: $(VENV)/.installed-app
	BASE_URL='$(RUN_BASE_URL)' $(BIN)/assessment setup
	@echo "Serving on http://$(HOST):$(PORT)/ (links in e-mails: $(RUN_BASE_URL); Ctrl-C to stop)"
	BASE_URL='$(RUN_BASE_URL)' ASSESSMENT_ORGANISATION_NAME=$${ASSESSMENT_ORGANISATION_NAME:-'"Northwind Health (demo)"'} $(BIN)/assessment run --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check assessment tests benchmarks
	$(BIN)/mypy assessment

# axe-core (accessibility checks in the browser tests) comes from the npm registry.
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js

$(AXE): | $(BIN)/python
	@npm install --silent --no-audit --no-fund --prefix $(VENV)/axe axe-core@4.14 \
	  || echo "npm is not available: the accessibility checks will be skipped (they fail in CI)"

test: lint $(AXE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# On demand only, never in CI: `make bench` runs every benchmark, `make bench
# BENCH=bench_organisations` one of them (it starts its own PostgreSQL under /tmp; sizes and
# options in docs/benchmarks.md).
bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks $(BENCH)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
