"""Empty raw tables for files that were never loaded, so dbt builds on any subset of the inputs.

A missing input file is not an error: its raw table exists with the publisher's columns and no rows,
and every model downstream simply has nothing from that file. Column names are normalised the way dlt
normalises them, so a later load of the file lands in the same table.
"""

from __future__ import annotations

from ingest.catalog import catalog, raw_column
from ingest.registry import ARROW_SCHEMA, REGISTRY_TABLE
from ingest.rejects import REJECTS_TABLE, create_sql
from ingest.warehouse import RAW_SCHEMA, Connection

_PROVENANCE = "_source_file text, _source_hash text, _source_line bigint, _load_id text"


def ensure_raw_tables(conn: Connection) -> list[str]:
    """Create the raw tables that do not exist yet; return their names."""
    created = []
    conn.execute(f"create schema if not exists {RAW_SCHEMA}")
    for spec in catalog().sources:
        if conn.table_exists(RAW_SCHEMA, spec.table):
            continue
        columns = ", ".join(f'"{raw_column(name)}" text' for name in spec.required_columns)
        conn.execute(f"create table {RAW_SCHEMA}.{spec.table} ({columns}, {_PROVENANCE})")
        created.append(spec.table)
    if not conn.table_exists(RAW_SCHEMA, REJECTS_TABLE):
        conn.execute(create_sql())
        created.append(REJECTS_TABLE)
    if not conn.table_exists(RAW_SCHEMA, REGISTRY_TABLE):
        types = {"int64": "bigint", "string": "text"}
        columns = ", ".join(
            f"{field.name} {types.get(str(field.type), 'timestamp with time zone')}" for field in ARROW_SCHEMA
        )
        conn.execute(f"create table {RAW_SCHEMA}.{REGISTRY_TABLE} ({columns})")
        created.append(REGISTRY_TABLE)
    return created
