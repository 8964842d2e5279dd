"""Login sessions, and the check every authenticated request passes.

A login opens a session (a row of `api_sessions`) and returns two tokens naming it: a short-lived
access token and a refresh token that can be exchanged once for a new pair. A request is let through
only while its session is live: not revoked (logout, or a change to its user), not expired, its user
still there, active and in the role the token names. Deleting, deactivating, demoting or promoting a
user and changing their password revoke all their sessions, so their tokens stop working on their
next request, in every worker: the check reads the users store on each request. On SQLite that read
is cached until `pragma data_version` says something was committed (microseconds, exact across
workers); on Postgres it is one indexed query.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
import sqlalchemy as sa

from api.core.app_db import app_reads
from api.core.config import Settings
from api.core.security import ACCESS, REFRESH, Role, create_token, decode_token
from api.models.users import LoginSession, TokenPair, User

SESSIONS: sa.Table = LoginSession.__table__  # type: ignore[attr-defined]
USERS: sa.Table = User.__table__  # type: ignore[attr-defined]
_PRUNE_AFTER_SECONDS = 24 * 3600  # expired sessions are kept a day, then deleted at a login


class CurrentUser:
    def __init__(self, username: str, role: Role, session_id: str | None = None) -> None:
        self.username = username
        self.role = role
        self.session_id = session_id


class SessionRevoked(jwt.InvalidTokenError):
    """The token is well signed but its session no longer lets it through."""

    def __init__(self, reason: str, replay: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.replay = replay


_STATE = (
    sa.select(
        SESSIONS.c.username,
        SESSIONS.c.role,
        SESSIONS.c.expires_at,
        SESSIONS.c.revoked_at,
        SESSIONS.c.refresh_generation,
        USERS.c.role.label("user_role"),
        USERS.c.is_active,
    )
    .select_from(SESSIONS.outerjoin(USERS, USERS.c.username == SESSIONS.c.username))
    .where(SESSIONS.c.session_id == sa.bindparam("sid"))
)


@dataclass(frozen=True)
class _SessionState:
    username: str
    role: Role
    expires_at: float
    revoked_at: float | None
    refresh_generation: int
    user_role: Role | None
    is_active: bool | None

    def refusal(self, claims: dict[str, Any], now: float) -> str | None:
        """Why a token with these claims is refused, or None if it may pass."""
        if self.revoked_at is not None:
            return "session revoked"
        if self.expires_at <= now:
            return "session expired"
        if self.user_role is None:
            return "user deleted"
        if not self.is_active:
            return "user deactivated"
        if self.user_role != self.role or claims["role"] != self.role.value or claims["sub"] != self.username:
            return "role changed"
        return None


def _state(connection: sa.Connection, session_id: str) -> _SessionState | None:
    row = connection.execute(_STATE, {"sid": session_id}).first()
    return None if row is None else _SessionState(**row._mapping)


class AccessCheck:
    """One per API worker (app.state.access): the user a bearer token stands for, checked against the
    sessions and users store on every request."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._reads = app_reads(settings.app_url)
        self._cache: dict[str, tuple[int, _SessionState | None]] = {}

    def user(self, token: str) -> CurrentUser:
        """The user of a valid access token of a live session; raises jwt.InvalidTokenError (SessionRevoked
        when only the session refuses it), ValueError or KeyError otherwise."""
        claims = decode_token(self.settings, token, ACCESS)
        state = self._session(claims["sid"])
        if state is None:
            raise SessionRevoked("no such session")
        refusal = state.refusal(claims, time.time())
        if refusal is not None:
            raise SessionRevoked(refusal)
        return CurrentUser(state.username, state.role, claims["sid"])

    def _session(self, session_id: str) -> _SessionState | None:
        version = self._reads.version()
        if version is not None:
            cached = self._cache.get(session_id)
            if cached is not None and cached[0] == version:
                return cached[1]
        state = self._reads.read(lambda connection: _state(connection, session_id))
        if version is not None:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[session_id] = (version, state)
        return state


def _pair(settings: Settings, username: str, role: Role, session_id: str, generation: int) -> TokenPair:
    return TokenPair(
        access_token=create_token(settings, username, role, session_id),
        expires_in=settings.access_token_minutes * 60,
        refresh_token=create_token(settings, username, role, session_id, REFRESH, generation),
        refresh_expires_in=int(settings.refresh_token_days * 86400),
        role=role,
    )


def open_session(connection: sa.Connection | Any, settings: Settings, user: User, client: str | None) -> TokenPair:
    """Start a session for `user` (in the caller's transaction) and return its first token pair."""
    now = time.time()
    session_id = secrets.token_urlsafe(24)
    connection.execute(
        sa.insert(SESSIONS).values(
            session_id=session_id,
            username=user.username,
            role=user.role,
            client=client,
            created_at=now,
            expires_at=now + settings.refresh_token_days * 86400,
            refresh_generation=0,
        )
    )
    connection.execute(sa.delete(SESSIONS).where(SESSIONS.c.expires_at < now - _PRUNE_AFTER_SECONDS))
    return _pair(settings, user.username, user.role, session_id, 0)


def refresh_session(connection: sa.Connection, settings: Settings, refresh_token: str) -> tuple[str, TokenPair]:
    """(user name, the session's next token pair) for a refresh token; each refresh token works once.
    A refresh token used a second time means it was copied: SessionRevoked with replay=True, and the
    caller revokes the session."""
    claims = decode_token(settings, refresh_token, REFRESH)
    session_id, generation = claims["sid"], claims.get("gen")
    state = _state(connection, session_id)
    if state is None:
        raise SessionRevoked("no such session")
    refusal = state.refusal(claims, time.time())
    if refusal is not None:
        raise SessionRevoked(refusal)
    moved = connection.execute(
        sa.update(SESSIONS)
        .where(SESSIONS.c.session_id == session_id, SESSIONS.c.refresh_generation == generation)
        .values(refresh_generation=SESSIONS.c.refresh_generation + 1)
    ).rowcount
    if moved != 1:  # the caller revokes the session, in a transaction of its own (this one rolls back)
        raise SessionRevoked("refresh token already used: the session is revoked", replay=True)
    return state.username, _pair(settings, state.username, state.role, session_id, generation + 1)


def revoke_session(connection: sa.Connection | Any, session_id: str, reason: str) -> int:
    """Revoke one session (in the caller's transaction); returns 1, or 0 if it was not live."""
    return _revoke(connection, SESSIONS.c.session_id == session_id, reason)


def revoke_user_sessions(connection: sa.Connection | Any, username: str, reason: str) -> int:
    """Revoke every live session of a user (in the caller's transaction); returns how many."""
    return _revoke(connection, SESSIONS.c.username == username, reason)


def _revoke(connection: sa.Connection | Any, which: sa.ColumnElement[bool], reason: str) -> int:
    statement = (
        sa.update(SESSIONS)
        .where(which, SESSIONS.c.revoked_at.is_(None))
        .values(revoked_at=time.time(), revoked_reason=reason)
    )
    return connection.execute(statement).rowcount
