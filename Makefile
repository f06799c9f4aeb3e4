# `make run` installs and starts the service; `make test` installs what tests need and runs them.
PYTHON ?= python3
VENV ?= .venv
MONGO_VENV ?= .venv-mongo
PY = $(VENV)/bin/python

.PHONY: install run wheel test clean system-deps

# .venv/.runtime: the service and its runtime dependencies (make run); .venv/.installed adds the test
# extras (pytest, selenium, schemathesis) to the same venv (make test).
$(VENV)/.runtime: setup.py
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e .
	touch $@

$(VENV)/.installed: $(VENV)/.runtime setup.py
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

# The MongoDB-wire test server pins its own pymongo, so it lives in a venv of its own.
$(MONGO_VENV)/.installed:
	$(PYTHON) -m venv $(MONGO_VENV)
	$(MONGO_VENV)/bin/pip install -q 'nx-27017==0.8.1'
	touch $@

install: $(VENV)/.runtime

run: install
	$(VENV)/bin/service-background

# dist/service_background-<version>-py3-none-any.whl: what docker/Dockerfile installs
wheel: install
	$(PY) -m pip wheel . --no-deps -q -w dist

# The closer-to-MongoDB server, used when TEST_MONGO_SERVER=secantusdb.
.venv-secantus/.installed:
	$(PYTHON) -m venv .venv-secantus
	.venv-secantus/bin/pip install -q 'secantusdb==0.7.0b3'
	touch $@

MONGO_SERVERS = $(MONGO_VENV)/.installed $(if $(filter secantusdb,$(TEST_MONGO_SERVER)),.venv-secantus/.installed)

# redis-server backs the cron Lua `redis` module tests; Debian's package (the machine runs as root).
system-deps:
	@command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }
# PostgreSQL's server programs (the tests start a throwaway cluster): Debian keeps them off PATH
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# Three pytest workers (pytest-xdist): most tests wait on services and subprocesses, not on the CPU.
PYTEST_WORKERS ?= 3

# ruff and mypy first (settings in pyproject.toml): a finding stops the build before the tests run.
test: system-deps $(VENV)/.installed $(MONGO_SERVERS)
	$(VENV)/bin/ruff check src test bench bin
	$(VENV)/bin/mypy
	NX27017_BIN=$(abspath $(MONGO_VENV))/bin/nx-27017 SECANTUSD_BIN=$(abspath .venv-secantus)/bin/secantusd-py \
		$(PY) -m pytest -n $(PYTEST_WORKERS) test $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) $(MONGO_VENV) .venv-secantus bench/.venv-peers build dist
