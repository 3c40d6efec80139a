# One-command entry points. Every target that needs the virtualenv creates it first.
SHELL := /bin/bash
PYENV_PY := $(shell ls -d $$(pyenv root 2>/dev/null)/versions/3.13*/bin/python 2>/dev/null | tail -n 1)
PYTHON ?= $(if $(PYENV_PY),$(PYENV_PY),python3.13)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# checkov (the infrastructure-as-code scanner) lives in a venv of its own: installed beside the
# project it would downgrade boto3/botocore (1.43 -> 1.35), packaging (26 -> 23) and networkx
# (3.7 -> 2.6, which cfn-lint uses), so the project would be tested against other libraries than
# it ships with. Its stamp names the pinned version: changing the pin reinstalls it.
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0

.PHONY: install run test lint typecheck template unit contract integration e2e build bench soak deploy clean openapi

install: $(STAMP)

$(STAMP): pyproject.toml layers/common/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(CHECKOV_STAMP):
	rm -rf $(CHECKOV_VENV)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	touch $(CHECKOV_STAMP)

run: install
	$(BIN)/python -m devstack run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

# checkov: every finding is fixed or suppressed in template.yaml with its reason (Metadata: checkov:
# skip). --skip-download: no call to the vendor's platform (guidelines, severities) from a test.
template: install $(CHECKOV_STAMP)
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint --template template.yaml
	$(CHECKOV_VENV)/bin/checkov --file template.yaml --framework cloudformation --quiet --compact --skip-download

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
