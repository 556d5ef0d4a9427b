# Karla: every target bootstraps .venv from the lock file first (python3 + make is all it needs).
PYTHON ?= python3
VENV := .venv
UV_VERSION := 0.13.9
SYNCED := $(VENV)/.synced-$(shell cat uv.lock pyproject.toml | cksum | cut -d' ' -f1)
BIN := $(VENV)/bin

.PHONY: venv demo test lint bench eval stop clean-state mock-client-api

venv: $(SYNCED)

$(SYNCED): uv.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Karla needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@$(BIN)/uv sync --frozen --quiet
	@rm -f $(VENV)/.synced-* && touch $@

demo: venv
	$(BIN)/karla demo

test: venv
	$(BIN)/pytest $(PYTEST_ARGS)

# The RingCentral media bridge (Node, bridge/): its own lock, its tests against a real
# media server that bridge/test starts through .venv (devstack/bridge_fixture.py).
.PHONY: test-bridge
test-bridge: venv
	cd bridge && npm ci --no-audit --no-fund && npm test

# The whole system on this machine, in the foreground until Ctrl-C (README: "Running the
# local stack"); `karla call ...` in another shell places a call on it.
.PHONY: dev
dev: venv
	$(BIN)/karla dev $(DEV_ARGS)

# `make dev` headless: a stack on free ports and scratch state, `karla call`s, all checked.
.PHONY: e2e
e2e: venv
	$(BIN)/python -m devstack.dev_e2e

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: venv
	$(BIN)/python -m bench $(BENCH_ARGS)

eval: venv
	$(BIN)/karla eval tests/scenarios/scenarios.yaml

stop: venv
	$(BIN)/karla stop

clean-state: stop
	rm -rf .state
