# The two commands: `make run` starts the whole stack locally, `make test` runs every test.
# Both create or update .venv themselves. `make build` builds the deployable stack (`sam build`) with the SAM CLI
# in its own .venv-sam, compiles the built code's bytecode and checks the built layer against its budget.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 3000
STAMP := $(VENV)/.installed
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed
# `sam validate --lint` needs a region (never credentials); no usage data leaves CI or a laptop.
SAM_ENV := AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} SAM_CLI_TELEMETRY=0

.PHONY: run test lint build bench openapi clean

$(STAMP): pyproject.toml layers/leadflow/requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(SAM_STAMP): infra/build/requirements-sam.txt
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet -r infra/build/requirements-sam.txt
	touch $(SAM_STAMP)

run: $(STAMP)
	$(BIN)/leadflow run --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy && $(BIN)/lint-imports --no-cache

# No Docker: the layer is built by the python3.11 on PATH, with wheels for the template's architecture (arm64).
build: $(SAM_STAMP)
	$(SAM_ENV) $(SAM) validate --lint
	$(SAM_ENV) $(SAM) build
	$(PYTHON) -m infra.build.compile_bytecode .aws-sam/build
	$(PYTHON) -m infra.build.check_layer .aws-sam/build/LeadflowLayer

bench: $(STAMP)
	$(BIN)/python -m tests.bench.speed_to_lead

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .leadflow-data .mypy_cache .ruff_cache
