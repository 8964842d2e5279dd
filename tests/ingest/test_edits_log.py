"""The ELT reads the API's edit log as the API wrote it, whichever database holds it (ingest/edits.py)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import Session

from api.core.app_db import app_engine
from api.models.edits import Edit
from ingest.edits import ARROW_SCHEMA, read_edits
from ingest.warehouse import PostgresSettings, sqlalchemy_url
from tests.support import postgres

WRITTEN_AT = dt.datetime(2026, 12, 2, 7, 15, 42, 141701, tzinfo=dt.UTC)


def _write_edits(url: str) -> None:
    engine = app_engine(sqlalchemy_url(url))
    with Session(engine) as session:
        session.add(
            Edit(
                batch_id="b1",
                resource="dim_country",
                row_key="FRA",
                operation="upsert",
                changes='{"population": 68000000}',
                after_row=None,
                before_row=None,
                reason="census",
                edited_by="boss",
                edited_at=WRITTEN_AT,
            )
        )
        session.add(
            Edit(
                batch_id="b2",
                resource="dim_country",
                row_key="FRA",
                operation="revert",
                edited_by="o'brien",
                edited_at=WRITTEN_AT + dt.timedelta(seconds=1),
            )
        )
        session.commit()
    engine.dispose()


def _expected_rows() -> list[dict]:
    common = {"resource": "dim_country", "row_key": "FRA", "after_row": None, "before_row": None}
    return [
        common
        | {
            "edit_id": 1,
            "batch_id": "b1",
            "operation": "upsert",
            "changes": '{"population": 68000000}',
            "reason": "census",
            "edited_by": "boss",
            "edited_at": WRITTEN_AT,
        },
        common
        | {
            "edit_id": 2,
            "batch_id": "b2",
            "operation": "revert",
            "changes": None,
            "reason": None,
            "edited_by": "o'brien",
            "edited_at": WRITTEN_AT + dt.timedelta(seconds=1),
        },
    ]


def test_no_database_and_no_table_read_as_no_edits(tmp_path: Path) -> None:
    missing = tmp_path / "app_state.sqlite"
    assert read_edits(f"sqlite:///{missing}").num_rows == 0
    assert not missing.exists(), "reading must not create the API's database"
    sqlite3.connect(missing).close()  # a database without the edit table
    assert read_edits(f"sqlite:///{missing}") == ARROW_SCHEMA.empty_table()


@pytest.mark.parametrize("scheme", ["sqlite:///", "sqlite+pysqlite:///"])
def test_the_sqlite_log_reads_back_in_utc(tmp_path: Path, scheme: str) -> None:
    url = f"{scheme}{tmp_path / 'app_state.sqlite'}"
    _write_edits(url)
    edits = read_edits(url)
    assert edits.schema == ARROW_SCHEMA
    assert edits.to_pylist() == _expected_rows()


def test_the_postgres_log_reads_back_in_utc(postgres_server: PostgresSettings) -> None:
    database = postgres.create_database(postgres_server, prefix="edits")
    try:
        assert read_edits(database.url).num_rows == 0
        _write_edits(database.url)
        edits = read_edits(database.url)
        assert edits.schema == ARROW_SCHEMA
        assert edits.to_pylist() == _expected_rows()
    finally:
        postgres.drop_database(postgres_server, database.database)
