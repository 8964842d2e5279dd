"""Logins (OAuth2 password flow), token refresh and logout; failed-login locks (ADMIN)."""

from __future__ import annotations

import time
from typing import Annotated

import jwt
from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlmodel import Session, select

from api.core import audit
from api.core.app_db import write_transaction
from api.core.config import Settings
from api.core.deps import CurrentUser, app_session, app_settings, current_user, require
from api.core.errors import APIError, ErrorBody
from api.core.login_throttle import Lock, LoginThrottle
from api.core.security import REFRESH, Role, decode_token, password_hash, verify_password
from api.core.sessions import SessionRevoked, open_session, refresh_session, revoke_session, revoke_user_sessions
from api.models.users import TokenPair, User

router = APIRouter(prefix="/auth", tags=["auth"])
admin = require(Role.ADMIN)
_DUMMY_HASH = password_hash.hash("timing-equaliser-password")
_WRONG = "wrong username or password"
_LOCKED_HINT = "wait for the number of seconds in Retry-After, or ask an ADMIN to unlock (DELETE /auth/locks)"


def _unauthorized(code: str, message: str) -> APIError:
    return APIError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def _too_many(lock: Lock) -> APIError:
    retry_after = lock.retry_after(time.time())
    return APIError(
        429,
        "login_locked",
        f"too many failed logins: try again in {retry_after} s",
        hint=_LOCKED_HINT,
        headers={"Retry-After": str(retry_after)},
    )


@router.post(
    "/token",
    response_model=TokenPair,
    responses={401: {"model": ErrorBody}, 429: {"model": ErrorBody}},
)
def issue_token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    settings: Annotated[Settings, Depends(app_settings)],
    session: Annotated[Session, Depends(app_session)],
) -> TokenPair:
    """Log in with the OAuth2 password flow. Returns a short-lived access token (send it as
    `Authorization: Bearer <token>`) and a refresh token (exchange it at `POST /auth/refresh`).

    Failed logins are throttled per account and client address (429 with `Retry-After`); the answer
    is the same whether the account exists or not."""
    throttle = LoginThrottle(settings)
    address = audit.client_address(request)
    lock = throttle.lock_on(form.username, address)
    if lock is not None:
        audit.record_now(
            settings, "login.throttled", request=request, actor=form.username, outcome=audit.DENIED,
            details={"lock": lock.key, "retry_after": lock.retry_after(time.time())},
        )  # fmt: skip
        raise _too_many(lock)
    user = session.exec(select(User).where(User.username == form.username)).first()
    valid = verify_password(form.password, user.password_hash if user else _DUMMY_HASH)
    with write_transaction(settings) as connection:
        if not (user and valid and user.is_active):
            reason = "inactive user" if user and valid else "wrong username or password"
            locks = throttle.failed(connection, form.username, address)
            audit.record(
                connection, "login.failed", request=request, actor=form.username, outcome=audit.FAILURE,
                details={"reason": reason},
            )  # fmt: skip
            for new_lock in locks:
                audit.record(
                    connection, "login.locked", request=request, actor=form.username, target=new_lock.key,
                    outcome=audit.DENIED, details={"until": new_lock.locked_until, "scope": new_lock.scope},
                )  # fmt: skip
            failure = _too_many(locks[0]) if locks else _unauthorized("invalid_credentials", _WRONG)
        else:
            throttle.succeeded(connection, user.username, address)
            pair = open_session(connection, settings, user, address)
            audit.record(connection, "login.succeeded", request=request, actor=user.username, target=user.username)
            return pair
    raise failure


class RefreshRequest(BaseModel):
    refresh_token: str


@router.post("/refresh", response_model=TokenPair, responses={401: {"model": ErrorBody}})
def refresh_token(
    request: Request,
    body: Annotated[RefreshRequest, Body()],
    settings: Annotated[Settings, Depends(app_settings)],
) -> TokenPair:
    """Exchange a refresh token for a new token pair. Each refresh token works once: presenting one a
    second time (a copied token) revokes its whole session."""
    try:
        with write_transaction(settings) as connection:
            username, pair = refresh_session(connection, settings, body.refresh_token)
            audit.record(connection, "token.refreshed", request=request, actor=username, target=username)
            return pair
    except SessionRevoked as revoked:
        if revoked.replay:  # the transaction above rolled back: revoke in one of its own
            _revoke_replayed(settings, request, body.refresh_token)
        raise _unauthorized("invalid_token", f"invalid refresh token: {revoked.reason}") from None
    except (jwt.InvalidTokenError, ValueError, KeyError):
        raise _unauthorized("invalid_token", "invalid or expired refresh token") from None


def _revoke_replayed(settings: Settings, request: Request, token: str) -> None:
    claims = decode_token(settings, token, REFRESH)
    with write_transaction(settings) as connection:
        revoke_session(connection, claims["sid"], "refresh token replayed")
        audit.record(
            connection, "session.revoked", request=request, actor=claims["sub"], target=claims["sub"],
            outcome=audit.DENIED, details={"reason": "refresh token replayed"},
        )  # fmt: skip


@router.post("/logout", status_code=204, responses={401: {"model": ErrorBody}})
def logout(
    request: Request,
    user: Annotated[CurrentUser, Depends(current_user)],
    settings: Annotated[Settings, Depends(app_settings)],
    everywhere: Annotated[bool, Query(description="end every session of the user, not only this one")] = False,
) -> Response:
    """End this session (its access and refresh tokens stop working at once), or with `everywhere=true`
    every session of the user."""
    with write_transaction(settings) as connection:
        if everywhere:
            count = revoke_user_sessions(connection, user.username, "logout everywhere")
        else:
            count = revoke_session(connection, user.session_id or "", "logout")
        audit.record(
            connection, "session.revoked", request=request, actor=user.username, target=user.username,
            details={"reason": "logout everywhere" if everywhere else "logout", "sessions": count},
        )  # fmt: skip
    return Response(status_code=204)


class LockOut(BaseModel):
    key: str
    scope: str
    username: str | None
    address: str | None
    locked_until: float
    retry_after: int


@router.get("/locks", response_model=list[LockOut], responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}})
def list_locks(
    _admin: Annotated[CurrentUser, Depends(admin)], settings: Annotated[Settings, Depends(app_settings)]
) -> list[LockOut]:
    """Logins locked now by failed attempts (ADMIN): per account, address, or account from an address."""
    now = time.time()
    return [LockOut(**vars(lock), retry_after=lock.retry_after(now)) for lock in LoginThrottle(settings).locks()]


@router.delete("/locks", responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody}})
def unlock(
    request: Request,
    current: Annotated[CurrentUser, Depends(admin)],
    settings: Annotated[Settings, Depends(app_settings)],
    username: Annotated[str | None, Query(max_length=200, description="unlock this account")] = None,
    address: Annotated[str | None, Query(max_length=100, description="unlock this client address")] = None,
) -> dict[str, int]:
    """Unlock (ADMIN): an account from every address, an address for every account, or with both only
    that account from that address. Their failure counts start again from zero."""
    if username is None and address is None:
        raise APIError(400, "invalid_request", "give username, address or both")
    with write_transaction(settings) as connection:
        cleared = LoginThrottle(settings).unlock(connection, username, address)
        audit.record(
            connection, "login.unlocked", request=request, actor=current.username, target=username or address,
            details={"username": username, "address": address, "cleared": cleared},
        )  # fmt: skip
    return {"cleared": cleared}
