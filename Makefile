# One-command entry points. Every target that needs the virtualenv creates it first.
SHELL := /bin/bash
PYENV_PY := $(shell ls -d $$(pyenv root 2>/dev/null)/versions/3.13*/bin/python 2>/dev/null | tail -n 1)
PYTHON ?= $(if $(PYENV_PY),$(PYENV_PY),python3.13)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0

.PHONY: install run test lint typecheck template unit contract integration e2e build bench soak deploy clean openapi

install: $(STAMP)

$(STAMP): pyproject.toml layers/common/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/python -m devstack run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

template: install
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint --template template.yaml

build: install
	$(BIN)/sam build --template template.yaml

# Prints the in-process coverage of the shared package (unit + contract + integration, no e2e).
unit: install
	$(BIN)/python -m pytest -q -n 2 --cov=connector --cov-report=term:skip-covered --cov-fail-under=90 \
		tests/unit tests/contract tests/integration

# Two workers, each with its own local stack; a file's tests stay on one worker (its stack fixtures).
e2e: install
	$(BIN)/python -m pytest -q -n 2 --dist loadfile tests/e2e

test: lint typecheck template unit e2e build

openapi: install
	$(BIN)/python -m connector.pipeline.openapi > openapi.json

bench: install
	$(BIN)/python -m bench

# The fault soak alone: SOAK_EVENTS events (10,000 by default) through a fresh local stack.
soak: install
	$(BIN)/python -m bench.soak $(SOAK_EVENTS)

deploy: build
	$(BIN)/sam deploy $(if $(PROFILE),--config-env $(PROFILE),)

clean:
	rm -rf .aws-sam .devstack .pytest_cache .mypy_cache .ruff_cache
