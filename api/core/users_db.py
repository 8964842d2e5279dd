"""The users store: SQLite beside the DuckDB warehouse, or the Postgres database."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from api.core.config import Settings
from api.core.security import Role, hash_password
from api.models.users import User


@lru_cache
def users_engine(url: str) -> sa.Engine:
    connect_args = {"check_same_thread": False} if url.startswith("sqlite") else {}
    engine = sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True)
    SQLModel.metadata.create_all(engine, tables=[User.__table__])  # type: ignore[list-item]
    return engine


def user_sessions(settings: Settings) -> Iterator[Session]:
    with Session(users_engine(settings.users_url)) as session:
        yield session


def create_user(settings: Settings, username: str, password: str, role: Role) -> User:
    """Create or replace a user (used by `make createadmin` and the tests)."""
    if len(password) < 12:
        raise ValueError("passwords need at least 12 characters")
    with Session(users_engine(settings.users_url)) as session:
        user = session.exec(select(User).where(User.username == username)).first() or User(username=username)
        user.password_hash = hash_password(password)
        user.role = role
        user.is_active = True
        session.add(user)
        session.commit()
        session.refresh(user)
        return user
