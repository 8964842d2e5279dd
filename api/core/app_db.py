"""The API's own database: users and the edit log. SQLite beside the DuckDB warehouse, the Postgres
warehouse database, or APP_DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from api.core.config import Settings
from api.core.security import Role, hash_password
from api.models.edits import Edit
from api.models.users import User

TABLES = [User.__table__, Edit.__table__]  # type: ignore[attr-defined]


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

    SQLModel.metadata.create_all(engine, tables=TABLES)
    return engine


def app_sessions(settings: Settings) -> Iterator[Session]:
    with Session(app_engine(settings.app_url)) as session:
        yield session


def create_user(settings: Settings, username: str, password: str, role: Role) -> User:
    """Create or replace a user (used by `make createadmin` and the tests)."""
    if len(password) < 12:
        raise ValueError("passwords need at least 12 characters")
    with Session(app_engine(settings.app_url)) as session:
        user = session.exec(select(User).where(User.username == username)).first() or User(username=username)
        user.password_hash = hash_password(password)
        user.role = role
        user.is_active = True
        session.add(user)
        session.commit()
        session.refresh(user)
        return user
