"""Run a card's SQL on the warehouse with the database's own client: DuckDB (read-only) or psycopg."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pandas as pd

from dashboards.spec import Card, bind, render_sql
from ingest.warehouse import Connection, Target


class CardQueryError(RuntimeError):
    pass


class Warehouse:
    """One open connection; `frame` returns a card's result as a pandas DataFrame."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._connection = Connection(target, read_only=True)
        self._conn: Any = self._connection.driver

    def frame(self, card: Card, values: Mapping[str, str] | None = None) -> pd.DataFrame:
        params = bind(card, values or {})
        try:
            if self.target.name == "duckdb":
                return self._conn.execute(render_sql(card.sql, "duckdb"), params).df()
            with self._conn.cursor() as cursor:
                cursor.execute(render_sql(card.sql, "postgres"), params)
                columns = [column.name for column in cursor.description]
                frame = pd.DataFrame(cursor.fetchall(), columns=columns)
        except Exception as exc:
            raise CardQueryError(f"card {card.key!r} failed on {self.target.describe()}: {exc}") from exc
        return _plain_types(frame)

    def close(self) -> None:
        self._connection.close()


def _plain_types(frame: pd.DataFrame) -> pd.DataFrame:
    """The same dtypes from both databases: psycopg gives Decimal for `numeric` and datetime.date for dates
    (object columns), where DuckDB gives numbers and datetime64."""
    for name in frame.select_dtypes(include="object").columns:
        first = frame[name].dropna().head(1)
        if first.empty:
            continue
        if isinstance(first.iloc[0], Decimal):
            frame[name] = pd.to_numeric(frame[name])
        elif isinstance(first.iloc[0], dt.date):
            frame[name] = pd.to_datetime(frame[name])
    return frame


@contextmanager
def open_warehouse(target: Target) -> Iterator[Warehouse]:
    warehouse = Warehouse(target)
    try:
        yield warehouse
    finally:
        warehouse.close()
