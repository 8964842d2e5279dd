"""Show edits the marts do not contain yet: the rows a query reads, with pending edits put over them.

Between an edit and the next ELT build, a resource's rows are the mart's rows minus the edited keys,
plus the edited rows as the edit log has them (deleted ones left out). Queries, counts and CSV exports
run on that union exactly as on the mart, so an edit shows at once everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from api.query.filters import convert
from api.resources import Resource


def literal_rows(table: sa.Table, rows: Iterable[dict[str, Any]]) -> list[sa.Select[Any]]:
    """One `select` of bound, typed values per row, with the table's column names and types."""
    return [
        sa.select(*[sa.cast(sa.literal(row.get(c.name), c.type), c.type).label(c.name) for c in table.c])
        for row in rows
    ]


def rows_source(resource: Resource, pending: dict[str, dict[str, Any] | None]) -> sa.FromClause:
    """The mart table itself, or (with pending edits) the union that applies them."""
    table: sa.Table = resource.table
    if not pending:
        return table
    key = table.c[resource.key[0]]
    keys = [convert(key, text, key.name) for text in pending]
    kept = sa.select(*table.c).where(key.not_in(keys))
    edited = literal_rows(table, (row for row in pending.values() if row is not None))
    return sa.union_all(kept, *edited).subquery(table.name)
