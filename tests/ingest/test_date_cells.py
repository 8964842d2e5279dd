"""On Postgres a wide file's date cells are one jsonb column, so files wider than 1,600 columns load."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from ingest.catalog import catalog, raw_column
from ingest.date_cells import DATE_CELLS_COLUMN, with_date_cells
from ingest.elt import run
from ingest.reader import identify, read_table
from ingest.warehouse import Target
from tests.conftest import duckdb_target
from tests.support.warehouse import rows, scalar

CONFIRMED = "time_series_covid19_confirmed_global.csv"
DAYS = 1_700  # over Postgres' 1,600 columns a table


def _wide_file(folder: Path, days: int) -> Path:
    """A JHU confirmed-cases file of `days` date columns, with blank cells, quotes and non-ASCII names."""
    first = date(2020, 1, 22)
    headers = [f"{d.month}/{d.day}/{d.year % 100}" for d in (first + timedelta(n) for n in range(days))]
    lines = ["Province/State,Country/Region,Lat,Long," + ",".join(headers)]
    places = [("", "France", "46.2", "2.2"), ('"Bonaire, Sint Eustatius and Saba"', "Netherlands", "12.2", "-68.3")]
    places.append(("Île-de-France", "France", "48.9", "2.3"))
    for index, place in enumerate(places):
        cells = [str(n * (index + 1)) if n % 7 else "" for n in range(days)]  # every 7th cell blank
        cells[-1] = " 5.6069e+04 " if index == 0 else cells[-1]
        lines.append(",".join([*place, *cells]))
    path = folder / "covid19" / CONFIRMED
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_date_cells_keep_every_cell_as_written(tmp_path: Path) -> None:
    spec = catalog().by_file_name[CONFIRMED]
    path = _wide_file(tmp_path / "input", 40)
    parsed = read_table(identify(path, tmp_path / "input"), spec, "load-1", tmp_path)
    original = parsed.to_table()
    packed = [batch for batch in with_date_cells(spec, parsed.batches())]
    names = packed[0].schema.names
    assert names == ["Province/State", "Country/Region", "Lat", "Long", "_source_file", "_source_hash",
                     "_source_line", "_load_id", DATE_CELLS_COLUMN]  # fmt: skip
    cells = [json.loads(text) for batch in packed for text in batch.column(DATE_CELLS_COLUMN).to_pylist()]
    dates = parsed.header[4:]
    for row, found in enumerate(cells):
        assert found == {raw_column(h): original.column(h)[row].as_py() for h in dates}
    assert cells[0]["_1_22_20"] == "" and cells[0]["_3_1_20"] == " 5.6069e+04 "


def _daily(target: Target) -> list[tuple]:
    return rows(
        target,
        "select location_name, date, cases_cumulative, cases_new from marts.fct_epidemic_daily "
        "where source_code = 'jhu_time_series' order by 1, 2",
    )


def test_a_wide_file_over_1600_columns_builds_on_postgres_as_on_duckdb(tmp_path: Path, postgres_target: Target) -> None:
    data_dir = tmp_path / "input"
    _wide_file(data_dir, DAYS)
    assert run(data_dir, postgres_target) == 0
    table = "raw.time_series_covid19_confirmed_global"
    assert scalar(postgres_target, f"select count(*) from {table}") == 3
    keys = f"select count(*) from (select jsonb_object_keys({DATE_CELLS_COLUMN}) from {table}) as keys"
    assert scalar(postgres_target, keys) == 3 * DAYS
    cells = scalar(postgres_target, "select count(*) from intermediate.int_wide_cells_unpivoted")
    assert cells == 3 * (DAYS - len(range(0, DAYS, 7)))  # blank cells give no row
    duckdb = duckdb_target(tmp_path / "warehouse.duckdb")
    assert run(data_dir, duckdb) == 0
    assert _daily(postgres_target) == _daily(duckdb) and _daily(duckdb)
