"""Passwords (argon2 via pwdlib), JWT access tokens (pyjwt) and the role ladder."""

from __future__ import annotations

import datetime as dt
import time
from enum import StrEnum
from typing import Any

import jwt
from pwdlib import PasswordHash

from api.core.config import Settings

password_hash = PasswordHash.recommended()


class Role(StrEnum):
    """Each role can do everything the roles below it can."""

    GUEST = "GUEST"
    USER = "USER"
    ANALYST = "ANALYST"
    MANAGER = "MANAGER"
    ADMIN = "ADMIN"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


def hash_password(password: str) -> str:
    return password_hash.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return password_hash.verify(password, hashed)


ACCESS, REFRESH = "access", "refresh"


def create_token(
    settings: Settings,
    username: str,
    role: Role,
    session_id: str,
    kind: str = ACCESS,
    generation: int = 0,
    now: dt.datetime | None = None,
) -> str:
    """A signed token of one login session: an access token (sent with every request, short-lived) or
    its refresh token (exchanged at POST /auth/refresh, one use each)."""
    issued = now or dt.datetime.now(dt.UTC)
    lifetime = (
        dt.timedelta(minutes=settings.access_token_minutes)
        if kind == ACCESS
        else dt.timedelta(days=settings.refresh_token_days)
    )
    claims: dict[str, Any] = {
        "sub": username,
        "role": role.value,
        "sid": session_id,
        "typ": kind,
        "iat": issued,
        "exp": issued + lifetime,
    }
    if kind == REFRESH:
        claims["gen"] = generation
    return jwt.encode(claims, settings.jwt_secret, algorithm=settings.jwt_algorithm)


# Tokens already verified, until they expire: a request checks its token twice (rate-limit key, then
# the user), and a client sends the same token many times. Only valid tokens are kept. This only
# saves the signature check: whether the session is still live is asked on every request
# (api.core.sessions.AccessCheck).
_VERIFIED: dict[tuple[str, str, str, str], dict[str, Any]] = {}
_VERIFIED_MAX = 4096


def decode_token(settings: Settings, token: str, kind: str = ACCESS) -> dict[str, Any]:
    """Claims of a valid token of that kind; raises jwt.InvalidTokenError otherwise (expired, forged,
    alg none, a refresh token sent as an access token...)."""
    key = (settings.jwt_secret, settings.jwt_algorithm, kind, token)
    claims = _VERIFIED.get(key)
    if claims is not None and claims["exp"] > time.time():
        return claims
    claims = jwt.decode(
        token,
        settings.jwt_secret,
        algorithms=[settings.jwt_algorithm],
        options={"require": ["sub", "role", "sid", "typ", "exp", "iat"]},
    )
    if claims["typ"] != kind:
        raise jwt.InvalidTokenError(f"not an {kind} token")
    if len(_VERIFIED) >= _VERIFIED_MAX:
        _VERIFIED.clear()
    _VERIFIED[key] = claims
    return claims
