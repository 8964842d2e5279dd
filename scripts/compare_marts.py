"""Compare the marts of two DuckDB warehouse files row for row, by an ordered checksum per table.

    python -m scripts.compare_marts A.duckdb B.duckdb [--ignore load_id]   # e.g. DuckDB vs Spark's serving file

Each table's rows are turned into text (doubles to 9 significant digits: engines may sum in another order;
timestamps of loading left out: each build records its own), sorted, and hashed; two tables are equal
when their column names (in order), row counts and hashes are. Builds of different runs differ in their
load ids: give both the same `--run-id`, or `--ignore load_id`. Exit 0 when every mart is equal, 1 if not.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

SCHEMA = "marts"


@dataclass(frozen=True)
class TableSum:
    columns: tuple[str, ...]
    rows: int
    digest: str


def _tables(conn: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    found = conn.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = ? order by 1",
        [catalog, SCHEMA],
    ).fetchall()
    return [name for (name,) in found]


def _checksum(conn: duckdb.DuckDBPyConnection, catalog: str, table: str, ignore: frozenset[str]) -> TableSum:
    columns = conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [catalog, SCHEMA, table],
    ).fetchall()
    parts = []
    for name, data_type in columns:
        if data_type.startswith("TIMESTAMP") or name in ignore:
            continue
        value = f'"{name}"'
        if data_type in ("DOUBLE", "FLOAT"):
            value = f"printf('%.9g', {value})"
        parts.append(f"coalesce(cast({value} as varchar), '<null>')")
    row_text = " || '|' || ".join(parts) or "''"
    rows, digest = conn.execute(
        f"select count(*), md5(coalesce(string_agg(row_text, chr(10) order by row_text), '')) "  # noqa: S608 - names read from the catalog
        f'from (select {row_text} as row_text from "{catalog}".{SCHEMA}."{table}")'
    ).fetchone()
    return TableSum(tuple(name for name, _ in columns), rows, digest)


def compare(
    left: Path, right: Path, ignore: frozenset[str] = frozenset()
) -> dict[str, tuple[TableSum | None, TableSum | None]]:
    """Every mart of either file whose columns, row count or rows differ (empty: the marts are equal)."""
    conn = duckdb.connect()
    try:
        conn.execute(f"attach '{left}' as left_file (read_only)")
        conn.execute(f"attach '{right}' as right_file (read_only)")
        left_tables, right_tables = set(_tables(conn, "left_file")), set(_tables(conn, "right_file"))
        names = sorted(left_tables | right_tables)
        differing = {}
        for name in names:
            a = _checksum(conn, "left_file", name, ignore) if name in left_tables else None
            b = _checksum(conn, "right_file", name, ignore) if name in right_tables else None
            if a != b:
                differing[name] = (a, b)
        return differing
    finally:
        conn.close()


def table_sums(path: Path, ignore: frozenset[str] = frozenset()) -> dict[str, TableSum]:
    conn = duckdb.connect()
    try:
        conn.execute(f"attach '{path}' as file (read_only)")
        return {name: _checksum(conn, "file", name, ignore) for name in _tables(conn, "file")}
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("left", type=Path)
    parser.add_argument("right", type=Path)
    parser.add_argument("--ignore", action="append", default=[], help="a column left out (repeatable)")
    args = parser.parse_args(argv)
    ignore = frozenset(args.ignore)
    for name, table in table_sums(args.left, ignore).items():
        print(f"{name}: {table.rows} rows, {len(table.columns)} columns, md5 {table.digest}")
    differing = compare(args.left, args.right, ignore)
    for name, (a, b) in differing.items():
        print(f"DIFFERENT {name}: {a} vs {b}", file=sys.stderr)
    print("marts equal" if not differing else f"{len(differing)} mart(s) differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
