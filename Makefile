# Two commands: `make run` and `make test`. Everything else is a detail they take care of.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup lint bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "CareBot needs Python 3.11 or newer on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)
	$(BIN)/python -m bot setup

run: setup
	$(BIN)/python -m bot run

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check bot scheduler tests bench migrations
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python bench/faq_bench.py

clean:
	rm -rf $(VENV) data/*.db
