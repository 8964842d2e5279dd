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
        ("fct_epidemic_daily", "(country_iso3, date)"),
        ("fct_epidemic_daily", "(location_name, date)"),
        ("fct_vaccinations", "(country_iso3, date)"),
        ("fct_vaccinations_by_manufacturer", "(vaccine_name, date)"),
    ]:
        assert (table, columns) in definitions, (table, columns, definitions)


def test_duckdb_marts_have_no_indexes(sample_duckdb: Target) -> None:
    """DuckDB's indexes serve point lookups only, and dbt cannot rebuild a table that has one."""
    assert rows(sample_duckdb, "select table_name, index_name from duckdb_indexes()") == []
