"""Show edits the marts do not contain yet: the rows a query reads, with pending edits put over them.

Between an edit and the next ELT build, a resource's rows are the mart's rows minus the edited keys,
plus the edited rows as the edit log has them (deleted ones left out). Queries, counts and CSV exports
run on that union exactly as on the mart, so an edit shows at once everywhere. The pending rows travel
as one JSON parameter, so the statement stays the same size however many edits are pending.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from api.editing.rows import json_default
from api.resources import Resource

_TYPE_NAMES = postgresql.dialect()  # DuckDB reads Postgres type names too


def json_rows(table: sa.Table, rows: Iterable[dict[str, Any]], dialect: str, name: str) -> sa.Subquery:
    """`rows` as a subquery with the table's column names and types, from one JSON parameter."""
    payload = json.dumps(list(rows), default=json_default)
    columns = []
    for column in table.c:
        sql_type = column.type.compile(dialect=_TYPE_NAMES)
        if dialect == "duckdb":
            value = f"json_extract_string(r.value, '$.\"{column.name}\"')"
        else:
            value = f"(r.value ->> '{column.name}')"
        columns.append(f'cast({value} as {sql_type}) as "{column.name}"')
    source = (
        "json_each(cast(:rows as json)) as r"
        if dialect == "duckdb"
        else "jsonb_array_elements(cast(:rows as jsonb)) as r(value)"
    )
    # Column names and types come from the mart's model; the rows are one bound JSON parameter.
    text = sa.text(f"select {', '.join(columns)} from {source}").bindparams(rows=payload)  # noqa: S608
    return text.columns(*[sa.column(column.name, column.type) for column in table.c]).subquery(name)


def _key_texts(keys: list[str], dialect: str) -> sa.Subquery:
    if dialect == "duckdb":
        sql = "select json_extract_string(r.value, '$') as row_key from json_each(cast(:keys as json)) as r"
    else:
        sql = "select jsonb_array_elements_text(cast(:keys as jsonb)) as row_key"
    return sa.text(sql).bindparams(keys=json.dumps(keys)).columns(sa.column("row_key", sa.Text)).subquery("edited")


def rows_source(resource: Resource, pending: dict[str, dict[str, Any] | None], dialect: str) -> sa.FromClause:
    """The mart table itself, or (with pending edits) the union that applies them."""
    table: sa.Table = resource.table
    if not pending:
        return table
    key = table.c[resource.key[0]]
    edited_keys = _key_texts(list(pending), dialect)
    kept = sa.select(*table.c).where(sa.cast(key, sa.Text).not_in(sa.select(edited_keys.c.row_key)))
    edited = json_rows(table, (row for row in pending.values() if row is not None), dialect, "pending_rows")
    return sa.union_all(kept, sa.select(*edited.c)).subquery(table.name)
