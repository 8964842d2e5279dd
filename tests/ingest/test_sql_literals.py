"""Parameters written into DuckDB SQL as literals read back as the values the driver would have bound, and
a run where nothing changed never makes DuckDB import pandas (ingest.sql_literals)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.elt import run
from ingest.sql_literals import duckdb_literal, inline_parameters
from ingest.warehouse import PROJECT_ROOT
from tests.conftest import duckdb_target

PLAIN_VALUES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text().filter(lambda text: "\x00" not in text)
    | st.dates()
    | st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
    | st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC))
)


@pytest.fixture(scope="module")
def connection() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute("set timezone = 'UTC'")
    return conn


@settings(max_examples=300, deadline=None)
@given(values=st.lists(PLAIN_VALUES, min_size=1, max_size=4))
def test_a_literal_reads_back_as_the_bound_value(connection: duckdb.DuckDBPyConnection, values: list) -> None:
    sql = "select " + ", ".join("?" for _ in values)
    inlined = inline_parameters(sql, values)
    assert inlined is not None
    assert connection.execute(inlined).fetchall() == connection.execute(sql, values).fetchall()


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_floats_beyond_numbers(connection: duckdb.DuckDBPyConnection, value: float) -> None:
    (read,) = connection.execute(f"select {duckdb_literal(value)}").fetchone()
    assert (math.isnan(read) and math.isnan(value)) or read == value


def test_an_aware_time_keeps_its_instant(connection: duckdb.DuckDBPyConnection) -> None:
    moment = datetime(2026, 12, 2, 9, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    (read,) = connection.execute(f"select {duckdb_literal(moment)}").fetchone()
    assert read == moment


def test_placeholders_in_quotes_and_comments_are_text(connection: duckdb.DuckDBPyConnection) -> None:
    sql = "select '?' as \"a?\", 'it''s ?', ? /* ? */, ? -- ?\n"
    inlined = inline_parameters(sql, ["x'y", date(2020, 2, 29)])
    assert inlined == "select '?' as \"a?\", 'it''s ?', 'x''y' /* ? */, '2020-02-29'::date -- ?\n"
    assert connection.execute(inlined).fetchall() == [("?", "it's ?", "x'y", date(2020, 2, 29))]


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        ("select ?", []),  # too few values
        ("select ?", [1, 2]),  # too many
        ("select ?", [b"bytes"]),  # a type without a literal here
        ("select ?", ["nul\x00"]),  # text DuckDB cannot hold in a literal
        ("select ?", [[1, 2]]),
    ],
)
def test_what_cannot_be_written_is_left_to_the_driver(sql: str, params: list) -> None:
    assert inline_parameters(sql, params) is None


def test_a_run_where_nothing_changed_does_not_import_pandas(sample_copy: Path, tmp_path: Path) -> None:
    """pandas costs ~0.5 s to import, a third of a no-op run: DuckDB imports it when a statement is run with
    parameters, and pyarrow's Schema.empty_table() does."""
    target = duckdb_target(tmp_path / "warehouse.duckdb")
    assert run(sample_copy, target, build_models=False) == 0
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['elt', '--raw-only']\n"
        "try:\n"
        "    runpy.run_module('ingest.elt', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "print('pandas imported' if 'pandas' in sys.modules else 'pandas not imported')\n"
    )
    env = {
        **os.environ,
        "ELT_DATA_DIR": str(sample_copy),
        "ELT_TARGET": "duckdb",
        "DUCKDB_PATH": str(target.duckdb_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "status no_op" in result.stdout, result.stdout[-2000:]
    assert result.stdout.rstrip().endswith("pandas not imported")
