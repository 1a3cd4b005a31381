# Two entry points for a fresh clone: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench model

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The default topic model is built from the shipped training data (a no-op when current).
model: $(STAMP)
	$(BIN)/python -m classifiers.build_default

run: $(STAMP) model
	$(BIN)/monitor check-config
	$(BIN)/monitor run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(STAMP) lint model
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
