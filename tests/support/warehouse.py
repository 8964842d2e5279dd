"""Small read helpers over a built warehouse for assertions."""

from __future__ import annotations

from typing import Any

from ingest.warehouse import Target, connect


def scalar(target: Target, sql: str, params: list[Any] | None = None) -> Any:
    with connect(target, read_only=target.uses_duckdb_file) as conn:
        rows = conn.fetch_all(sql, params or [])
    return rows[0][0] if rows else None


def rows(target: Target, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connect(target, read_only=target.uses_duckdb_file) as conn:
        return conn.fetch_all(sql, params or [])
