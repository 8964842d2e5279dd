"""README "Adding a source", done as a user would: catalog entries and a data file, nothing else.

Three new sources, one per layout, each in a date format no built-in source uses, go into a temporary
copy of the catalog and of the sample folder. The build picks them up with no other change: raw tables,
generic staging, quarantine accounting, dim_source, the daily fact, and the REST API.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from api.core.accounts import create_user
from api.core.config import Settings
from api.core.security import Role
from ingest.catalog import DEFAULT_CATALOG, catalog
from ingest.dbt_catalog import DBT_PROJECT_DIR, dbt_catalog_dir
from ingest.elt import run
from ingest.warehouse import Target
from tests.conftest import SAMPLE_DIR, built_warehouse, duckdb_target
from tests.support.warehouse import rows, scalar

# Its build of each engine is a module fixture: its tests stay on one xdist worker, which builds it once.
pytestmark = pytest.mark.xdist_group("adding_a_source")

NEW_ENTRIES = [
    {
        "file": "regional_daily.csv",
        "publisher": "demo",
        "source_code": "demo_long",
        "layout": "long",
        "feeds": "daily",
        "description": "Cumulative counts per country and day, dates written YYYYMMDD.",
        "key": ["location_name", "reported_date"],
        "columns": {
            "Day": {"name": "reported_date", "format": "YYYYMMDD", "required": True},
            "Nation": {"name": "location_name", "required": True},
            "Cases to date": "cases_cumulative",
            "Deaths to date": "deaths_cumulative",
        },
    },
    {
        "file": "weekly_wide.csv",
        "publisher": "demo",
        "source_code": "demo_wide",
        "layout": "wide",
        "feeds": "daily",
        "date_format": "D.M.YYYY",
        "values": "cases_new",
        "description": "New cases per country, one column per week, dates written D.M.YYYY.",
        "key": ["location_name"],
        "columns": {"Land": {"name": "location_name", "required": True}},
    },
    {
        "file": "cholera_cases.csv",
        "publisher": "demo",
        "source_code": "demo_cases",
        "layout": "line_list",
        "feeds": "daily",
        "counts": "cases_new",
        "description": "One row per cholera case, dates written M/D/YYYY.",
        "columns": {
            "Onset (M/D/YYYY)": {"name": "reported_date", "format": "M/D/YYYY", "required": True},
            "Country": {"name": "location_name", "required": True},
            "Sex": "gender",
        },
    },
]
FILES = {
    "regional_daily.csv": "Day,Nation,Cases to date,Deaths to date\n"
    + "".join(f"2020030{d},France,{10 * d},{d}\n2020030{d},Spain,{20 * d},{2 * d}\n" for d in range(1, 6)),
    # 1 March and 8 March 2020 (D.M.YYYY: not 3 January); an empty cell is no report.
    "weekly_wide.csv": "Land,01.03.2020,08.03.2020,15.03.2020\nFrance,1,2,3\nSpain,4,,6\n",
    "cholera_cases.csv": "Onset (M/D/YYYY),Country,Sex\n"
    + "3/1/2020,Haiti,M\n3/1/2020,Haiti,F\n3/2/2020,Haiti,\n3/12/2020,Dominican Republic,M\n",
}


@pytest.fixture(scope="module")
def extended_catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A copy of the catalog with the three entries, and a copy of the sample with their files."""
    folder = tmp_path_factory.mktemp("new_source")
    document = yaml.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))
    document["publishers"]["demo"] = {"description": "A publisher added by the test."}
    for entry in NEW_ENTRIES:
        document["source_codes"][entry["source_code"]] = {
            "epidemic": "cholera_haiti" if entry["layout"] == "line_list" else "covid19",
            "description": f"Test series ({entry['layout']}).",
        }
    document["sources"].extend(NEW_ENTRIES)
    catalog_file = folder / "catalog.yml"
    catalog_file.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    data = folder / "input"
    shutil.copytree(SAMPLE_DIR, data)
    for name, text in FILES.items():
        (data / "demo").mkdir(exist_ok=True)
        (data / "demo" / name).write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ELT_CATALOG", str(catalog_file))
        yield catalog_file, data
        shutil.rmtree(DBT_PROJECT_DIR / dbt_catalog_dir(catalog()), ignore_errors=True)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def extended_warehouse(request: pytest.FixtureRequest, extended_catalog: tuple[Path, Path]) -> Iterator[Target]:
    with built_warehouse(request, extended_catalog[1], "extended") as target:
        yield target


