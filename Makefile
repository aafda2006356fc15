# giamngheo — the two commands are `make run` and `make test`; `make install` is what both use.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run test test-sqlite test-postgres browser lint eval bench clean migration

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -U pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

# Debian packages the tests drive: Chromium for the web chat and officials' page (Playwright drives it; it
# downloads no browser), and docker-compose to validate docker-compose.yml where the docker client has no
# compose plugin (`docker compose config` needs no engine).
browser:
	@need=""; command -v chromium >/dev/null 2>&1 || need="chromium"; \
	if command -v docker >/dev/null 2>&1 && ! docker compose version >/dev/null 2>&1 \
	   && ! command -v docker-compose >/dev/null 2>&1; then need="$$need docker-compose"; fi; \
	if [ -n "$$need" ]; then \
	  echo "installing Debian's$$need for the tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; fi

run: install
	$(BIN)/giamngheo db upgrade
	$(BIN)/giamngheo content check
	$(BIN)/giamngheo serve --host $(HOST) --port $(PORT)

test: install browser
	$(BIN)/ruff check core bot api delivery schedules tests
	$(BIN)/giamngheo content check
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== test suite on SQLite =="
	TEST_DATABASE=sqlite $(BIN)/pytest -q

test-postgres:
	@if $(PY) -c "import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(TEST_POSTGRES_URL)" 2>/dev/null; then \
	  echo "== test suite on PostgreSQL ($(TEST_POSTGRES_URL)) =="; \
	  TEST_DATABASE=postgres TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -q -m "not no_database"; \
	else \
	  echo "!! PostgreSQL does not answer at $(TEST_POSTGRES_URL): SKIPPING the PostgreSQL run"; \
	fi

eval: install
	$(BIN)/giamngheo eval --out data/eval.json

bench: install
	@command -v wrk >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(PY) tests/bench/run.py --out data/bench.json

lint: install
	$(BIN)/ruff check core bot api delivery schedules tests
	$(BIN)/ruff format --check core bot api delivery schedules tests

clean:
	rm -rf $(VENV) data/*.db data/*.db-* .pytest_cache

# Regenerate the single initial migration from core/models.py (no production database exists yet).
migration: install
	rm -f core/migrations/versions/0001_initial_schema.py
	d=$$(mktemp -d) && DATABASE_URL=sqlite:///$$d/m.db $(BIN)/alembic revision --autogenerate -m "initial schema" --rev-id 0001 >/dev/null && rm -rf $$d
	$(BIN)/ruff check --fix -q core/migrations || true
