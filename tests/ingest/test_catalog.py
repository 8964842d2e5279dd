"""The source catalog: loaded from YAML, checked with clear errors, and turned into what dbt reads."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from ingest.catalog import DEFAULT_CATALOG, CatalogError, DateFormat, catalog, load_catalog, raw_column
from ingest.dbt_catalog import catalog_data, models_yml, sources_yml
from ingest.reader import BadFileError, header_columns, identify, read_table


def _with(tmp_path: Path, change) -> Path:
    document = yaml.safe_load(DEFAULT_CATALOG.read_text(encoding="utf-8"))
    change(document)
    path = tmp_path / "catalog.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_the_shipped_catalog_is_valid_and_complete() -> None:
    current = catalog()
    layouts = {source.layout for source in current.sources}
    assert layouts == {"long", "wide", "line_list"}
    for source in current.sources:
        assert source.source_code in current.source_codes
        assert source.description, source.file_name
    wide = current.by_file_name["time_series_covid19_confirmed_global.csv"]
    assert wide.required_columns == ("Province/State", "Country/Region", "Lat", "Long")
    assert wide.values == "cases_cumulative" and wide.date_format == "M/D/YY"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["sources"][0].update(layout="tall"), "layout must be one of"),
        (lambda d: d["sources"][0].update(file="cases; drop table x.csv"), "it names the raw table"),
        (lambda d: d["sources"][0].update(source_code="nobody"), "source_code 'nobody' is not described"),
        (lambda d: d["sources"][0]["columns"].update({"Extra": "not_a_column"}), "'not_a_column' is not a standard"),
        (lambda d: d["sources"][4].update(date_format="MM-YYYY"), "date format 'MM-YYYY'"),
        (lambda d: d["sources"][4].update(values="doses_total"), "a wide file's `values`"),
        (lambda d: d["sources"].append(dict(d["sources"][0])), "is used by two entries"),
        (lambda d: d["sources"][1].update(key=["vaccine_name"]), "key ['vaccine_name'] names columns"),
        (lambda d: d["source_codes"]["jhu_time_series"].update(compare_with="nobody"), "compare_with 'nobody'"),
    ],
)
def test_a_broken_catalog_says_where(tmp_path: Path, change, message: str) -> None:
    with pytest.raises(CatalogError, match=message.replace("(", r"\(").replace("[", r"\[")):
        load_catalog(_with(tmp_path, change))


@pytest.mark.parametrize(
    ("fmt", "text", "expected"),
    [
        ("YYYY-MM-DD", "2020-01-22", date(2020, 1, 22)),
        ("YYYY-MM-DD", "2020-2-15", date(2020, 2, 15)),
        ("YYYY-MM-DD", "2021/1/5", date(2021, 1, 5)),
        ("M/D/YY", "1/22/20", date(2020, 1, 22)),
        ("M/D/YY", "12/31/99", date(1999, 12, 31)),
        ("D/M/YYYY", "03/02/2020", date(2020, 2, 3)),
        ("M/D/YYYY", "03/02/2020", date(2020, 3, 2)),
        ("D.M.YYYY", "1.3.2020", date(2020, 3, 1)),
        ("YYYYMMDD", "20200301", date(2020, 3, 1)),
        ("YYYY-MM-DD", "2020-02-30", None),
        ("M/D/YY", "2020-01-22", None),
        ("YYYYMMDD", "2020031", None),
    ],
)
def test_date_formats_are_declared_never_guessed(fmt: str, text: str, expected: date | None) -> None:
    assert DateFormat.parse(fmt).to_date(text) == expected


def test_raw_columns_keep_a_mapping_to_the_header_as_written(tmp_path: Path) -> None:
    spec = catalog().by_file_name["time_series_covid19_deaths_global.csv"]
    path = tmp_path / spec.file_name
    path.write_text("Province/State,Country/Region,Lat,Long,1/22/20,1/23/20\n,Chad,15.45,18.73,0,1\n")
    parsed = read_table(identify(path, tmp_path), spec, "run-1", tmp_path)
    assert parsed.rows == 1
    mapping = header_columns(spec, parsed.header)
    assert mapping[0] == {"header": "Province/State", "column": "province_state"}
    assert mapping[4] == {"header": "1/22/20", "column": "_1_22_20", "date": "2020-01-22"}
    assert raw_column("Hospitalised (Y/N/NA)") == "hospitalised_y_n_nax", "dlt writes a trailing ) as x"


def test_a_wide_header_that_is_not_a_date_in_the_declared_format_is_refused(tmp_path: Path) -> None:
    spec = catalog().by_file_name["time_series_covid19_deaths_global.csv"]
    path = tmp_path / spec.file_name
    path.write_text("Province/State,Country/Region,Lat,Long,2020-01-22\n,Chad,15.45,18.73,0\n")
    with pytest.raises(BadFileError, match="expects M/D/YY date columns"):
        read_table(identify(path, tmp_path), spec, "run-1", tmp_path)


def test_the_dbt_view_follows_the_catalog() -> None:
    current = catalog()
    data = catalog_data(current)
    assert [source["file"] for source in data["sources"]] == [source.file_name for source in current.sources]
    assert set(data["source_codes"]) == set(current.source_codes)
    sources = yaml.safe_load(sources_yml(current))
    tables = {table["name"] for source in sources["sources"] for table in source["tables"]}
    assert tables == {source.table for source in current.sources}
    models = yaml.safe_load(models_yml(current))
    assert [model["name"] for model in models["models"]] == [
        "stg_sources__long",
        "stg_sources__wide_rows",
        "stg_sources__line_list",
    ]