def _daily(target: Target, source_code: str) -> list[tuple]:
    return rows(
        target,
        "select location_name, cast(date as text), cases_new, cases_cumulative, deaths_cumulative "
        "from marts.fct_epidemic_daily where source_code = ? order by location_name, date",
        [source_code],
    )


def test_the_catalog_entries_are_all_it_takes(extended_warehouse: Target) -> None:
    assert len(catalog().sources) == 18
    counts = rows(
        extended_warehouse,
        "select raw_table, raw_rows, clean_rows, quarantined_rows from marts.qa_file_row_counts "
        "where raw_table in ('regional_daily', 'weekly_wide', 'cholera_cases') order by raw_table",
    )
    assert counts == [("cholera_cases", 4, 4, 0), ("regional_daily", 10, 10, 0), ("weekly_wide", 2, 2, 0)]
    sources = dict(rows(extended_warehouse, "select source_code, file_names from marts.dim_source"))
    assert sources["demo_long"] == "regional_daily.csv" and sources["demo_cases"] == "cholera_cases.csv"


def test_long_source_in_yyyymmdd(extended_warehouse: Target) -> None:
    france = [row for row in _daily(extended_warehouse, "demo_long") if row[0] == "France"]
    assert [row[1] for row in france] == [f"2020-03-0{d}" for d in range(1, 6)]
    assert [row[3] for row in france] == [10, 20, 30, 40, 50]
    assert [row[2] for row in france][1:] == [10, 10, 10, 10], "new cases derived from the cumulative series"


def test_wide_source_in_day_month_year(extended_warehouse: Target) -> None:
    found = _daily(extended_warehouse, "demo_wide")
    by_day = {(name, day): new for name, day, new, _, _ in found}
    assert by_day[("France", "2020-03-08")] == 2 and by_day[("Spain", "2020-03-15")] == 6
    assert ("Spain", "2020-03-08") not in by_day, "an empty cell is no report"
    assert sum(new for _, _, new, _, _ in found) == 1 + 2 + 3 + 4 + 6


def test_line_list_source_counted_per_day(extended_warehouse: Target) -> None:
    found = _daily(extended_warehouse, "demo_cases")
    assert [(name, day, new) for name, day, new, _, _ in found] == [
        ("Dominican Republic", "2020-03-12", 1),
        ("Haiti", "2020-03-01", 2),
        ("Haiti", "2020-03-02", 1),
    ]
    assert scalar(extended_warehouse, "select count(*) from raw.cholera_cases") == 4


def test_the_api_serves_the_new_sources(extended_warehouse: Target) -> None:
    from api.main import create_app

    if extended_warehouse.name == "duckdb":
        settings = Settings(
            api_env="test",
            elt_target="duckdb",
            duckdb_path=extended_warehouse.duckdb_path,
            rate_limit_enabled=False,
        )
    else:
        assert extended_warehouse.postgres is not None
        settings = Settings(
            api_env="test",
            elt_target="postgres",
            database_url=extended_warehouse.postgres.url,
            rate_limit_enabled=False,
        )
    create_user(settings, "reader", "correct horse battery staple", Role.USER)
    with TestClient(create_app(settings)) as client:
        token = client.post("/auth/token", data={"username": "reader", "password": "correct horse battery staple"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        daily = client.get(
            "/daily-statistics?source_code=eq.demo_wide&select=location_name,date,cases_new", headers=headers
        )
        assert daily.status_code == 200, daily.text
        assert sum(row["cases_new"] for row in daily.json()["data"]) == 16
        source = client.get("/sources/demo_cases", headers=headers)
        assert source.status_code == 200 and source.json()["epidemic_code"] == "cholera_haiti"


def test_a_catalog_of_one_long_file_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every model builds whatever the catalog holds: here no wide file, no line list, no vaccinations."""
    document = yaml.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))
    document["sources"] = [entry for entry in document["sources"] if entry["file"] == "full_grouped.csv"]
    path = tmp_path / "catalog.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    data = tmp_path / "input"
    data.mkdir()
    shutil.copyfile(SAMPLE_DIR / "covid19" / "full_grouped.csv", data / "full_grouped.csv")
    monkeypatch.setenv("ELT_CATALOG", str(path))
    try:
        target = duckdb_target(tmp_path / "warehouse.duckdb")
        assert run(data, target) == 0
        assert scalar(target, "select count(*) from marts.fct_epidemic_daily") == 308
        assert scalar(target, "select count(*) from marts.fct_vaccinations") == 0
    finally:
        shutil.rmtree(DBT_PROJECT_DIR / dbt_catalog_dir(catalog()), ignore_errors=True)
