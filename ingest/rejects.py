"""Rejected lines: the lines of loaded files that were set aside, kept in `raw.rejected_lines`.

One row per rejected line: which file (and which load of it), the line number, the reason and the line's
text as far as it can be shown. The table is written with the registry in the same load; the rows of files
that did not change this run are carried over, so it always describes exactly what raw holds.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ingest.reader import RejectedLine
from ingest.warehouse import RAW_SCHEMA, Connection

REJECTS_TABLE = "rejected_lines"
ARROW_SCHEMA = pa.schema(
    [
        ("file_name", pa.string()),
        ("table_name", pa.string()),
        ("source_file", pa.string()),
        ("source_hash", pa.string()),
        ("line", pa.int64()),
        ("reason", pa.string()),
        ("line_text", pa.string()),
        ("load_id", pa.string()),
    ]
)


def read_rejects(conn: Connection | None) -> dict[str, list[dict[str, Any]]]:
    """Stored rejected lines by file name (empty before the first load)."""
    if conn is None or not conn.table_exists(RAW_SCHEMA, REJECTS_TABLE):
        return {}
    names = ARROW_SCHEMA.names
    found: dict[str, list[dict[str, Any]]] = {}
    for row in conn.fetch_all(f"select {', '.join(names)} from {RAW_SCHEMA}.{REJECTS_TABLE}"):  # noqa: S608 - constant names
        record = dict(zip(names, row, strict=True))
        found.setdefault(record["file_name"], []).append(record)
    return found


def rows_for(
    file_name: str, table: str, source_file: str, source_hash: str, load_id: str, lines: list[RejectedLine]
) -> list[dict[str, Any]]:
    return [
        {
            "file_name": file_name,
            "table_name": table,
            "source_file": source_file,
            "source_hash": source_hash,
            "line": line.line,
            "reason": line.reason,
            "line_text": line.text,
            "load_id": load_id,
        }
        for line in lines
    ]


def to_arrow(by_file: dict[str, list[dict[str, Any]]]) -> pa.Table:
    rows = [row for name in sorted(by_file) for row in sorted(by_file[name], key=lambda r: r["line"])]
    return pa.Table.from_pylist(rows, schema=ARROW_SCHEMA)
