# Two commands to start: `make site` builds the guide, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
CHECKERS := node_modules/.ready
BENCH_VENV := .venv-bench
BENCH_TOOLS := $(BENCH_VENV)/.ready

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

bench: $(READY) $(BENCH_TOOLS) ## Time builds of 1,000 and 10,000 exercises (generated, and free-exercise-db scaled up) against Hugo, Pelican and MkDocs, and save-to-reload (needs Chromium)
	$(BIN)/python bench/run.py --tools $(BENCH_VENV)/bin --timeout 300
	$(BIN)/python bench/run.py --corpus free-exercise-db --only-ours --timeout 300 \
		--json bench/results/latest-free-exercise-db.json
	$(BIN)/python bench/reload.py

audit: $(READY) $(CHECKERS) ## Nu checker, axe and Lighthouse over a fresh build, as one table (needs Chromium)
	$(BIN)/python tools/audit.py

clean: ## Remove the build output, its cache and the virtual environments
	rm -rf site .site-cache .site.next $(VENV) $(BENCH_VENV)

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

# The other generators the benchmark times, kept apart from ours so that their dependencies never mix.
$(BENCH_TOOLS): bench/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.txt
	@touch $@
