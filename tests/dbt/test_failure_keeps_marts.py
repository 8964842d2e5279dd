"""A failing dbt build leaves the previous DuckDB warehouse untouched; the next run recovers."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ingest import elt
from ingest.warehouse import Target
from tests.conftest import duckdb_target
from tests.support.warehouse import rows, scalar


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_failed_build_keeps_previous_warehouse(
    sample_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target: Target = duckdb_target(tmp_path / "warehouse.duckdb")
    assert elt.run(sample_copy, target) == 0
    marts_before = scalar(target, "select count(*) from marts.fct_vaccinations_by_manufacturer")
    live_before = _digest(target.duckdb_path)

    path = sample_copy / "covid19" / "country_vaccinations_by_manufacturer.csv"
    path.write_text(path.read_text() + "France,2021/1/29,Moderna,12345\n")
    monkeypatch.setattr(elt, "run_dbt", lambda *_args: 1)  # dbt failing for any reason
    assert elt.run(sample_copy, target) == 1
    failed_run = rows(target, "select status, error from ops.elt_runs order by finished_at desc limit 1")[0]
    assert failed_run[0] == "failed" and "dbt build failed" in failed_run[1]
    assert scalar(target, "select count(*) from marts.fct_vaccinations_by_manufacturer") == marts_before
    assert scalar(target, "select count(*) from raw.country_vaccinations_by_manufacturer") == marts_before, (
        "raw is swapped together with the marts: the failed run's raw load is not visible either"
    )
    assert live_before != _digest(target.duckdb_path)  # only the run log row was added

    monkeypatch.undo()
    assert elt.run(sample_copy, target) == 0
    assert scalar(target, "select count(*) from marts.fct_vaccinations_by_manufacturer") == marts_before + 1
