"""Copy the API's edit log into the warehouse so dbt applies every edit at each build.

The REST API appends edits to its own database (table `mart_edits`: SQLite beside the DuckDB file by
default, or the Postgres database, or APP_DATABASE_URL). Each ELT run copies that table, untouched,
into `raw.api_edits` of the warehouse it builds (the staged copy on DuckDB), and the marts apply it
(dbt_project/macros/api_edits.sql). An edit therefore survives every later run.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingest.warehouse import Connection, Target, sqlalchemy_url

APP_EDITS_TABLE = "mart_edits"  # in the API's database (api/models/edits.py)
RAW_EDITS_TABLE = "api_edits"
COLUMNS = (
    "edit_id",
    "batch_id",
    "resource",
    "row_key",
    "operation",
    "changes",
    "after_row",
    "before_row",
    "reason",
    "edited_by",
    "edited_at",
)
ARROW_SCHEMA = pa.schema(
    [("edit_id", pa.int64())]
    + [(name, pa.string()) for name in COLUMNS[1:-1]]
    + [("edited_at", pa.timestamp("us", tz="UTC"))]
)


def app_database_url(target: Target, env: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """Where the API keeps users and edits: APP_DATABASE_URL, else what the API defaults to (api/core/config.py):
    SQLite beside the DuckDB file, or the Postgres warehouse itself."""
    if env.get("APP_DATABASE_URL"):
        return env["APP_DATABASE_URL"]
    if target.uses_duckdb_file:
        return f"sqlite:///{target.duckdb_file.with_name('app_state.sqlite')}"
    return target.postgres_settings.url


_QUERY = f"select {', '.join(COLUMNS)} from {APP_EDITS_TABLE} order by edit_id"  # noqa: S608 - module constants


def _no_edits() -> pa.Table:
    """An empty table of edits. Not `Schema.empty_table()`: that imports pandas (~0.4 s of a no-op run)."""
    return pa.Table.from_batches([], schema=ARROW_SCHEMA)


def read_edits(url: str) -> pa.Table:
    """All edit events, oldest first; an empty table when the API never stored one.

    Read with the database's own driver (sqlite3, psycopg) and built into Arrow from the rows: the log holds
    one row per edit made by hand, and pandas and SQLAlchemy (~0.5 s and ~0.3 s to import) were most of a
    run where nothing changed. Other URLs go through SQLAlchemy, as the API opens them."""
    if url.startswith("sqlite:///"):
        found = _sqlite_rows(Path(url.removeprefix("sqlite:///")))
    elif url.startswith(("postgresql://", "postgres://")):
        found = _postgres_rows(url)
    else:
        found = _sqlalchemy_rows(url)
    if not found:
        return _no_edits()
    columns = [list(column) for column in zip(*found, strict=True)]
    # Times are UTC (api/models/edits.py): SQLite keeps them as text, a naive value is read as UTC here.
    columns[-1] = [datetime.fromisoformat(value) if isinstance(value, str) else value for value in columns[-1]]
    return pa.Table.from_arrays(
        [pa.array(values, type=field.type) for values, field in zip(columns, ARROW_SCHEMA, strict=True)],
        schema=ARROW_SCHEMA,
    )


def _sqlite_rows(path: Path) -> list[tuple[Any, ...]]:
    if not path.exists():  # the API never ran (sqlite3 would create the file)
        return []
    with closing(sqlite3.connect(path)) as conn:
        if conn.execute("select 1 from sqlite_master where type = 'table' and name = ?", [APP_EDITS_TABLE]).fetchone():
            return conn.execute(_QUERY).fetchall()
    return []


def _postgres_rows(url: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as conn:
        (table,) = conn.execute("select to_regclass(%s)", [APP_EDITS_TABLE]).fetchone()  # as the search path finds it
        return conn.execute(_QUERY).fetchall() if table is not None else []


def _sqlalchemy_rows(url: str) -> list[tuple[Any, ...]]:
    import sqlalchemy as sa

    engine = sa.create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(APP_EDITS_TABLE):
                return []
            return [tuple(row) for row in connection.execute(sa.text(_QUERY))]
    finally:
        engine.dispose()


def edits_version(edits: pa.Table) -> str:
    """Changes whenever an edit is added: part of the run fingerprint, so new edits trigger a build."""
    ids = edits.column("edit_id").to_pylist()
    return hashlib.sha256(f"{len(ids)}:{max(ids, default=0)}".encode()).hexdigest()[:16]


def write_edits(conn: Connection, target: Target, edits: pa.Table) -> None:
    """Replace raw.api_edits with `edits` (created with its columns even when there are none)."""
    if target.name == "spark":  # a Parquet file in the lake, seen by Spark and the serving file
        from ingest import lake

        lake.write_table(target, RAW_EDITS_TABLE, edits)
        lake.link_raw_views(conn, target)
        return
    schema = target.raw_schema
    conn.execute(f"create schema if not exists {schema}")
    if target.name == "duckdb":
        duck = conn.driver
        duck.register("api_edits_arrow", edits)
        try:
            duck.execute(f"create or replace table {schema}.{RAW_EDITS_TABLE} as select * from api_edits_arrow")  # noqa: S608 - raw schema and table are constants
        finally:
            duck.unregister("api_edits_arrow")
        return
    import adbc_driver_postgresql.dbapi as adbc

    # Into the run's raw schema (raw_build on Postgres), emptied and refilled in one transaction.
    url = target.postgres_settings.url
    columns = ", ".join(
        f"{name} {'bigint' if name == 'edit_id' else 'timestamptz' if name == 'edited_at' else 'text'}"
        for name in COLUMNS
    )
    with adbc.connect(url) as adbc_conn, adbc_conn.cursor() as cursor:
        cursor.execute(f"drop view if exists {schema}.{RAW_EDITS_TABLE}")
        cursor.execute(f"create table if not exists {schema}.{RAW_EDITS_TABLE} ({columns})")
        cursor.execute(f"delete from {schema}.{RAW_EDITS_TABLE}")  # noqa: S608 - raw schema and table are constants
        if edits.num_rows:
            cursor.adbc_ingest(RAW_EDITS_TABLE, edits, mode="append", db_schema_name=schema)
        adbc_conn.commit()
