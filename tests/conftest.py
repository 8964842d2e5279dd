"""Shared fixtures: input folders, DuckDB and Postgres warehouses built by the real pipeline."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingest.elt import run
from ingest.warehouse import PROJECT_ROOT, PostgresSettings, Target
from tests.support import postgres

SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"
REAL_DATA_DIR = Path(os.environ.get("REAL_DATA_DIR") or PROJECT_ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session", autouse=True)
def _isolated_dbt_artifacts(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the tests' dbt artifacts and logs out of the developer's dbt_project/target."""
    artifacts = tmp_path_factory.mktemp("dbt")
    os.environ["DBT_TARGET_PATH"] = str(artifacts / "target")
    os.environ["DBT_LOG_PATH"] = str(artifacts / "logs")
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped sample, safe to edit."""
    target = tmp_path / "input"
    shutil.copytree(SAMPLE_DIR, target)
    return target


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    if not (REAL_DATA_DIR / "covid19").is_dir():
        pytest.skip(f"real data not found at {REAL_DATA_DIR} (set REAL_DATA_DIR); skipping real-data tests")
    return REAL_DATA_DIR


def duckdb_target(path: Path) -> Target:
    return Target(name="duckdb", duckdb_path=path)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresSettings]:
    with postgres.server_from_env_or_throwaway() as settings:
        yield settings


@pytest.fixture
def postgres_target(postgres_server: PostgresSettings) -> Iterator[Target]:
    """A warehouse in a fresh database of the test Postgres server, dropped afterwards."""
    database = postgres.create_database(postgres_server)
    yield Target(name="postgres", postgres=database)
    postgres.drop_database(postgres_server, database.database)


# Warehouses built once per session from the shipped sample (read by tests/dbt and tests/dashboards).
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


@contextmanager
def built_warehouse(
    request: pytest.FixtureRequest, data_dir: Path, name: str, expected_code: int = 0
) -> Iterator[Target]:
    """A warehouse built from `data_dir` on the engine of a fixture parametrised with "duckdb"/"postgres":
    a DuckDB file in a temporary folder, or a database of the test Postgres server dropped afterwards."""
    if request.param == "duckdb":
        target = duckdb_target(request.getfixturevalue("tmp_path_factory").mktemp(name) / "warehouse.duckdb")
        assert run(data_dir, target) == expected_code
        yield target
        return
    server: PostgresSettings = request.getfixturevalue("postgres_server")
    database = postgres.create_database(server, prefix=name)
    target = Target(name="postgres", postgres=database)
    try:
        assert run(data_dir, target) == expected_code
        yield target
    finally:
        postgres.drop_database(server, database.database)
