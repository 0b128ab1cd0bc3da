# The two set-up commands of the README's quick start.
#   make run   installs zaro and runs the main job on the built-in defaults
#   make test  installs zaro with its test tools (and Chromium) and runs the test suite

PYTHON ?= python3
PIP    := $(PYTHON) -m pip

.PHONY: run test install install-test chromium java bench

install:
	$(PIP) install --quiet --editable ".[notebooks]"

run: install
	zaro run

# Browser tests drive Debian's Chromium; install it when it is missing (needs root/sudo).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The Spark tests (tests/test_spark.py) run PySpark 4, which needs Java 17 or later.
java:
	@command -v java >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }

install-test: chromium java
	$(PIP) install --quiet --editable ".[test]"

test: install-test
	$(PYTHON) -m pytest

bench: install
	for script in benchmarks/bench_*.py; do echo "== $$script"; $(PYTHON) $$script || exit 1; done
