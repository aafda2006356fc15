# giamngheo — the two commands are `make run` and `make test`; `make install` is what both use.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/dev.txt
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install lock lock-upgrade run test test-sqlite test-postgres test-latest test-stress browser lint eval bench clean migration

install: $(STAMP)

# Installs exactly the versions in the committed lock (requirements/dev.txt, with hashes), then the project itself
# without dependencies. `make lock` adds what pyproject.toml newly asks for and keeps every other pin;
# `make lock-upgrade` moves every pin to the newest release (run `make test-latest` first).
$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --require-hashes -r $(LOCK)
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

LOCK_ARGS := pyproject.toml requirements/build.in --universal --python-version 3.11 --generate-hashes -q
lock: install
	$(BIN)/uv pip compile $(LOCK_ARGS) $(UPGRADE) -o requirements/runtime.txt
	$(BIN)/uv pip compile $(LOCK_ARGS) $(UPGRADE) --extra dev -o requirements/dev.txt

lock-upgrade:
	$(MAKE) --no-print-directory lock UPGRADE=--upgrade

# The suite against the newest release of every dependency, in its own venv: how we learn what an upgrade breaks
# before moving the lock. Not part of `make test`.
test-latest: browser
	rm -rf .venv-latest && python3 -m venv .venv-latest
	.venv-latest/bin/pip install -q --disable-pip-version-check -U pip
	.venv-latest/bin/pip install -q --disable-pip-version-check -U -e '.[dev]'
	mkdir -p data && .venv-latest/bin/pip freeze --exclude-editable > data/latest-versions.txt
	TEST_DATABASE=sqlite .venv-latest/bin/pytest -q -p no:cacheprovider

# Debian packages the app and tests need: Chromium for the web chat and officials' page (Playwright drives it;
# it downloads no browser), docker-compose to validate docker-compose.yml wherever no compose client answers
# (`docker-compose config` needs no engine), DejaVu fonts for the printed notices and posters (Vietnamese),
# and poppler-utils (pdftoppm, pdftotext) with which the tests read those PDFs.
browser:
	@need=""; command -v chromium >/dev/null 2>&1 || need="chromium"; \
	test -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf || need="$$need fonts-dejavu-core"; \
	command -v pdftoppm >/dev/null 2>&1 || need="$$need poppler-utils"; \
	if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then \
	  need="$$need docker-compose"; fi; \
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

# Outside CI a missing PostgreSQL is a loud skip; under CI=true (PostgreSQL is on the CI machine) it fails.
test-postgres:
	@if $(PY) -c "import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(TEST_POSTGRES_URL)" 2>/dev/null; then \
	  echo "== test suite on PostgreSQL ($(TEST_POSTGRES_URL)) =="; \
	  TEST_DATABASE=postgres TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) $(BIN)/pytest -q -m "not no_database"; \
	elif [ "$${CI:-}" = "true" ]; then \
	  echo "!! PostgreSQL does not answer at $(TEST_POSTGRES_URL) and CI=true: FAILING (CI must test the production database)"; exit 1; \
	else \
	  echo "!! PostgreSQL does not answer at $(TEST_POSTGRES_URL): SKIPPING the PostgreSQL run"; \
	fi

# `make test` three times in a row beside a CPU hog of two busy processes: proof that no test depends on an idle
# machine. The hog is started and stopped here (also on failure or Ctrl-C).
test-stress: install browser
	@hog() { python3 -c 'while True: pass' & }; hog; p1=$$!; hog; p2=$$!; \
	trap "kill $$p1 $$p2 2>/dev/null" EXIT INT TERM; \
	for i in 1 2 3; do echo "== stress run $$i/3 (2 busy processes beside) =="; s=$$(date +%s); \
	  $(MAKE) --no-print-directory test || exit 1; echo "== stress run $$i took $$(( $$(date +%s) - s )) s =="; done

eval: install
	$(BIN)/giamngheo eval --out data/eval.json

bench: install
	@command -v wrk >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(PY) tests/bench/run.py --out data/bench.json

lint: install
	$(BIN)/ruff check core bot api delivery schedules tests
	$(BIN)/ruff format --check core bot api delivery schedules tests

clean:
	rm -rf $(VENV) .venv-latest data/*.db data/*.db-* .pytest_cache

# Regenerate the single initial migration from core/models.py (no production database exists yet).
migration: install  # a new revision from the models' changes: make migration MSG="what changed"
	d=$$(mktemp -d) && export DATABASE_URL=sqlite:///$$d/m.db && $(BIN)/alembic upgrade head >/dev/null && \
	  $(BIN)/alembic revision --autogenerate -m "$${MSG:?set MSG=\"what changed\"}" >/dev/null && rm -rf $$d
	$(BIN)/ruff check --fix -q core/migrations || true
