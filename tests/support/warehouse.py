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


def mart_sums(target: Target, ignore: frozenset[str] = frozenset()) -> dict[str, tuple[int, str]]:
    """Row count and an ordered checksum of every table in a Postgres warehouse's `marts` schema (the columns
    in `ignore` left out): equal sums, equal marts."""
    with connect(target) as conn:
        tables = [
            row[0]
            for row in conn.fetch_all(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            )
        ]
        sums = {}
        for table in tables:
            columns = [
                row[0]
                for row in conn.fetch_all(
                    "select column_name from information_schema.columns where table_schema = 'marts' "
                    "and table_name = ? order by ordinal_position",
                    [table],
                )
                if row[0] not in ignore
            ]
            as_text = "row(" + ", ".join(f'"{column}"' for column in columns) + ")::text"
            count, digest = conn.fetch_all(
                f"select count(*), md5(coalesce(string_agg(line, '|' order by line), '')) "
                f'from (select {as_text} as line from marts."{table}") as lines'
            )[0]
            sums[table] = (int(count), str(digest))
        return sums
