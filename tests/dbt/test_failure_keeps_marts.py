"""A failing dbt build leaves the previous marts untouched, on DuckDB and on Postgres; the next run recovers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ingest import elt
from ingest.dbt_runner import run_dbt
from ingest.warehouse import PostgresSettings, Target
from tests.support import postgres, sample_builds
from tests.support.warehouse import rows, scalar

FACT = "marts.fct_vaccinations_by_manufacturer"


def _half_build_then_fail(work: Target, *_args: str, **_kwargs: object) -> int:
    """Really build part of the project into the work target, then fail like a broken model would."""
    assert run_dbt(work, "build", "--select", "+staging", "--indirect-selection", "cautious") == 0
    return 1


@pytest.fixture(params=["duckdb", "postgres"])
def built(request: pytest.FixtureRequest, sample_copy: Path, tmp_path: Path) -> Iterator[Target]:
    """A warehouse as the first run on the sample leaves it."""
    if request.param == "duckdb":
        yield sample_builds.duckdb_copy(sample_copy, tmp_path / "warehouse.duckdb")
        return
    server: PostgresSettings = request.getfixturevalue("postgres_server")
    database = sample_builds.postgres_copy(server, sample_copy, prefix="failure")
    yield Target(name="postgres", postgres=database)
    postgres.drop_database(server, database.database)


def test_failed_build_keeps_previous_marts(sample_copy: Path, built: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    before = scalar(built, f"select count(*) from {FACT}")

    path = sample_copy / "covid19" / "country_vaccinations_by_manufacturer.csv"
    path.write_text(path.read_text() + "France,2021/1/29,Moderna,12345\n")
    failing: Callable[..., int] = _half_build_then_fail
    monkeypatch.setattr(elt, "run_dbt", failing)
    assert elt.run(sample_copy, built) == 1
    status, error = rows(built, "select status, error from ops.elt_runs order by finished_at desc limit 1")[0]
    assert status == "failed" and "dbt build failed" in error
    assert scalar(built, f"select count(*) from {FACT}") == before, "live marts untouched"
    raw_rows = scalar(built, "select count(*) from raw.country_vaccinations_by_manufacturer")
    assert raw_rows == before, "raw goes live with the marts (DuckDB: one file; Postgres: raw_build moved at the swap)"
    if built.name == "duckdb":  # as the run says, after it wrote its log (through a staged copy too)
        kept = built.duckdb_file.parent / ".warehouse-build" / "warehouse.duckdb"
        assert kept.exists(), "the failed build is kept for inspection until the next run"

    monkeypatch.undo()
    assert elt.run(sample_copy, built) == 0, "the next run recovers"
    assert scalar(built, f"select count(*) from {FACT}") == before + 1
    if built.name == "postgres":
        leftovers = rows(
            built,
            "select schema_name from information_schema.schemata where schema_name like '%\\_\\_build' "
            "or schema_name = 'raw_build'",
        )
        assert leftovers == []
