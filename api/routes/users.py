"""User management (ADMIN): list, create, change role or password, deactivate, delete. Each change is
audited, and every change to an existing user ends their sessions at once."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from api.core import audit
from api.core.deps import CurrentUser, app_session, require
from api.core.errors import APIError, ErrorBody
from api.core.security import Role, hash_password
from api.core.sessions import revoke_user_sessions
from api.models.users import User

router = APIRouter(prefix="/users", tags=["users"], responses={c: {"model": ErrorBody} for c in (401, 403, 404)})
admin = require(Role.ADMIN)


class UserOut(BaseModel):
    username: str
    role: Role
    is_active: bool
    created_at: dt.datetime


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")
    password: str = Field(min_length=12, max_length=256)
    role: Role = Role.USER


class UserUpdate(BaseModel):
    role: Role | None = None
    is_active: bool | None = None
    password: str | None = Field(None, min_length=12, max_length=256)


def _get(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise APIError(404, "not_found", f"no user {username!r}")
    return user


def _out(user: User) -> UserOut:
    return UserOut(username=user.username, role=user.role, is_active=user.is_active, created_at=user.created_at)


@router.get("", response_model=list[UserOut])
def list_users(
    _admin: Annotated[CurrentUser, Depends(admin)], session: Annotated[Session, Depends(app_session)]
) -> list[UserOut]:
    """Every user with role and status (never the password hash)."""
    return [_out(user) for user in session.exec(select(User).order_by(User.username)).all()]


@router.post("", status_code=201, response_model=UserOut, responses={409: {"model": ErrorBody}})
def create_user(
    request: Request,
    body: UserCreate,
    current: Annotated[CurrentUser, Depends(admin)],
    session: Annotated[Session, Depends(app_session)],
) -> UserOut:
    """Create a user; the password is stored as an argon2 hash."""
    if session.exec(select(User).where(User.username == body.username)).first():
        raise APIError(409, "conflict", f"user {body.username!r} already exists")
    user = User(username=body.username, password_hash=hash_password(body.password), role=body.role)
    session.add(user)
    audit.record(
        session, "user.created", request=request, actor=current.username, target=user.username,
        details={"role": user.role.value},
    )  # fmt: skip
    session.commit()
    session.refresh(user)
    return _out(user)


@router.patch("/{username}", response_model=UserOut)
def update_user(
    request: Request,
    username: str,
    body: UserUpdate,
    current: Annotated[CurrentUser, Depends(admin)],
    session: Annotated[Session, Depends(app_session)],
) -> UserOut:
    """Change role, active flag or password. Any of these changes ends the user's sessions at once:
    their tokens are refused from the next request on, and they log in again (if still active)."""
    user = _get(session, username)
    if username == current.username and (body.is_active is False or (body.role and body.role != Role.ADMIN)):
        raise APIError(400, "invalid_request", "an admin cannot deactivate or demote themselves")
    changes: dict[str, Any] = {}
    if body.role is not None and body.role != user.role:
        changes["role"] = {"from": user.role.value, "to": body.role.value}
        user.role = body.role
    if body.is_active is not None and body.is_active != user.is_active:
        changes["is_active"] = {"from": user.is_active, "to": body.is_active}
        user.is_active = body.is_active
    if body.password is not None:
        changes["password"] = "changed"  # noqa: S105 - records that it changed, never the value
        user.password_hash = hash_password(body.password)
    session.add(user)
    if changes:
        revoked = revoke_user_sessions(session, username, "user changed: " + ", ".join(changes))
        audit.record(
            session, "user.updated", request=request, actor=current.username, target=username,
            details={**changes, "sessions_revoked": revoked},
        )  # fmt: skip
    session.commit()
    session.refresh(user)
    return _out(user)


@router.delete("/{username}", status_code=204)
def delete_user(
    request: Request,
    username: str,
    current: Annotated[CurrentUser, Depends(admin)],
    session: Annotated[Session, Depends(app_session)],
) -> Response:
    """Delete a user (an admin cannot delete themselves); their sessions end at once."""
    if username == current.username:
        raise APIError(400, "invalid_request", "an admin cannot delete themselves")
    session.delete(_get(session, username))
    revoked = revoke_user_sessions(session, username, "user deleted")
    audit.record(
        session, "user.deleted", request=request, actor=current.username, target=username,
        details={"sessions_revoked": revoked},
    )  # fmt: skip
    session.commit()
    return Response(status_code=204)
