"""FastAPI dependencies: settings, warehouse, current user and role checks.

They are `async`: FastAPI runs sync dependencies in its thread pool, and those thread hops cost more
than the work they do. The one that reads (the session check of `current_user`) costs microseconds
on SQLite (cached) and one indexed query on Postgres."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from api.core.app_db import app_sessions
from api.core.config import Settings
from api.core.errors import APIError
from api.core.security import Role
from api.core.sessions import AccessCheck, CurrentUser, SessionRevoked
from api.core.warehouse import Warehouse
from api.editing.store import EditStore

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


async def app_settings(request: Request) -> Settings:
    """The settings the app was created with (see api.main.create_app)."""
    return request.app.state.settings


def app_session(settings: Annotated[Settings, Depends(app_settings)]) -> Iterator[Session]:
    """A session on the API database: users, edit log (sync: it does I/O)."""
    yield from app_sessions(settings)


async def get_edit_store(request: Request) -> EditStore:
    """The edit log, created with the app (see api.main.create_app)."""
    return request.app.state.edit_store


async def get_warehouse(request: Request) -> Warehouse:
    """The worker's warehouse reader, created with the app (see api.main.create_app)."""
    return request.app.state.warehouse


async def get_access(request: Request) -> AccessCheck:
    """The worker's token and session check, created with the app (see api.main.create_app)."""
    return request.app.state.access


def _unauthorized(message: str) -> APIError:
    return APIError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


async def current_user(
    request: Request,
    access: Annotated[AccessCheck, Depends(get_access)],
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> CurrentUser:
    if not token:
        raise _unauthorized("authentication required: send Authorization: Bearer <token> (POST /auth/token)")
    try:
        user = access.user(token)
    except SessionRevoked as revoked:
        raise _unauthorized(f"token no longer valid: {revoked.reason}") from None
    except (jwt.InvalidTokenError, ValueError, KeyError):
        raise _unauthorized("invalid or expired token") from None
    request.state.user = user
    return user


def require(role: Role) -> Callable[[CurrentUser], Awaitable[CurrentUser]]:
    """A dependency that lets through users whose role is at least `role`."""

    async def check(user: Annotated[CurrentUser, Depends(current_user)]) -> CurrentUser:
        if not user.role.at_least(role):
            raise APIError(403, "forbidden", f"this needs role {role.value} or above; you are {user.role.value}")
        return user

    check.__name__ = f"require_{role.value.lower()}"
    return check
