"""API users (argon2 hash, one role), their login sessions, and the token pair a login returns."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import Field, SQLModel

from api.core.security import Role


class User(SQLModel, table=True):
    __tablename__ = "api_users"

    username: str = Field(primary_key=True, min_length=3, max_length=64)
    password_hash: str
    role: Role = Field(default=Role.USER)
    is_active: bool = True
    created_at: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))


class LoginSession(SQLModel, table=True):
    """One login: its refresh token's generation and whether it was revoked. Every access token names its
    session, and a request is let through only while the session is live and its user unchanged."""

    __tablename__ = "api_sessions"
    __table_args__ = (sa.Index("ix_api_sessions_user", "username", "revoked_at"),)

    session_id: str = Field(primary_key=True, description="Random id, the `sid` claim of the session's tokens.")
    username: str = Field(description="Whose session.")
    role: Role = Field(description="The user's role at login; a role change revokes the session.")
    client: str | None = Field(default=None, description="Client address at login.")
    created_at: float = Field(description="Login time (Unix seconds).")
    expires_at: float = Field(description="When the refresh token expires (Unix seconds).")
    refresh_generation: int = Field(default=0, description="Counts refreshes; an older refresh token is a replay.")
    revoked_at: float | None = Field(default=None, description="When it was revoked (Unix seconds), if it was.")
    revoked_reason: str | None = None


class TokenPair(BaseModel):
    """What a login or a refresh returns (OAuth2 token response, plus a refresh token and the role)."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    role: Role
