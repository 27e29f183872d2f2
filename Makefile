# advisory-watch: the two set-up commands of the README, and their helpers.
#   make run    venv + install + migrate, then Airflow standalone with the project's DAGs, its metadata
#               on an embedded PostgreSQL under var/postgres (LocalExecutor; ^C stops both)
#               (make run ONCE=1: one cycle through the CLI instead, then exit; SQLite only)
#   make test   venv + install + (start the local PostgreSQL if it is installed) + the whole suite

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export ADVISORY_WATCH_HOME ?= $(CURDIR)/var
export AIRFLOW_HOME ?= $(CURDIR)/var/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION ?= False
export AIRFLOW__API__PORT ?= 8080
# The UI listens on loopback only (Airflow's default is every interface); compose sets its own.
export AIRFLOW__API__HOST ?= 127.0.0.1
# Task processes reach the API server here; it must follow the port.
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL ?= http://127.0.0.1:$(AIRFLOW__API__PORT)/execution/

.PHONY: run test test-unit venv postgres lint bench clean topology screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/advisory-watch db upgrade
ifeq ($(ONCE),1)
	$(BIN)/advisory-watch run
else
	@echo "Airflow UI: http://127.0.0.1:$(AIRFLOW__API__PORT)  (user admin; password in $(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated)"
	PATH=$(CURDIR)/$(BIN):$$PATH exec $(BIN)/advisory-watch airflow-standalone
endif

postgres:
	@if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then \
		if [ -d /etc/postgresql ]; then \
			pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start || true; \
			for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
		fi; \
	fi

test: $(STAMP) postgres
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder --durations=15

# The pure tier (tests/unit: no PostgreSQL, no Airflow, no subprocess, no corpus-wide replay): seconds.
test-unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

# Re-take the README's screenshots (the suite itself writes them to a scratch folder).
screenshots: $(STAMP)
	ADVISORY_WATCH_SCREENSHOTS=$(CURDIR)/docs/screenshots PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python -m pytest -q \
		tests/system/test_history_browser.py tests/scenarios/test_government_replay.py tests/system/test_make_run.py \
		-k "person_sees or headless_chromium or dag_page_in_the_browser"

# The compose topology as local processes (CeleryExecutor, PostgreSQL, Redis); ^C stops it.
topology: $(STAMP)
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python -m advisory_watch.topology

# ruff, the layers of ../shared/architecture.json ([tool.importlinter] in pyproject.toml), then mypy
# on diffing, scrapers, models and alerts ([tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports && $(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/bench_state_dept.py
	$(BIN)/python bench/bench_documents.py
	$(BIN)/python bench/bench_history.py
	$(BIN)/python bench/bench_backfill.py
	$(BIN)/python bench/bench_page_corpus.py
	$(BIN)/python bench/bench_government_corpus.py
	$(BIN)/python bench/bench_witnesses.py
	$(BIN)/python bench/bench_parsers.py
	$(BIN)/python bench/bench_read_path.py

clean:
	-test -x $(BIN)/advisory-watch && $(BIN)/advisory-watch airflow-standalone --stop-leftovers
	rm -rf $(VENV) var
