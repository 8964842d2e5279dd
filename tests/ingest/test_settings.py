"""Targets come from the environment: ELT_TARGET, DUCKDB_PATH, DATABASE_URL or the PG* variables."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingest.warehouse import PROJECT_ROOT, Target, connect


def test_duckdb_is_the_default() -> None:
    target = Target.from_env({})
    assert target.name == "duckdb" and target.duckdb_path == PROJECT_ROOT / "warehouse.duckdb"
    assert Target.from_env({"DUCKDB_PATH": "/srv/x.duckdb"}).duckdb_path == Path("/srv/x.duckdb")


def test_postgres_from_database_url() -> None:
    target = Target.from_env({"ELT_TARGET": "postgres", "DATABASE_URL": "postgresql://etl:s%40cret@db:6543/epi"})
    assert target.postgres is not None
    assert (target.postgres.host, target.postgres.port, target.postgres.user) == ("db", 6543, "etl")
    assert target.postgres.password == "s@cret" and target.postgres.database == "epi"
    assert target.dbt_env()["PGPASSWORD"] == "s@cret"


def test_elt_database_url_wins_over_database_url() -> None:
    """The API reads as a read-only role (DATABASE_URL); the ELT it starts writes as the owner."""
    env = {
        "ELT_TARGET": "postgres",
        "DATABASE_URL": "postgresql://reader:r@db/epi",
        "ELT_DATABASE_URL": "postgresql://owner:o@db/epi",
    }
    settings = Target.from_env(env).postgres
    assert settings is not None and (settings.user, settings.password) == ("owner", "o")
    with pytest.raises(ValueError, match="ELT_DATABASE_URL"):
        Target.from_env({**env, "ELT_DATABASE_URL": "mysql://owner@db/epi"})


def test_postgres_from_pg_variables() -> None:
    env = {"ELT_TARGET": "Postgres", "PGHOST": "h", "PGPORT": "5433", "PGUSER": "u", "PGDATABASE": "d"}
    settings = Target.from_env(env).postgres
    assert settings is not None and settings.url == "postgresql://u@h:5433/d"


def test_unknown_target_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="ELT_TARGET"):
        Target.from_env({"ELT_TARGET": "oracle"})


def test_a_second_connection_after_a_spill_keeps_the_spill_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB refuses to set its spill folder again once it has spilled into it, even to the same folder:
    a later connection to the same open database (the ELT's, dbt's cursors) must not try."""
    monkeypatch.setenv("ELT_TEMP_DIR", str(tmp_path / "spill"))
    monkeypatch.setenv("ELT_MEMORY_LIMIT", "100MB")
    target = Target(name="duckdb", duckdb_path=tmp_path / "warehouse.duckdb")
    with connect(target) as first:
        first.execute("create table t as select repeat('x', 60) || range as s from range(2000000)")
        first.execute("create table sorted as select s from t order by s desc")  # spills past 100MB
        spill = str((tmp_path / "spill").resolve()).replace("'", "''")
        with pytest.raises(duckdb.NotImplementedException, match="Cannot switch temporary directory"):
            first.execute(f"set temp_directory = '{spill}'")  # what a naive second connection would do
        with connect(target) as second:
            assert second.fetch_all("select count(*) from sorted") == [(2_000_000,)]
