# The two commands of CONTRACT §1, plus lint and bench. Python 3.11+ and make are all it assumes.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PYTEST_ARGS ?=

.PHONY: dev test test-containers lint fmt bench env system-deps clean docs

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

system-deps:
	@scripts/system-deps.sh libzbar0

env: $(UV) system-deps
	$(UV) sync --frozen

dev: env
	.venv/bin/vssid dev

test: env
	@scripts/system-deps.sh poppler-utils chromium chromium-driver
	.venv/bin/pytest $(PYTEST_ARGS)

# The system in containers without an image registry (deploy/local/): needs root; see README.
test-containers: env
	scripts/test-containers.sh

lint: env
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports
	.venv/bin/python -m vssid.asyncapi_docs check

# AsyncAPI documents of the workers (docs/asyncapi/, and the copy review serves at /asyncapi).
docs: env
	.venv/bin/python -m vssid.asyncapi_docs write

fmt: env
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench: env
	.venv/bin/python bench/qr.py

clean:
	rm -rf .venv .tools .mypy_cache .ruff_cache .pytest_cache
