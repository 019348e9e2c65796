# Everyday commands for developers; `bash .ci/run` is what CI runs (it installs system packages
# too). Override the interpreter with `make test PYTHON=.venv/bin/python`.
PYTHON ?= python3
PIP = $(PYTHON) -m pip install --disable-pip-version-check

.PHONY: bootstrap lock lint typecheck test test-pg bench

# Front-end assets, the locked Python dependencies (checked against their hashes), planwatch.
bootstrap:
	npm ci --no-audit --no-fund
	$(PIP) --require-hashes -r requirements/lock.txt
	$(PIP) --no-deps -e .

# Resolve requirements/lock.txt again from pyproject.toml, keeping the versions it pins where
# they still fit (needs uv: pip install uv). LOCK_FLAGS=--upgrade takes the newest of everything;
# LOCK_FLAGS="--upgrade-package django" of one package.
LOCK_FLAGS ?=
lock:
	uv pip compile --quiet pyproject.toml --extra test --extra postgres --extra bench --generate-hashes \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 $(LOCK_FLAGS) \
		-o requirements/lock.txt

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

typecheck:
	$(PYTHON) -m mypy

# The whole suite on SQLite (a temporary database), browser tests included.
test:
	env -u DATABASE_URL $(PYTHON) -m pytest

# The whole suite on a private PostgreSQL server, started and stopped around it.
test-pg:
	.ci/with-postgres $(PYTHON) -m pytest

# The benchmarks that need no server of their own (web_load.py needs wrk: see the README).
bench:
	$(PYTHON) benchmarks/parse_text.py
	$(PYTHON) benchmarks/import_formats.py
	$(PYTHON) benchmarks/quality_precision.py
	$(PYTHON) benchmarks/similar.py
