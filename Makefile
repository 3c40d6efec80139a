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

.PHONY: install run test lint typecheck template unit contract integration e2e build bench soak deploy clean openapi lock salesforce-check

install: $(STAMP)

# The lock file is a constraint of the venv: the libraries the tests run on are those the layer ships.
# Its pins without their hashes (pip would ask hashes of every package, the editable install too).
$(STAMP): pyproject.toml layers/common/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	sed -n 's/^\([A-Za-z0-9._-]*==[^ ]*\).*/\1/p' layers/common/requirements.txt > $(VENV)/layer-constraints.txt
	$(BIN)/python -m pip install --quiet -e '.[dev]' -c $(VENV)/layer-constraints.txt
	touch $(STAMP)

# The lock file of the layer, from pyproject's dependencies, resolved for the Lambda platform
# (python3.13 on Amazon Linux 2023: glibc 2.34, x86_64), with hashes. What the runtime provides is
# left out (boto3 and its own dependencies): shipped in the layer, it would shadow the runtime's.
# Versions already in the file are kept; `make lock UPGRADE=1` moves them to the newest allowed.
RUNTIME_PROVIDED := boto3 botocore s3transfer jmespath python-dateutil six urllib3
lock:
	$(BIN)/uv pip compile pyproject.toml --quiet --python-version 3.13 --python-platform x86_64-manylinux_2_34 \
		--generate-hashes --custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade,) \
		$(foreach p,$(RUNTIME_PROVIDED),--no-emit-package $(p)) -o layers/common/requirements.txt

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
	@echo "CommonLayer: $$(du -sb --apparent-size .aws-sam/build/CommonLayer | cut -f1) bytes unzipped"

# Prints the in-process coverage of the shared package (unit + contract + integration, no e2e).
unit: install
	$(BIN)/python -m pytest -q -n 2 --cov=connector --cov-report=term:skip-covered --cov-fail-under=90 \
		tests/unit tests/contract tests/integration

# Two workers, each with its own local stack; a file's tests stay on one worker (its stack fixtures).
e2e: install
	$(BIN)/python -m pytest -q -n 2 --dist loadfile tests/e2e

test: lint typecheck template salesforce-check unit e2e build

# The Salesforce side, offline (Node 20+): the loyalty profile component's jest tests with their
# coverage floor (salesforce/jest.config.js), every Apex class and trigger parsed by
# @apexdevtools/apex-parser, and every flow scanned by Lightning Flow Scanner with the rules and
# excepted findings (each with its reason) of salesforce/flow-scanner.json.
# `npm ci` runs only when node_modules is missing or the lock file changed (its stamp). What only an
# org can prove (deploy, Apex tests) is in the README, "Verify in an org".
SF_DIR := salesforce
SF_STAMP := $(SF_DIR)/node_modules/.installed
$(SF_STAMP): $(SF_DIR)/package-lock.json
	cd $(SF_DIR) && npm ci --prefer-offline --no-audit --no-fund --loglevel=error
	touch $(SF_STAMP)

salesforce-check: $(SF_STAMP)
	cd $(SF_DIR) && npx --no-install sfdx-lwc-jest --coverage --silent
	cd $(SF_DIR) && node scripts/parse-apex.js force-app scripts
	cd $(SF_DIR) && node scripts/scan-flows.js flow-scanner.json force-app

# openapi-external-services.json: the routes Salesforce calls, fit for External Services (flow actions).
openapi: install
	$(BIN)/python -m connector.pipeline.openapi > openapi.json
	$(BIN)/python -m connector.pipeline.external_services > openapi-external-services.json

bench: build
	$(BIN)/python -m bench

# The fault soak alone: SOAK_EVENTS events (10,000 by default) through a fresh local stack.
soak: install
	$(BIN)/python -m bench.soak $(SOAK_EVENTS)

deploy: build
	$(BIN)/sam deploy $(if $(PROFILE),--config-env $(PROFILE),)

clean:
	rm -rf .aws-sam .devstack .pytest_cache .mypy_cache .ruff_cache

