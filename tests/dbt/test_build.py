"""`dbt build` on the shipped sample, on DuckDB and on a throwaway Postgres: the marts exist and agree."""

from __future__ import annotations

import pytest

from ingest.warehouse import Target
from tests.support.warehouse import rows, scalar

MARTS = [
    "dim_continent",
    "dim_country",
    "dim_epidemic",
    "dim_vaccine",
    "dim_date",
    "dim_source",
    "fct_epidemic_daily",
    "fct_vaccinations",
    "fct_vaccinations_by_manufacturer",
    "fct_country_snapshot",
    "qa_quarantine",
    "qa_unresolved_locations",
    "qa_reconciliation_world_daily",
    "qa_publisher_discrepancies",
    "qa_file_row_counts",
]
EXPECTED_NON_EMPTY = set(MARTS) - {"qa_quarantine", "qa_unresolved_locations"}


@pytest.mark.parametrize("mart", MARTS)
def test_mart_exists(sample_warehouse: Target, mart: str) -> None:
    count = scalar(sample_warehouse, f"select count(*) from marts.{mart}")
    if mart in EXPECTED_NON_EMPTY:
        assert count > 0
    else:
        assert count == 0, f"{mart} should be empty on the clean sample"


def test_world_totals_reconcile_every_day(sample_warehouse: Target) -> None:
    days, reconciled = rows(
        sample_warehouse,
        "select count(*), count(*) filter (where is_reconciled) from marts.qa_reconciliation_world_daily",
    )[0]
    published = scalar(sample_warehouse, "select count(*) from raw.day_wise")
    assert days == reconciled == published


def test_country_resolution_on_the_sample(sample_warehouse: Target) -> None:
    found = dict(
        rows(
            sample_warehouse,
            "select source_location_names, coalesce(country_iso3, '-') from marts.fct_epidemic_daily "
            "where source_code in ('jhu', 'worldometer') group by 1, 2",
        )
    )
    assert found["US"] == "USA" and found["USA"] == "USA"
    assert found["Congo (Brazzaville)"] == "COG" and found["Congo (Kinshasa)"] == "COD"
    assert found["Dominica"] == "DMA" and found["Dominican Republic"] == "DOM"
    assert found["Niger"] == "NER" and found["Nigeria"] == "NGA"
    assert found["South Korea"] == "KOR"


def test_uk_nations_are_summed_once_in_mpox(sample_warehouse: Target) -> None:
    uk = rows(
        sample_warehouse,
        "select location_name, source_location_names, max(cases_cumulative) from marts.fct_epidemic_daily "
        "where source_code = 'mpox' and country_iso3 = 'GBR' group by 1, 2",
    )
    assert len(uk) == 1 and uk[0][0] == "United Kingdom"
    assert {"England", "Scotland", "Wales", "Northern Ireland"} == set(uk[0][1].split(" | "))
    raw_total = scalar(
        sample_warehouse,
        "select sum(cases_total) from marts.fct_country_snapshot where source_code = 'mpox'",
    )
    daily_total = scalar(
        sample_warehouse,
        "select sum(cases_new) from marts.fct_epidemic_daily where source_code = 'mpox'",
    )
    assert raw_total == daily_total, "mpox worldwide totals equal the sum of daily new cases"


def test_negative_corrections_are_kept_and_flagged(sample_warehouse: Target) -> None:
    flagged = scalar(
        sample_warehouse,
        "select count(*) from marts.fct_epidemic_daily where is_deaths_new_negative and deaths_new < 0",
    )
    assert flagged >= 1


def test_seven_day_average(sample_warehouse: Target) -> None:
    series = rows(
        sample_warehouse,
        "select date, cases_new, cases_new_7d_avg from marts.fct_epidemic_daily "
        "where source_code = 'jhu' and country_iso3 = 'FRA' order by date",
    )
    assert all(avg is None for _, _, avg in series[:6])
    for i in range(6, len(series)):
        expected = sum(new for _, new, _ in series[i - 6 : i + 1]) / 7
        assert series[i][2] == pytest.approx(expected)


def test_duckdb_and_postgres_marts_agree(sample_duckdb: Target, sample_postgres: Target) -> None:
    for mart in MARTS:
        sql = f"select count(*) from marts.{mart}"
        assert scalar(sample_duckdb, sql) == scalar(sample_postgres, sql), mart
    sql = (
        "select source_code, sum(cases_new), sum(deaths_cumulative), round(sum(cases_new_7d_avg)) "
        "from marts.fct_epidemic_daily group by 1 order by 1"
    )
    normalise = lambda result: [tuple(int(v) if v is not None else None for v in r[1:]) for r in result]  # noqa: E731
    assert normalise(rows(sample_duckdb, sql)) == normalise(rows(sample_postgres, sql))


