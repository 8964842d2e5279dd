"""Read-only access to the marts.

DuckDB: the ELT replaces the warehouse file atomically (ingest/atomic.py). Each worker keeps one
read-only connection and reopens it when the file on disk is a new one (its inode changed), so a
request never sees a half-built warehouse and never blocks the ELT. Postgres: a pooled engine.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from api.core.config import Settings
from api.core.errors import APIError


class Warehouse:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._engine: sa.Engine | None = None
        self._identity: tuple[int, int] | None = None

    def _file_identity(self) -> tuple[int, int]:
        try:
            stat = os.stat(self.settings.duckdb_path)
        except FileNotFoundError:
            raise APIError(
                503, "warehouse_missing", "the warehouse has not been built yet", hint="run `make elt`"
            ) from None
        return stat.st_ino, stat.st_mtime_ns

    def engine(self) -> sa.Engine:
        if self.settings.elt_target != "duckdb":
            if self._engine is None:
                with self._lock:
                    if self._engine is None:
                        self._engine = sa.create_engine(self.settings.warehouse_url, pool_pre_ping=True, pool_size=10)
            return self._engine
        identity = self._file_identity()
        if identity != self._identity:
            with self._lock:
                if identity != self._identity:
                    old, self._engine = self._engine, self._duckdb_engine()
                    self._identity = identity
                    if old is not None:
                        old.dispose()
        assert self._engine is not None
        return self._engine

    def _duckdb_engine(self) -> sa.Engine:
        # One shared read-only DuckDB connection per engine; cursors are cheap and thread-safe to create.
        import duckdb
        from duckdb_engine import ConnectionWrapper

        connection = duckdb.connect(str(self.settings.duckdb_path), read_only=True)
        return sa.create_engine(
            "duckdb:///:memory:",
            creator=lambda: ConnectionWrapper(connection.cursor()),
            poolclass=NullPool,
        )

    @contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        with self.engine().connect() as connection:
            yield connection

    def scalar(self, statement: Any) -> Any:
        with self.connect() as connection:
            return connection.execute(statement).scalar()
