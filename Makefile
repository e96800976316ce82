# The two commands of the README: `make demo` and `make test`. Both install what they
# need on first use and skip the install when the lock files did not change.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

.PHONY: help deps build demo test lint typecheck test-ts test-py codegen codegen-check clean

help:
	@echo "make demo   run examples/quickstart.py on the embedded local backend"
	@echo "make test   every check: ruff, mypy, tsc, vitest, codegen staleness, pytest"

$(STAMPS)/py: pyproject.toml
	@mkdir -p $(STAMPS)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

$(STAMPS)/npm: package.json package-lock.json
	@mkdir -p $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: $(STAMPS)/py $(STAMPS)/npm

build: deps
	node local-backend/build.mjs

demo: build
	$(PY) examples/quickstart.py

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: deps
	$(VENV)/bin/mypy
	tsc --noEmit -p convex
	tsc --noEmit -p local-backend
	tsc --noEmit -p tests

codegen: build
	node scripts/convex_codegen.mjs
	$(PY) scripts/gen_models.py
	$(PY) scripts/gen_sdk.py

codegen-check: build
	scripts/check_codegen.sh

test-ts: build
	vitest run

test-py: build
	$(PY) -m pytest -q

test: lint typecheck codegen-check test-ts test-py

clean:
	rm -rf $(STAMPS) $(VENV) node_modules local-backend/dist