def test_postgres_persists_descriptions_as_comments(sample_postgres: Target) -> None:
    comment = scalar(
        sample_postgres,
        "select obj_description('marts.fct_epidemic_daily'::regclass, 'pg_class')",
    )
    assert comment and "One row per" in comment


def test_postgres_indexes_the_facts_common_filters(sample_postgres: Target) -> None:
    found = rows(
        sample_postgres,
        "select tablename, indexdef from pg_indexes where schemaname = 'marts' and tablename like 'fct_%'",
    )
    definitions = {(table, definition.split(" USING btree ")[1]) for table, definition in found}
    for table, columns in [
        ("fct_epidemic_daily", "(country_iso3, source_code, date)"),
        ("fct_epidemic_daily", "(country_iso3, date)"),
        ("fct_epidemic_daily", "(location_name, date)"),
        ("fct_vaccinations", "(country_iso3, date)"),
        ("fct_vaccinations_by_manufacturer", "(vaccine_name, date)"),
    ]:
        assert (table, columns) in definitions, (table, columns, definitions)


def test_duckdb_marts_have_no_indexes(sample_duckdb: Target) -> None:
    """DuckDB's indexes serve point lookups only, and dbt cannot rebuild a table that has one."""
    assert rows(sample_duckdb, "select table_name, index_name from duckdb_indexes()") == []


TIME_SERIES = {
    "time_series_covid19_confirmed_global": "cases_cumulative",
    "time_series_covid19_deaths_global": "deaths_cumulative",
    "time_series_covid19_recovered_global": "recovered_cumulative",
}


@pytest.mark.parametrize(("table", "measure"), TIME_SERIES.items())
def test_time_series_reconcile_with_their_last_column(sample_warehouse: Target, table: str, measure: str) -> None:
    """Sum of the file's last date column (every row, provinces and ships included) = sum in the mart that day."""
    # On DuckDB and Postgres a wide file's date cells are one JSON column (ingest/date_cells.py).
    cell = "_date_cells ->> '_3_28_20'" if sample_warehouse.name in ("duckdb", "postgres") else '"_3_28_20"'
    raw_total = scalar(sample_warehouse, f"select sum(cast({cell} as bigint)) from raw.{table}")
    mart_total = scalar(
        sample_warehouse,
        f"select sum({measure}) from marts.fct_epidemic_daily "
        "where source_code = 'jhu_time_series' and date = date '2020-03-28'",
    )
    assert raw_total == mart_total and raw_total > 0


def test_time_series_provinces_are_placed(sample_warehouse: Target) -> None:
    places = {
        name: (iso3, kind, written)
        for name, iso3, kind, written in rows(
            sample_warehouse,
            "select location_name, country_iso3, location_kind, source_location_names from marts.fct_epidemic_daily "
            "where source_code = 'jhu_time_series' group by 1, 2, 3, 4",
        )
    }
    assert places["China"] == ("CHN", "country", "China"), "provinces summed: China has no row of its own"
    assert places["Réunion"][:2] == ("REU", "country"), "France has its own row: Reunion is a place of its own"
    assert places["Bermuda"][:2] == ("BMU", "country")
    assert places["Grand Princess"] == (None, "non_country", "Grand Princess"), "a cruise ship is not Canada"
    assert "Canada" not in places, "Canada's only row in the sample is the ship"


def test_the_time_series_revision_shows_against_jhu(sample_warehouse: Target) -> None:
    found = dict(
        rows(
            sample_warehouse,
            "select country_iso3, cases_difference from marts.qa_publisher_discrepancies "
            "where source_code = 'jhu_time_series' and reference_source_code = 'jhu' and date = date '2020-03-28'",
        )
    )
    assert found["USA"] == 3 and found["CHN"] == 0


def test_line_list_rows_are_the_new_cases(sample_warehouse: Target) -> None:
    raw_rows = scalar(sample_warehouse, "select count(*) from raw.worldwide_case_detection_timeline")
    new_cases = scalar(
        sample_warehouse, "select sum(cases_new) from marts.fct_epidemic_daily where source_code = 'mpox_line_list'"
    )
    assert raw_rows == new_cases == 591
    uk = rows(
        sample_warehouse,
        "select distinct source_location_names from marts.fct_epidemic_daily "
        "where source_code = 'mpox_line_list' and country_iso3 = 'GBR'",
    )
    assert {name for (names,) in uk for name in names.split(" | ")} == {
        "England",
        "Scotland",
        "Wales",
        "Northern Ireland",
    }, "UK nations are summed into GBR"


def test_every_source_code_is_described(sample_warehouse: Target) -> None:
    from ingest.catalog import catalog

    described = {code for (code,) in rows(sample_warehouse, "select source_code from marts.dim_source")}
    assert described == set(catalog().source_codes)
    used = {code for (code,) in rows(sample_warehouse, "select distinct source_code from marts.fct_epidemic_daily")}
    assert used == {"jhu", "jhu_time_series", "worldometer", "mpox", "mpox_line_list"}
