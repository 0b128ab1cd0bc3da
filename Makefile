# The two set-up commands of the README's quick start.
#   make run   installs zaro and runs the main job on the built-in defaults
#   make test  installs zaro with its test tools (and Chromium), checks lint and types, runs the suite
#
# Both install into the active virtualenv, or, when none is active (VIRTUAL_ENV unset), into a
# project virtualenv .venv that they create: a system Python that refuses `pip install`
# (PEP 668, as on Debian and Ubuntu) is only used to make that venv.

BASE_PYTHON ?= python3
ifdef VIRTUAL_ENV
PYTHON ?= python
VENV_READY :=
else
PYTHON := .venv/bin/python
VENV_READY := .venv/bin/python
endif
PIP := $(PYTHON) -m pip --quiet --disable-pip-version-check
# Root needs no sudo (CI runs as root on a clean clone).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint install install-test chromium java notebook-filter bench

.venv/bin/python:
	@echo "make: creating the project virtualenv .venv"
	@$(BASE_PYTHON) -m venv .venv 2>/dev/null || { \
	  echo "make: installing python3-venv (Debian/Ubuntu) to create .venv"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv >/dev/null && \
	  rm -rf .venv && $(BASE_PYTHON) -m venv .venv; }
	@$(PIP) install --upgrade pip

install: $(VENV_READY) notebook-filter
	@echo "make: installing zaro into $$($(PYTHON) -c 'import sys; print(sys.prefix)')"
	@$(PIP) install --editable ".[notebooks]"

run: install
	@$(PYTHON) -m scoring run

# Notebooks lose their outputs on the way into a commit (.gitattributes names the filter);
# cell ids stay as they are, so a commit changes only what was edited.
# The filter is required, so git runs nothing without nbstripout: it is installed first (it
# also comes with the notebooks extra). Outside a git checkout (an unpacked sdist) there is
# nothing to set up.
notebook-filter: $(VENV_READY)
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  { $(PYTHON) -c 'import nbstripout' 2>/dev/null || $(PIP) install "nbstripout>=0.8"; } && \
	  python=$$($(PYTHON) -c 'import sys; print(sys.executable)') && \
	  git config filter.nbstripout.clean "'$$python' -m nbstripout --keep-id" && \
	  git config filter.nbstripout.smudge cat && \
	  git config filter.nbstripout.required true && \
	  git config diff.ipynb.textconv "'$$python' -m nbstripout -t"; \
	fi

# Browser tests drive Debian's Chromium; install it when it is missing (needs root or sudo).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "make: installing Chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# The Spark tests (tests/test_spark.py) run PySpark 4, which needs Java 17 or later.
java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "make: installing Java for the Spark tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

install-test: chromium java $(VENV_READY) notebook-filter
	@echo "make: installing zaro and its test tools into $$($(PYTHON) -c 'import sys; print(sys.prefix)')"
	@$(PIP) install --editable ".[test]"

# The habits machines check: formatting, lint, types.
lint: install-test
	@$(PYTHON) -m ruff check --quiet .
	@$(PYTHON) -m ruff format --check --quiet .
	@$(PYTHON) -m mypy

# The slowest tests are listed at the end, so a suite growing towards CI's limit shows where.
# Two workers (pytest-xdist); tests go to them a module at a time, and every module reading the
# full report site to the one that builds it (tests/conftest.py), so no fixture is built twice.
TEST_WORKERS ?= 2
test: lint
	@$(PYTHON) -m pytest -q --durations=15 -n $(TEST_WORKERS) --dist loadgroup

bench: install
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(PYTHON) $$script || exit 1; done
