# Two commands to start: `make site` builds the guide, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
CHECKERS := node_modules/.ready

.PHONY: help site serve check test bench audit clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

site: $(READY) ## Build the guide from content/ into site/
	$(BIN)/python build.py build

serve: $(READY) ## Serve the guide at http://127.0.0.1:8000/, rebuilding and reloading on every save
	$(BIN)/python build.py serve

check: $(READY) ## Check the content without building; warnings included
	$(BIN)/python build.py check

test: $(READY) $(CHECKERS) ## Run the whole test suite
	$(BIN)/python -m pytest

bench: $(READY) ## Time save-to-reload with the live server (needs Chromium)
	$(BIN)/python bench/reload.py

audit: $(READY) $(CHECKERS) ## Nu checker, axe and Lighthouse over a fresh build, as one table (needs Chromium)
	$(BIN)/python tools/audit.py

clean: ## Remove the build output and the virtual environment
	rm -rf site $(VENV)

$(READY): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "exguide needs Python 3.11 or newer; set PYTHON=python3.11 (or newer)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# The Nu HTML Checker for the validity tests; without npm those tests skip and say why.
$(CHECKERS): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the HTML validity tests will be skipped (install Node.js and npm)"; fi
