# The two commands a newcomer needs: `make site` builds output/ from data/, `make test` runs
# the suite. Each creates .venv/ and installs what it needs first (again when pyproject.toml
# changes). Needs only Python 3.11+, git and make; the browser tests also need Debian's chromium.

PYTHON ?= python3
BUILD_ARGS ?=  # e.g. BUILD_ARGS="--strict --site-url https://example.org/" (CI does)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: site test serve lint demo clean

site: $(VENV)/.site  ## validate, score and build the demo site into output/
	$(BIN)/python publish.py build $(BUILD_ARGS)

test: $(VENV)/.test  ## lint, then the whole test suite
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

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

$(VENV)/.test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.site

clean:
	rm -rf $(VENV) output .pytest_cache .ruff_cache
