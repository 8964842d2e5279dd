"""Creating or resetting a user outside the API (`make createadmin`, `python -m api.cli`, the tests):
the same rules, revocation and audit as the /users routes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from api.core import audit
from api.core.app_db import app_engine, write_transaction
from api.core.config import Settings
from api.core.security import Role, hash_password
from api.core.sessions import USERS, open_session, revoke_user_sessions
from api.models.users import TokenPair, User


def create_user(settings: Settings, username: str, password: str, role: Role, actor: str = "cli") -> User:
    """Create a user, or reset an existing one's password, role and active flag (which ends their
    sessions). Recorded in the audit trail with `actor` (the command line by default)."""
    if len(password) < 12:
        raise ValueError("passwords need at least 12 characters")
    with Session(app_engine(settings.app_url)) as session:
        existing = session.exec(select(User).where(User.username == username)).first()
        user = existing or User(username=username)
        user.password_hash = hash_password(password)
        user.role = role
        user.is_active = True
        session.add(user)
        details = {"role": role.value}
        if existing is not None:
            details["sessions_revoked"] = revoke_user_sessions(session, username, "user reset")
        event = "user.updated" if existing else "user.created"
        audit.record(session, event, actor=actor, target=username, details=details)
        session.commit()
        session.refresh(user)
        return user


def session_for(settings: Settings, username: str, client: str = "cli") -> TokenPair:
    """Open a session for an existing active user without a password: for operators' scripts (who hold the
    database credentials anyway), benchmarks and tests. Audited as `login.succeeded` via `client`."""
    with write_transaction(settings) as connection:
        user = connection.execute(sa.select(USERS).where(USERS.c.username == username)).first()
        if user is None or not user.is_active:
            raise ValueError(f"no active user {username!r}")
        pair = open_session(connection, settings, User(**user._mapping), client)
        audit.record(connection, "login.succeeded", actor=username, target=username, details={"via": client})
        return pair
