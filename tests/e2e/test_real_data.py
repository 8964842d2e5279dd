"""The whole pipeline on the real public files in ../shared/data (skipped when they are absent)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.catalog import catalog
from ingest.warehouse import Target
from tests.conftest import built_warehouse
from tests.support.warehouse import rows, scalar

# Its build of each engine is a module fixture: its tests stay on one xdist worker, which builds it once.
pytestmark = pytest.mark.xdist_group("real_data")


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def real_warehouse(request: pytest.FixtureRequest, real_data_dir: Path) -> Iterator[Target]:
    """The real files built on DuckDB, then on the test Postgres server."""
    with built_warehouse(request, real_data_dir, "real") as target:
        yield target


def _data_rows(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_every_file_loads_with_all_its_rows(real_warehouse: Target, real_data_dir: Path) -> None:
    registry = dict(
        rows(real_warehouse, "select file_name, loaded_rows from raw.file_registry where status = 'loaded'")
    )
    assert set(registry) == {spec.file_name for spec in catalog().sources}
    for spec in catalog().sources:
        path = next(real_data_dir.rglob(spec.file_name))
        assert registry[spec.file_name] == _data_rows(path), spec.file_name
        assert scalar(real_warehouse, f"select count(*) from raw.{spec.table}") == registry[spec.file_name]


def test_world_totals_reconcile_exactly(real_warehouse: Target) -> None:
    days, reconciled = rows(
        real_warehouse,
        "select count(*), count(*) filter (where is_reconciled) from marts.qa_reconciliation_world_daily",
    )[0]
    assert days == reconciled == 188
    last = rows(
        real_warehouse,
        "select published_cases, mart_cases, published_deaths, mart_deaths "
        "from marts.qa_reconciliation_world_daily where date = date '2020-07-27'",
    )[0]
    assert last == (16_480_485, 16_480_485, 654_036, 654_036)


def test_no_unresolved_location_names(real_warehouse: Target) -> None:
    assert rows(real_warehouse, "select * from marts.qa_unresolved_locations") == []
    non_countries = dict(
        rows(
            real_warehouse,
            "select location_name, location_kind from marts.fct_country_snapshot where country_iso3 is null",
        )
    )
    assert non_countries, "cruise ships stay as locations with a NULL ISO code"
    assert set(non_countries.values()) <= {"non_country", "aggregate"}


def test_known_quirks_survive(real_warehouse: Target) -> None:
    negatives = scalar(real_warehouse, "select count(*) from marts.fct_epidemic_daily where is_cases_new_negative")
    assert negatives > 0, "publisher corrections are kept and flagged"
    assert scalar(real_warehouse, "select count(*) from marts.qa_quarantine") == 0
    assert (
        scalar(
            real_warehouse,
            "select count(distinct source_location_names) from marts.fct_epidemic_daily "
            "where source_code = 'mpox' and country_iso3 = 'GBR'",
        )
        == 1
    )


@pytest.mark.parametrize(
    ("table", "measure", "total"),
    [
        ("time_series_covid19_confirmed_global", "cases_cumulative", 16_481_230),
        ("time_series_covid19_deaths_global", "deaths_cumulative", 654_052),
        ("time_series_covid19_recovered_global", "recovered_cumulative", None),
    ],
)
def test_jhu_time_series_reconcile_with_the_files(
    real_warehouse: Target, table: str, measure: str, total: int | None
) -> None:
    """The 7/27/20 column of each file sums to the mart's jhu_time_series figure that day (README of the data)."""
    # On DuckDB and Postgres a wide file's date cells are one JSON column (ingest/date_cells.py).
    cell = "_date_cells ->> '_7_27_20'" if real_warehouse.name in ("duckdb", "postgres") else '"_7_27_20"'
    raw_total = scalar(real_warehouse, f"select sum(cast({cell} as bigint)) from raw.{table}")
    mart_total = scalar(
        real_warehouse,
        f"select sum({measure}) from marts.fct_epidemic_daily "
        "where source_code = 'jhu_time_series' and date = date '2020-07-27'",
    )
    assert raw_total == mart_total
    if total is not None:
        assert mart_total == total


def test_time_series_is_a_revision_of_the_kaggle_files(real_warehouse: Target) -> None:
    changed = scalar(
        real_warehouse,
        "select count(*) from marts.qa_publisher_discrepancies "
        "where source_code = 'jhu_time_series' and reference_source_code = 'jhu' and cases_difference <> 0",
    )
    assert changed > 0, "the two JHU publications differ and the comparison shows it"


def test_mpox_line_list_rows_are_the_new_cases(real_warehouse: Target) -> None:
    raw_rows = scalar(real_warehouse, "select count(*) from raw.worldwide_case_detection_timeline")
    new_cases = scalar(
        real_warehouse, "select sum(cases_new) from marts.fct_epidemic_daily where source_code = 'mpox_line_list'"
    )
    assert raw_rows == new_cases == 34_377
