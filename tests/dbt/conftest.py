"""Warehouses built once per session from the shipped sample, on DuckDB and on Postgres."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ingest.elt import run
from ingest.warehouse import PostgresSettings, Target
from tests.conftest import SAMPLE_DIR, duckdb_target
from tests.support import postgres


@pytest.fixture(scope="session")
def sample_duckdb(tmp_path_factory: pytest.TempPathFactory) -> Target:
    target = duckdb_target(tmp_path_factory.mktemp("duckdb") / "warehouse.duckdb")
    assert run(SAMPLE_DIR, target) == 0, "make elt on the sample must succeed on DuckDB"
    return target


@pytest.fixture(scope="session")
def sample_postgres(postgres_server: PostgresSettings) -> Iterator[Target]:
    database = postgres.create_database(postgres_server, prefix="sample")
    target = Target(name="postgres", postgres=database)
    assert run(SAMPLE_DIR, target) == 0, "make elt on the sample must succeed on Postgres"
    yield target
    postgres.drop_database(postgres_server, database.database)


@pytest.fixture(params=["duckdb", "postgres"])
def sample_warehouse(request: pytest.FixtureRequest) -> Target:
    return request.getfixturevalue(f"sample_{request.param}")