# ---------------------------------------------------------------- Lambda artefacts
# `sam build` runs these (template.yaml: BuildMethod makefile, ContextPath .), in a scratch copy of
# the resource's code directory, with ARTIFACTS_DIR the resource's build output. Both the layer and
# the functions are compiled to bytecode by the runtime's Python (3.13): /opt and /var/task are
# read-only in Lambda, so a module without its .pyc is compiled again at every cold start.
# unchecked-hash: a .pyc is used without comparing it to its source's mtime, which the zip round
# trip of a deployment does not keep exactly (2-second DOS times), so a checked .pyc would be stale.
HERE := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
LAMBDA_PY := $(HERE)$(BIN)/python
COMPILE := $(LAMBDA_PY) -m compileall -q -j 0 --invalidation-mode unchecked-hash
# The runtime's wheels whatever the machine that builds: CPython 3.13, x86_64, glibc 2.34 (AL2023) or
# older (pip does not widen a --platform to the older manylinux tags by itself).
LAMBDA_PLATFORM := --platform manylinux_2_34_x86_64 --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --implementation cp --python-version 3.13 --only-binary=:all:
# Files no import reads: the Swagger UI that the event handler serves only with enable_swagger()
# (never called here), C sources and type stubs. Third-party libraries then ship as bytecode alone
# (sourceless .pyc in the legacy layout): their sources would double the layer (6 MB) and are read
# only to print a traceback's source lines; the connector's own package keeps its sources.
# Also what only pip and type checkers read (248 kB, which took the layer under 15 MB: 15,047,715
# -> 14,799,580 bytes, `make build`): each dist-info's RECORD, INSTALLER and REQUESTED (pip's
# uninstall bookkeeping; importlib.metadata reads METADATA and entry_points.txt, which stay, as do
# the licences), the console scripts of bin/ (/opt/python/bin is on no PATH), and pydantic's mypy
# plugins (pydantic/mypy.py, pydantic/v1/mypy.py: they import mypy, which no runtime has).
LAYER_PRUNE := -path '*/openapi/swagger_ui/*' ! -name '*.py' -o -name '*.c' -o -name '*.pyi' \
	-o -path '*.dist-info/*' \( -name RECORD -o -name INSTALLER -o -name REQUESTED \) \
	-o -path '*/python/bin/*' -o -path '*/pydantic/mypy.py' -o -path '*/pydantic/v1/mypy.py'

build-CommonLayer:
	$(LAMBDA_PY) -c 'import sys; assert sys.version_info[:2] == (3, 13), "the layer is compiled for python3.13"'
	$(LAMBDA_PY) -m pip install --quiet --no-deps --require-hashes $(LAMBDA_PLATFORM) \
		--target $(ARTIFACTS_DIR)/python -r $(HERE)layers/common/requirements.txt
	find $(ARTIFACTS_DIR)/python -depth -name __pycache__ -exec rm -rf {} + -o -type f \( $(LAYER_PRUNE) \) -delete
	find $(ARTIFACTS_DIR)/python -depth -type d -empty -delete
	# A distribution's METADATA keeps its headers (importlib.metadata reads Name, Version, Requires
	# from them) and loses its long description (the project's README, ~230 KB over the layer's
	# distributions, which nothing reads at run time); licenses stay as they are.
	$(LAMBDA_PY) -c 'import sys; from pathlib import Path; [p.write_text(p.read_text(encoding="utf-8").split("\n\n", 1)[0] + "\n", encoding="utf-8") for p in Path(sys.argv[1]).glob("*.dist-info/METADATA")]' $(ARTIFACTS_DIR)/python
	$(COMPILE) -b $(ARTIFACTS_DIR)/python
	find $(ARTIFACTS_DIR)/python -name '*.py' -delete
	tar -c --exclude __pycache__ connector | tar -x -C $(ARTIFACTS_DIR)/python
	$(COMPILE) $(ARTIFACTS_DIR)/python/connector

# A function's directory holds its handler (app.py) and nothing else of its own.
build-%Function:
	tar -c --exclude __pycache__ . | tar -x -C $(ARTIFACTS_DIR)
	$(COMPILE) $(ARTIFACTS_DIR)
