"""Read-only Postgres access for the API's hot paths, in as few round trips as a query needs.

SQLAlchemy's defaults cost a read by key on Postgres five round trips per engine: a ping on every
checkout (`pool_pre_ping`), BEGIN, the query, and a ROLLBACK when the connection goes back. Reads need
none of them: the engine here runs in autocommit (no transaction to begin or roll back) and does not
ping; instead, as SQLAlchemy's "optimistic" disconnect handling suggests, a read that finds its
connection dropped (a server restart) is retried once on a fresh one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa

T = TypeVar("T")


def read_only_engine(url: str, pool_size: int = 10) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_size=pool_size, pool_recycle=3600)


def read(engine: sa.Engine, work: Callable[[sa.Connection], T]) -> T:
    """`work(connection)` on a pooled connection, retried once on a fresh pool if the server had dropped
    the connection (work may use the driver directly, so its errors are not always SQLAlchemy's)."""
    with engine.connect() as connection:
        try:
            return work(connection)
        except Exception as error:
            if not _dropped(connection, error):
                raise
            connection.invalidate()
    engine.dispose()  # whatever dropped this connection (a restart) dropped the pooled others too
    with engine.connect() as connection:
        return work(connection)


def _dropped(connection: sa.Connection, error: Exception) -> bool:
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    driver = connection.connection.driver_connection
    return bool(getattr(driver, "closed", False))
