# One image for the production stack (docker-compose.yml): the ELT (`python -m ingest.elt`), the REST
# API (the default command) and the dbt docs build. Built from the pinned requirements.txt.

# --- builder: the virtualenv, in its own layer so that source changes do not reinstall it ----------
FROM python:3.11-slim-bookworm AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# Every pinned package has a manylinux wheel, so no compiler is needed. The linters and test tools
# (and the libraries only they use) are removed: the image runs the pipeline and the API, not tests.
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt \
 && /opt/venv/bin/pip uninstall -y \
        pytest iniconfig ruff sqlfluff sqlfluff-templater-dbt diff-cover schemathesis hypothesis \
        hypothesis-graphql graphql-core harfile jsonschema-rs pyrate-limiter sortedcontainers tblib \
 && /opt/venv/bin/pip check

# --- runtime -----------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ELT_TARGET=postgres \
    ELT_DATA_DIR=/app/data/sample \
    ELT_STATE_DIR=/var/lib/epidemic/elt-runs \
    DBT_TARGET_PATH=/tmp/dbt/target \
    DBT_LOG_PATH=/tmp/dbt/logs \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    DO_NOT_TRACK=1 \
    RUNTIME__DLTHUB_TELEMETRY=false

# The source stays owned by root (read-only for the service user); only the state folders are its own.
# /tls is where the compose `certs` service writes a self-signed certificate with the base image's openssl
# (a dependency of ca-certificates; checked here so that a base image without it fails the build).
RUN groupadd --system --gid 10001 epidemic \
 && useradd --system --uid 10001 --gid epidemic --create-home --home-dir /home/epidemic epidemic \
 && install -d -o epidemic -g epidemic /var/lib/epidemic/elt-runs /srv/docs \
 && install -d -o epidemic -g epidemic -m 0700 /tls \
 && openssl version

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
COPY profiles.yml ./
COPY seeds/ seeds/
COPY dbt_project/ dbt_project/
COPY data/sample/ data/sample/
COPY ingest/ ingest/
COPY api/ api/
# The catalog's dbt view (dbt_project/generated/) is written here, while the source is still writable:
# at run time the ELT finds it current and dbt (docs-build too) reads it.
RUN /opt/venv/bin/python -m ingest.catalog

USER epidemic:epidemic
EXPOSE 8000
CMD ["uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000", "--workers", "2", "--no-access-log"]
