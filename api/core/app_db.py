"""The API's own database: users, login sessions, the login throttle, the audit trail and the edit log.
SQLite beside the DuckDB warehouse, the Postgres warehouse database, or APP_DATABASE_URL."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from api.core import postgres_reads
from api.core.config import Settings
from api.models.audit import AuditEvent
from api.models.edits import Edit
from api.models.login_throttle import LoginFailureCount
from api.models.users import LoginSession, User

TABLES = [
    model.__table__  # type: ignore[attr-defined]
    for model in (User, LoginSession, LoginFailureCount, AuditEvent, Edit)
]

# The audit trail is append-only in the database itself, not only in the API's code.
_APPEND_ONLY = {
    "sqlite": [
        f"create trigger if not exists api_audit_no_{verb} before {verb} on api_audit "
        "begin select raise(abort, 'api_audit is append-only'); end"
        for verb in ("update", "delete")
    ],
    "postgresql": [
        "create or replace function api_audit_append_only() returns trigger language plpgsql as "
        "$$ begin raise exception 'api_audit is append-only'; end $$",
        "create or replace trigger api_audit_append_only before update or delete on api_audit "
        "for each row execute function api_audit_append_only()",
        "create or replace trigger api_audit_no_truncate before truncate on api_audit "
        "for each statement execute function api_audit_append_only()",
    ],
}
T = TypeVar("T")


@lru_cache
def app_engine(url: str) -> sa.Engine:
    if not url.startswith("sqlite"):
        engine = sa.create_engine(url, pool_pre_ping=True)
    else:
        # Two API workers write to one file: WAL lets readers go on while one writes, and write
        # transactions start with BEGIN IMMEDIATE so two edits of the same row are serialised.
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.isolation_level = None  # let the begin event below issue BEGIN
            dbapi_connection.execute("pragma journal_mode=wal")
            dbapi_connection.execute("pragma busy_timeout=30000")

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            immediate = connection.get_execution_options().get("write_lock", False)
            connection.exec_driver_sql("begin immediate" if immediate else "begin")

    # One write transaction from the start (BEGIN IMMEDIATE on SQLite): two workers creating the tables of a
    # new SQLite file at once otherwise both read it, and the second's CREATE fails at once with "database
    # is locked" (a read transaction in WAL mode cannot become a write one after another has written).
    with engine.connect() as connection, connection.execution_options(write_lock=True).begin():
        SQLModel.metadata.create_all(connection, tables=TABLES)
        for statement in _APPEND_ONLY.get(engine.dialect.name, []):
            connection.exec_driver_sql(statement)
    return engine


def app_sessions(settings: Settings) -> Iterator[Session]:
    with Session(app_engine(settings.app_url)) as session:
        yield session


class ChangeWatch:
    """Tells, in microseconds, whether anything was committed to a SQLite app database since it last
    looked: a commit by any other connection, in any process, bumps `pragma data_version` as seen from
    this one (which never writes). Caches keyed by it are exact across API workers. On Postgres there is
    no such counter: `version()` is None and the caller queries each time."""

    def __init__(self, url: str) -> None:
        self._connection = (
            sqlite3.connect(url.removeprefix("sqlite:///"), check_same_thread=False, isolation_level=None)
            if url.startswith("sqlite:///")
            else None
        )
        self._lock = threading.Lock()

    @property
    def watching(self) -> bool:
        return self._connection is not None

    def version(self) -> int | None:
        if self._connection is None:
            return None
        with self._lock:
            return int(self._connection.execute("pragma data_version").fetchone()[0])


class AppReads:
    """The reads every request makes from the app database (a token's session, pending edits), and how
    to cache them: `version()` is the ChangeWatch's (None on Postgres: query each time), `read(work)` runs
    `work(connection)` on the engine for SQLite, on a lean read-only pool on Postgres (api.core.postgres_reads;
    writes keep the transactional engine). One per database URL and worker: see app_reads()."""

    def __init__(self, url: str) -> None:
        self.engine = app_engine(url)
        self._watch = ChangeWatch(url)
        postgres = sa.make_url(url).get_backend_name() == "postgresql"
        self._reads = postgres_reads.read_only_engine(url, 5) if postgres else None

    @property
    def cached(self) -> bool:
        """Whether `version()` tells when cached reads went stale (SQLite)."""
        return self._watch.watching

    def version(self) -> int | None:
        return self._watch.version()

    def read(self, work: Callable[[sa.Connection], T]) -> T:
        if self._reads is None:
            with self.engine.connect() as connection:
                return work(connection)
        return postgres_reads.read(self._reads, work)


@lru_cache
def app_reads(url: str) -> AppReads:
    return AppReads(url)


@contextmanager
def write_transaction(settings: Settings) -> Iterator[sa.Connection]:
    """A transaction that writes to the app database: on SQLite it takes the write lock at BEGIN
    (BEGIN IMMEDIATE), so reading then writing cannot fail on another worker's commit in between."""
    with app_engine(settings.app_url).connect().execution_options(write_lock=True) as connection, connection.begin():
        yield connection
