# Learnloop: `make run` starts the local stack, `make test` runs the suite. Both install what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt constraints.txt | sha1sum | cut -c1-12)
STAGE ?= prod
PYTEST_WORKERS ?= 2

.PHONY: install browser vendor run test lint unit api e2e fuzz bench screenshot package clean

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@rm -f $(VENV)/.installed-*
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $(STAMP)

install: $(STAMP)

# Debian's chromium for the dashboard's browser test (tests/e2e/test_dashboard.py); installed once, quietly.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq >/dev/null && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# axe-core, the accessibility engine the console's browser tests inject (tests/e2e/console_harness.py): pinned,
# checked against the registry's sha1 and unpacked into build/vendor (git-ignored). The browser never fetches it.
AXE_VERSION := 4.14.1
AXE_SHA1 := 14d8a6f3f085afd126b8b5ca1e42e50e17fb1d99
AXE := build/vendor/axe-core-$(AXE_VERSION)/axe.min.js

$(AXE):
	@mkdir -p build/vendor/axe-core-$(AXE_VERSION)
	@cd build/vendor && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null && \
		echo "$(AXE_SHA1)  axe-core-$(AXE_VERSION).tgz" | sha1sum --quiet -c - && \
		tar -xzf axe-core-$(AXE_VERSION).tgz -C axe-core-$(AXE_VERSION) --strip-components=1 package/axe.min.js && \
		rm axe-core-$(AXE_VERSION).tgz

vendor: $(AXE)

run: install
	$(BIN)/python -m devstack

test: install browser vendor
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

unit api: install
	$(BIN)/python -m pytest -q tests/$@

e2e: install browser vendor
	$(BIN)/python -m pytest -q tests/$@

# Schema-driven fuzzing of every operation with a larger budget than make test's (FUZZ_EXAMPLES per operation).
FUZZ_EXAMPLES ?= 150
fuzz: install
	LEARNLOOP_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q tests/e2e/test_fuzz_api.py

# Rewrite docs/dashboard.png and docs/console/*.png: the browser tests record demo data and photograph the pages.
screenshot: install browser vendor
	UPDATE_SCREENSHOT=1 $(BIN)/python -m pytest -q tests/e2e/test_dashboard.py tests/e2e/test_console.py tests/e2e/test_console_learning.py

bench: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt -c constraints.txt
	$(BIN)/python -m bench

# The CloudFormation (SAM) template and deployment package of a stage, with infra/ merged in (see docs/operations.md).
package: install
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(BIN)/chalice package --stage $(STAGE) \
		--template-format yaml --merge-template infra/template.yaml build/$(STAGE)

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
