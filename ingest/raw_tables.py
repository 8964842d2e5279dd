"""The raw tables dbt reads, complete for every run, whatever this run loaded.

A missing input file is not an error: its raw table exists with the publisher's columns and no rows,
and every model downstream simply has nothing from that file. On DuckDB and Postgres a wide file's table
also has its (empty) `_date_cells` JSON column (ingest/date_cells.py). Column names are normalised the way dlt
normalises them, so a later load of the file lands in the same table.

On Postgres a run loads the files that changed into `raw_build` (swapped in with the marts, so raw and
marts become visible together); the tables it did not load are views there over the live `raw` ones.
On Spark raw is a folder of Parquet files per table in the lake (ingest/lake.py): a missing table is one
empty Parquet file, and the serving file's `raw` schema is views over the lake.
"""

from __future__ import annotations

import pyarrow as pa

from ingest import lake, rejects
from ingest import registry as reg
from ingest.catalog import SourceFile, catalog, raw_column
from ingest.date_cells import DATE_CELLS_COLUMN, uses_date_cells
from ingest.warehouse import RAW_SCHEMA, Connection, Target

_PROVENANCE = [
    ("_source_file", pa.string()),
    ("_source_hash", pa.string()),
    ("_source_line", pa.int64()),
    ("_load_id", pa.string()),
]


def raw_schemas(target_name: str = "duckdb") -> dict[str, pa.Schema]:
    """Every raw table dbt reads on this target, with the columns it has at least: each catalog file's
    required columns (as text), its `_date_cells` where the target packs them, and provenance; the registry
    and the rejected lines."""
    wanted = {}
    for spec in catalog().sources:
        columns = [(raw_column(name), pa.string()) for name in spec.required_columns]
        if uses_date_cells(target_name, spec):
            columns.append((DATE_CELLS_COLUMN, pa.json_()))
        wanted[spec.table] = pa.schema(columns + _PROVENANCE)
    wanted[rejects.REJECTS_TABLE] = rejects.ARROW_SCHEMA
    wanted[reg.REGISTRY_TABLE] = reg.ARROW_SCHEMA
    return wanted


def _sql_type(arrow_type: pa.DataType, json_type: str = "jsonb") -> str:
    if pa.types.is_integer(arrow_type):
        return "bigint"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp with time zone"
    if isinstance(arrow_type, pa.JsonType):
        return json_type
    return "text"


def create_sql(schema: str, table: str, columns: pa.Schema, json_type: str = "jsonb") -> str:
    return (
        f"create table {schema}.{table} ("
        + ", ".join(f'"{field.name}" {_sql_type(field.type, json_type)}' for field in columns)
        + ")"
    )


def ensure_raw_tables(conn: Connection, target: Target) -> list[str]:
    """Give the run's raw schema every table dbt reads; return the names created empty."""
    if target.name == "spark":
        return _ensure_lake_tables(conn, target)
    schema = target.raw_schema
    conn.execute(f"create schema if not exists {schema}")
    created = []
    for table, columns in raw_schemas(target.name).items():
        if conn.table_exists(schema, table):
            continue
        if schema != RAW_SCHEMA and conn.table_exists(RAW_SCHEMA, table):
            conn.execute(f"create view {schema}.{table} as select * from {RAW_SCHEMA}.{table}")  # noqa: S608 - tables from the checked catalog
            continue
        conn.execute(create_sql(schema, table, columns, "json" if target.name == "duckdb" else "jsonb"))
        created.append(table)
    return created


def has_current_layout(conn: Connection, spec: SourceFile) -> bool:
    """Whether a file's live raw table, if any, has the layout this target loads: a wide file loaded on
    DuckDB or Postgres before its date cells were packed into `_date_cells` is not, and is loaded again."""
    if not uses_date_cells(conn.target.name, spec) or not conn.table_exists(RAW_SCHEMA, spec.table):
        return True
    found = conn.fetch_all(
        "select 1 from information_schema.columns where table_schema = ? and table_name = ? and column_name = ?",
        [RAW_SCHEMA, spec.table, DATE_CELLS_COLUMN],
    )
    return bool(found)


def _ensure_lake_tables(conn: Connection, target: Target) -> list[str]:
    created = []
    for table, columns in raw_schemas(target.name).items():
        if not lake.has_table(target, table):
            lake.write_table(target, table, columns.empty_table())
            created.append(table)
    lake.link_raw_views(conn, target)
    return created


def empty_rejected_lines(conn: Connection, target: Target) -> None:
    """No line of any loaded file was rejected: the run's rejected_lines table is empty."""
    if target.name == "spark":
        lake.write_table(target, rejects.REJECTS_TABLE, rejects.ARROW_SCHEMA.empty_table())
        return
    schema = target.raw_schema
    conn.execute(f"create schema if not exists {schema}")
    if not conn.table_exists(schema, rejects.REJECTS_TABLE):
        conn.execute(create_sql(schema, rejects.REJECTS_TABLE, rejects.ARROW_SCHEMA))
    conn.execute(f"delete from {schema}.{rejects.REJECTS_TABLE}")  # noqa: S608 - raw schema and table are constants
