"""The file registry: one row per known input file, telling what is loaded in raw and how the last attempt went.

It is written by dlt in the same load as the raw tables. Because a crash between two table loads is
still possible on Postgres, a file is only skipped when the registry AND the raw table agree: the raw
table must hold exactly `loaded_rows` rows carrying `loaded_hash`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from ingest.warehouse import RAW_SCHEMA, Connection

REGISTRY_TABLE = "file_registry"


@dataclass
class RegistryEntry:
    """What the warehouse knows about one input file."""

    file_name: str
    table_name: str
    publisher: str
    source_file: str | None = None
    status: str = "new"  # loaded | unchanged | failed
    loaded_hash: str | None = None
    loaded_rows: int | None = None
    load_id: str | None = None
    first_loaded_at: datetime | None = None
    last_loaded_at: datetime | None = None
    last_seen_hash: str | None = None
    size_bytes: int | None = None
    header: str | None = None
    header_columns: str | None = None  # JSON: [{header, column, date?}], the header as written <-> raw column
    data_lines: int | None = None  # lines after the header: loaded_rows + rejected_lines
    rejected_lines: int | None = None
    error: str | None = None
    error_line: int | None = None
    last_attempt_at: datetime | None = None


_FIELD_TYPES: dict[str, pa.DataType] = {
    "loaded_rows": pa.int64(),
    "data_lines": pa.int64(),
    "rejected_lines": pa.int64(),
    "size_bytes": pa.int64(),
    "error_line": pa.int64(),
    "first_loaded_at": pa.timestamp("us", tz="UTC"),
    "last_loaded_at": pa.timestamp("us", tz="UTC"),
    "last_attempt_at": pa.timestamp("us", tz="UTC"),
}
FIELDS = [field.name for field in dataclasses.fields(RegistryEntry)]
ARROW_SCHEMA = pa.schema([(name, _FIELD_TYPES.get(name, pa.string())) for name in FIELDS])


def read_registry(conn: Connection) -> dict[str, RegistryEntry]:
    """The registry as stored, keyed by file name; empty before the first load."""
    if not conn.table_exists(RAW_SCHEMA, REGISTRY_TABLE):
        return {}
    stored = {
        name
        for (name,) in conn.fetch_all(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [RAW_SCHEMA, REGISTRY_TABLE],
        )
    }
    # A registry written by an older version lacks the newer fields: they read as NULL until the next load.
    columns = ", ".join(name if name in stored else f"null as {name}" for name in FIELDS)
    rows = conn.fetch_all(f"select {columns} from {RAW_SCHEMA}.{REGISTRY_TABLE}")  # noqa: S608 - columns are FIELDS, constant table
    return {row[0]: RegistryEntry(*row) for row in rows}


def raw_row_counts(conn: Connection, table: str) -> dict[str, int]:
    """Rows per content hash in one raw table (empty when the table does not exist)."""
    if not conn.table_exists(RAW_SCHEMA, table):
        return {}
    rows = conn.fetch_all(f"select _source_hash, count(*) from {RAW_SCHEMA}.{table} group by _source_hash")  # noqa: S608 - a catalog table
    return {content_hash: int(count) for content_hash, count in rows}


def is_loaded(entry: RegistryEntry | None, content_hash: str, counts: dict[str, int]) -> bool:
    """True when raw already holds exactly this file's content and nothing else, and the registry has its
    header mapping (a file loaded by a version that did not record it is loaded again)."""
    return (
        entry is not None
        and entry.header_columns is not None
        and entry.data_lines is not None
        and entry.loaded_hash == content_hash
        and counts == {content_hash: entry.loaded_rows}
    )


def to_arrow(entries: list[RegistryEntry]) -> pa.Table:
    rows: list[dict[str, Any]] = [dataclasses.asdict(entry) for entry in entries]
    return pa.Table.from_pylist(rows, schema=ARROW_SCHEMA)
