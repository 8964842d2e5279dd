"""A failing dbt build leaves the previous marts untouched, on DuckDB and on Postgres; the next run recovers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ingest import elt
from ingest.dbt_runner import run_dbt
from ingest.warehouse import Target
from tests.conftest import duckdb_target
from tests.support.warehouse import rows, scalar

FACT = "marts.fct_vaccinations_by_manufacturer"


def _half_build_then_fail(work: Target, *_args: str, **_kwargs: object) -> int:
    """Really build part of the project into the work target, then fail like a broken model would."""
    assert run_dbt(work, "build", "--select", "+staging", "--indirect-selection", "cautious") == 0
    return 1


@pytest.fixture(params=["duckdb", "postgres"])
def fresh_target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    if request.param == "duckdb":
        return duckdb_target(tmp_path / "warehouse.duckdb")
    return request.getfixturevalue("postgres_target")


def test_failed_build_keeps_previous_marts(
    sample_copy: Path, fresh_target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert elt.run(sample_copy, fresh_target) == 0
    before = scalar(fresh_target, f"select count(*) from {FACT}")

    path = sample_copy / "covid19" / "country_vaccinations_by_manufacturer.csv"
    path.write_text(path.read_text() + "France,2021/1/29,Moderna,12345\n")
    failing: Callable[..., int] = _half_build_then_fail
    monkeypatch.setattr(elt, "run_dbt", failing)
    assert elt.run(sample_copy, fresh_target) == 1
    status, error = rows(fresh_target, "select status, error from ops.elt_runs order by finished_at desc limit 1")[0]
    assert status == "failed" and "dbt build failed" in error
    assert scalar(fresh_target, f"select count(*) from {FACT}") == before, "live marts untouched"
    raw_rows = scalar(fresh_target, "select count(*) from raw.country_vaccinations_by_manufacturer")
    assert raw_rows == before, "raw goes live with the marts (DuckDB: one file; Postgres: raw_build moved at the swap)"
    if fresh_target.name == "duckdb":  # as the run says, after it wrote its log (through a staged copy too)
        kept = fresh_target.duckdb_file.parent / ".warehouse-build" / "warehouse.duckdb"
        assert kept.exists(), "the failed build is kept for inspection until the next run"

    monkeypatch.undo()
    assert elt.run(sample_copy, fresh_target) == 0, "the next run recovers"
    assert scalar(fresh_target, f"select count(*) from {FACT}") == before + 1
    if fresh_target.name == "postgres":
        leftovers = rows(
            fresh_target,
            "select schema_name from information_schema.schemata where schema_name like '%\\_\\_build' "
            "or schema_name = 'raw_build'",
        )
        assert leftovers == []
