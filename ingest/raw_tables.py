"""The raw tables dbt reads, complete for every run, whatever this run loaded.

A missing input file is not an error: its raw table exists with the publisher's columns and no rows,
and every model downstream simply has nothing from that file. Column names are normalised the way dlt
normalises them, so a later load of the file lands in the same table.

On Postgres a run loads the files that changed into `raw_build` (swapped in with the marts, so raw and
marts become visible together); the tables it did not load are views there over the live `raw` ones.
"""

from __future__ import annotations

from ingest.catalog import catalog, raw_column
from ingest.registry import ARROW_SCHEMA, REGISTRY_TABLE
from ingest.rejects import REJECTS_TABLE, create_sql
from ingest.warehouse import RAW_SCHEMA, Connection, Target

_PROVENANCE = "_source_file text, _source_hash text, _source_line bigint, _load_id text"


def _registry_sql(schema: str) -> str:
    types = {"int64": "bigint", "string": "text"}
    columns = ", ".join(
        f"{field.name} {types.get(str(field.type), 'timestamp with time zone')}" for field in ARROW_SCHEMA
    )
    return f"create table {schema}.{REGISTRY_TABLE} ({columns})"


def ensure_raw_tables(conn: Connection, target: Target) -> list[str]:
    """Give the run's raw schema every table dbt reads; return the names created empty."""
    schema = target.raw_schema
    conn.execute(f"create schema if not exists {schema}")
    wanted = {
        spec.table: (
            f"create table {schema}.{spec.table} ("
            + ", ".join(f'"{raw_column(name)}" text' for name in spec.required_columns)
            + f", {_PROVENANCE})"
        )
        for spec in catalog().sources
    }
    wanted[REJECTS_TABLE] = create_sql(schema)
    wanted[REGISTRY_TABLE] = _registry_sql(schema)
    created = []
    for table, create in wanted.items():
        if conn.table_exists(schema, table):
            continue
        if schema != RAW_SCHEMA and conn.table_exists(RAW_SCHEMA, table):
            conn.execute(f"create view {schema}.{table} as select * from {RAW_SCHEMA}.{table}")  # noqa: S608 - tables from the checked catalog
            continue
        conn.execute(create)
        created.append(table)
    return created


def empty_rejected_lines(conn: Connection, target: Target) -> None:
    """No line of any loaded file was rejected: the run's rejected_lines table is empty."""
    schema = target.raw_schema
    conn.execute(f"create schema if not exists {schema}")
    if not conn.table_exists(schema, REJECTS_TABLE):
        conn.execute(create_sql(schema))
    conn.execute(f"delete from {schema}.{REJECTS_TABLE}")  # noqa: S608 - raw schema and table are constants
