"""Stream a query as CSV in large batches: the database produces the batches, pyarrow writes the CSV."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

from api.core.warehouse import Warehouse, compile_positional

BATCH_ROWS = 65_536
COPY_BLOCK_BYTES = 1 << 20


def stream_csv(warehouse: Warehouse, statement: sa.Select[Any], columns: list[str]) -> Iterator[bytes]:
    """CSV bytes of the statement's rows, header first, produced batch by batch (never all in memory)."""
    with warehouse.connect() as connection:
        if connection.dialect.name == "postgresql":
            yield from _postgres_copy(connection, statement)
        else:
            yield from _duckdb_batches(connection, statement, columns)


def _duckdb_batches(connection: sa.Connection, statement: sa.Select[Any], columns: list[str]) -> Iterator[bytes]:
    sql, params = compile_positional(statement, connection.dialect)
    duck = connection.connection.driver_connection  # the duckdb connection itself
    reader = duck.execute(sql, params).fetch_record_batch(BATCH_ROWS)
    header = True
    for batch in reader:
        yield _csv_bytes(pa.Table.from_batches([batch]).rename_columns(columns), header=header)
        header = False
    if header:
        yield (",".join(columns) + "\n").encode()


def _csv_bytes(table: pa.Table, header: bool) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=header))
    return sink.getvalue()


def _postgres_copy(connection: sa.Connection, statement: sa.Select[Any]) -> Iterator[bytes]:
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    raw = connection.connection.driver_connection
    with (
        raw.cursor() as cursor,
        cursor.copy(f"copy ({compiled.string}) to stdout (format csv, header)", compiled.params) as copy,
    ):
        # COPY hands over about one row per chunk: sent one by one they cost the server a message each
        # (20x slower than COPY itself); gathered into blocks they stream at COPY's pace.
        block = bytearray()
        for chunk in copy:
            block += chunk
            if len(block) >= COPY_BLOCK_BYTES:
                yield bytes(block)
                block.clear()
        if block:
            yield bytes(block)
