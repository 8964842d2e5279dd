# Epidemic data platform. `make elt` then `make test` is all a fresh clone needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export ELT_TARGET ?= duckdb
# The DuckDB target's warehouse. On Spark, unset unless given: the marts are then published into the lake's
# serving file (<LAKE_PATH>/warehouse.duckdb), never over the DuckDB target's warehouse.
ifneq ($(ELT_TARGET),spark)
export DUCKDB_PATH ?= $(CURDIR)/warehouse.duckdb
endif
export ELT_DATA_DIR ?= $(CURDIR)/data/sample
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export RUNTIME__DLTHUB_TELEMETRY := false

DBT := $(BIN)/dbt
DBT_ARGS := --project-dir dbt_project --profiles-dir . --target $(ELT_TARGET)

.PHONY: help venv catalog elt docs docs-serve lint audit format test bench bench-elt bench-api lock clean api createadmin api-models secrets up down compose-config report dashboards exposures

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

venv: $(STAMP) ## Create the virtualenv from pinned dependencies

catalog: $(STAMP) ## Check ingest/catalog.yml and write its dbt view (dbt_project/generated/; every dbt target does this)
	$(BIN)/python -m ingest.catalog

elt: $(STAMP) ## Load $(ELT_DATA_DIR) raw with dlt and build every model with dbt (DuckDB by default)
	$(BIN)/python -m ingest.elt

API_HOST ?= 127.0.0.1
API_PORT ?= 8000
API_WORKERS ?= 2
ADMIN ?= admin

api: $(STAMP) ## Serve the REST API on the warehouse `make elt` built (docs at /docs)
	$(BIN)/uvicorn api.main:app --host $(API_HOST) --port $(API_PORT) --workers $(API_WORKERS) --no-access-log

createadmin: $(STAMP) ## Create (or reset) the first ADMIN user: make createadmin ADMIN=name (asks for the password)
	$(BIN)/python -m api.cli createadmin $(ADMIN)

api-models: catalog ## Regenerate api/models/marts.py from the dbt contracts and descriptions
	$(DBT) parse $(DBT_ARGS)
	$(BIN)/python scripts/generate_api_models.py

docs: catalog ## Build the dbt docs site (lineage) into dbt_project/target
	$(DBT) docs generate --static $(DBT_ARGS)
	@echo "Docs site: dbt_project/target/static_index.html (one file, opens from disk) or: make docs-serve"

docs-serve: docs ## Serve the docs site on http://localhost:8080
	$(DBT) docs serve $(DBT_ARGS) --port 8080 --no-browser

lint: catalog ## sqlfluff (dbt templater) on models, ruff on Python (with its security rules, S)
	$(BIN)/ruff check ingest api dashboards tests bench scripts
	$(BIN)/ruff format --check ingest api dashboards tests bench scripts
	$(BIN)/sqlfluff lint dbt_project/models $(wildcard dbt_project/tests dbt_project/analyses)

audit: ## Known vulnerabilities in the pinned dependencies (pip-audit; skipped without a network; docs/security-checks.md)
	$(PYTHON) scripts/audit_dependencies.py --venv $(VENV) --tool-venv .venv-audit

format: catalog ## Apply ruff format and sqlfluff fix
	$(BIN)/ruff format ingest api dashboards tests bench scripts
	$(BIN)/sqlfluff fix dbt_project/models

# Tests run on TEST_WORKERS processes (pytest-xdist; `auto`: one per core); the readers of the Spark build
# share one worker (--dist loadgroup), so the sample is built on Spark once. Work goes out in the order
# tests/conftest.py sets (--no-loadscope-reorder): Spark readers once their background build is done.
TEST_WORKERS ?= auto

test: $(STAMP) lint ## Everything CI runs: lint, ingest, dbt on DuckDB, Postgres and Spark, end-to-end on real data
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

bench: $(STAMP) ## The ELT cost curve: 1x/10x/100x the real files, DuckDB and Postgres (Spark local: 1x, 10x), vs floors; BENCHMARKS.md + .svg
	$(BIN)/python -m bench.bench_curve $(BENCH_ARGS)

bench-elt: $(STAMP) ## The raw load and full ELT on the real files (1x) against a DuckDB floor; adds to BENCHMARKS.md
	$(BIN)/python -m bench.bench_elt

bench-api: $(STAMP) ## Measure the API (2 workers, wrk) and CSV export against DuckDB COPY; adds to BENCHMARKS.md
	$(BIN)/python -m bench.bench_api

lock: ## Re-resolve requirements.in into the pinned requirements.txt
	rm -rf /tmp/epidemic-lock && $(PYTHON) -m venv /tmp/epidemic-lock
	/tmp/epidemic-lock/bin/pip install --quiet -r requirements.in
	(echo "# Pinned full dependency set (pip freeze of requirements.in on Python 3.11). Regenerate: make lock"; \
	 /tmp/epidemic-lock/bin/pip freeze) > requirements.txt

clean: ## Remove the warehouse, dbt artifacts and caches (keeps the virtualenv)
	rm -rf warehouse.duckdb warehouse.duckdb.wal .warehouse-build dbt_project/target dbt_project/logs .pytest_cache

# Production stack (docker-compose.yml, docs/deploy.md): the Compose v2 plugin, else docker-compose v1.
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)

secrets: ## Create the missing secret files in secrets/ (random) and write the database URLs from the passwords
	python3 scripts/make_secrets.py

up: ## Build and start the production stack behind its TLS proxy; secrets from secrets/ (make secrets) or .env
	@if grep -qs '^COMPOSE_FILE=.*docker-compose.env-secrets.yml' .env; then \
	  ! grep -q '=change-me' .env || { echo ".env still has change-me placeholders: set real secrets (openssl rand -hex 32)"; exit 1; }; \
	else \
	  python3 scripts/make_secrets.py --check; \
	fi
	$(COMPOSE) up -d --build

down: ## Stop the production stack (the data volumes are kept)
	$(COMPOSE) down

compose-config: ## Validate docker-compose.yml (secret files, secrets from .env, the Spark override) with .env.example
	$(COMPOSE) --env-file .env.example -f docker-compose.yml config --quiet
	$(COMPOSE) --env-file .env.example -f docker-compose.yml -f docker-compose.env-secrets.yml config --quiet
	$(COMPOSE) --env-file .env.example -f docker-compose.yml -f docker-compose.spark.yml config --quiet
	@echo "docker-compose.yml is valid, alone and with each override"

# Dashboards as code: dashboards/specs/*.yml (docs/dashboards.md).
report: $(STAMP) ## Render every dashboard to one static HTML file: reports/index.html
	$(BIN)/python -m dashboards.report

dashboards: catalog ## Provision the dashboards into Metabase (MB_URL, MB_API_KEY or MB_USER/MB_PASSWORD), then dbt-metabase
	$(DBT) parse $(DBT_ARGS)
	$(BIN)/python -m dashboards.metabase --manifest dbt_project/target/manifest.json

exposures: $(STAMP) ## Regenerate dbt_project/models/exposures.yml from the specs and api/resources.py
	$(BIN)/python -m dashboards.exposures
