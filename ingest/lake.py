"""The Spark target's lake folder, and the DuckDB file its marts are served from.

Layout under `LAKE_PATH` (docs/scaling.md):
- `raw/<table>/*.parquet`: every raw table, written by dlt's filesystem destination as Parquet (each file's
  rows untouched, with provenance), plus the registry, rejected lines and API edits; a table no file has
  filled yet is one empty Parquet file with its columns, so Spark and DuckDB both see an empty table.
- `warehouse/<schema>.db/<table>/`: the tables dbt-spark builds (Parquet); `metastore_db/` in local mode.
- `warehouse.duckdb` (`DUCKDB_PATH`): the serving file. Its `raw` schema is views over `raw/` (what the
  ELT reads to decide what changed), its `marts` the published copy of Spark's marts, `ops` the run log.
  It is built beside the live one and swapped in whole (ingest/atomic.py), so readers (the API) see the
  marts of the last successful run only.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.warehouse import RAW_SCHEMA, Connection, Target

MARTS_SCHEMA = "marts"


def raw_folder(target: Target, table: str) -> Path:
    return target.lake / RAW_SCHEMA / table


def _parquet_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def has_table(target: Target, table: str) -> bool:
    return bool(_parquet_files(raw_folder(target, table)))


def write_table(target: Target, table: str, rows: pa.Table) -> None:
    """Replace a raw table's files with one Parquet file holding `rows` (empty or not): written under a
    temporary name, renamed in, then the table's older files removed."""
    folder = raw_folder(target, table)
    folder.mkdir(parents=True, exist_ok=True)
    old = _parquet_files(folder)
    name = f"{uuid.uuid4().hex}.parquet"
    partial = folder / f".{name}.partial"
    pq.write_table(rows, partial)
    os.replace(partial, folder / name)
    for path in old:
        path.unlink(missing_ok=True)


def link_raw_views(conn: Connection, target: Target) -> list[str]:
    """(Re)create the serving file's `raw.<table>` views over every raw table of the lake; return their names."""
    root = target.lake / RAW_SCHEMA
    tables = sorted(
        folder.name
        for folder in (root.iterdir() if root.is_dir() else [])
        if not folder.name.startswith("_dlt") and _parquet_files(folder)
    )
    conn.execute(f"create schema if not exists {RAW_SCHEMA}")
    for table in tables:
        pattern = str(raw_folder(target, table) / "*.parquet").replace("'", "''")
        conn.execute(
            f'create or replace view {RAW_SCHEMA}."{table}" as '  # noqa: S608 - names of the lake's own folders
            f"select * from read_parquet('{pattern}', union_by_name = true)"
        )
    return tables


def spark_tables(target: Target, schema: str) -> dict[str, Path]:
    """The tables dbt-spark built in `schema` (Spark's default layout: `<warehouse>/<schema>.db/<table>/`)."""
    root = target.lake / "warehouse" / f"{schema}.db"
    folders = sorted(root.iterdir()) if root.is_dir() else []
    return {folder.name: folder for folder in folders if folder.is_dir() and _parquet_files(folder)}


def publish_marts(conn: Connection, target: Target) -> list[str]:
    """Copy every mart Spark built into the serving file's `marts` schema (replacing it); marts that Spark no
    longer builds are dropped. DuckDB reads the Parquet folders natively: no rows pass through Python."""
    built = spark_tables(target, MARTS_SCHEMA)
    if not built:
        raise RuntimeError(f"no marts found under {target.lake / 'warehouse' / (MARTS_SCHEMA + '.db')}")
    conn.execute(f"create schema if not exists {MARTS_SCHEMA}")
    existing = {
        name
        for (name,) in conn.fetch_all(
            "select table_name from information_schema.tables where table_schema = ?", [MARTS_SCHEMA]
        )
    }
    for name in sorted(existing - set(built)):
        conn.execute(f'drop table if exists {MARTS_SCHEMA}."{name}"')
    for name, folder in built.items():
        pattern = str(folder / "*.parquet").replace("'", "''")
        conn.execute(
            f'create or replace table {MARTS_SCHEMA}."{name}" as '  # noqa: S608 - names of Spark's own folders
            f"select * from read_parquet('{pattern}')"
        )
    return sorted(built)
